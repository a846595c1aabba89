package dev.jfork.template;

import dev.jfork.Fork;


/**
 * AnyEvent::Fork::Template for the JVM: a template that reproduces the <em>main program</em> at a
 * point the program chooses, so that workers forked from it start with the program's classes
 * already loaded and initialised.
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *     ForkEarly.start();                       // optional, first
 *     // load what the workers need: classes used here are loaded and initialised
 *     Config.load(); Parser.warmUp();
 *     Fork template = ForkTemplate.capture();  // the program as it is now
 *     for (int id = 1; id <= 10; id++) {
 *         template.fork().sendArg(String.valueOf(id)).run("com.example.Worker.run");
 *     }
 * }
 * }</pre>
 *
 * <p>A JVM cannot copy itself, so the template is a new JVM that <em>reproduces</em> the program:
 * the same {@code java}, class path and module path, JVM options (minus those that must not be
 * copied: debugger and JMX ports, flight recordings and log files, class-data archive options,
 * jfork's own agents), the system properties given on the command line, the environment and the
 * working directory; then it loads and initialises, in the same order, the application classes the
 * program has loaded so far (those that fail there, say because their initialiser needs the
 * program's arguments, are skipped). What is <em>not</em> reproduced: objects the program created
 * and state its static initialisers computed from run-time input (they run again in the template
 * and in each fork), open files and sockets (send them with {@code sendFd}), classes of custom class
 * loaders. Nothing of the program runs twice on exit either: no shutdown hook or destructor of the
 * program runs in the template, because nothing is copied.
 *
 * <p>It needs no JVM option and no agent: the program's loaded classes are read, in the order
 * they were defined, from the JVM's own {@code VM.classloaders} diagnostic command (what
 * {@code jcmd <pid> VM.classloaders show-classes=true} prints), asked in-process through the
 * platform MBean server; nothing is printed. Only a runtime image without {@code jdk.management}
 * lacks it; there, {@code --add-opens java.base/java.lang=ALL-UNNAMED} or this module's jar as an
 * agent ({@code -javaagent:fork-template.jar}, which records the order as classes load) is used
 * instead, and {@code capture()} says which one it needs.
 *
 * <p>The template's forks boot from a class-data archive of those classes (see
 * {@link dev.jfork.JvmSpec.Builder#classDataSharing(boolean)}), built once per configuration.
 */
public final class ForkTemplate {
    private ForkTemplate() {}

    private static Fork template;

    /**
     * {@code -javaagent:fork-template.jar}: records the program's class loading order from the
     * start, for a runtime without the diagnostic command {@link #capture()} asks (it is used
     * instead of the command wherever it is given).
     *
     * @param args the agent's options (after {@code =}), ignored
     * @param inst the JVM's instrumentation, through which class loading is recorded
     */
    public static void premain(String args, java.lang.instrument.Instrumentation inst) {
        LoadOrder.install(inst);
    }

    /**
     * Starts a template that reproduces the program as it is now and returns it; calling it again
     * returns the same template while it lives (a new one if it was closed or died).
     *
     * @return the template, to {@link Fork#fork()} workers from
     * @throws IllegalStateException if the program's loaded classes cannot be read (the message
     *                               names the JVM option that allows it)
     */
    public static synchronized Fork capture() {
        if (template != null && template.isAlive()) {
            return template;
        }
        MainProgram program = MainProgram.current();
        template = Fork.newTemplate(program.spec()).preload(program.loadedClasses().toArray(new String[0]));
        return template;
    }
}
