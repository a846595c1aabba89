package dev.jfork.template;

import dev.jfork.Fork;
import dev.jfork.ForkChannel;
import dev.jfork.TestSupport;

/**
 * Loads the markers, captures itself as a template and prints what a worker of it reports, with
 * the id given as argument 0. Run by {@link ForkTemplateTest} in its own JVM: with the agent, or
 * with no JVM option at all.
 */
public final class CaptureProgram {
    private CaptureProgram() {}

    public static void main(String[] args) throws Exception {
        Class.forName(FirstMarker.class.getName());
        Class.forName(SecondMarker.class.getName());
        Fork template = ForkTemplate.capture();
        Fork worker = template.fork().sendArg(args.length > 0 ? args[0] : "agent");
        ForkChannel ch = worker.run(Markers::report).get();
        System.out.println(TestSupport.readLine(ch));
        ch.close();
        worker.onExit().get();
        template.close();
        template.onExit().get();
    }
}
