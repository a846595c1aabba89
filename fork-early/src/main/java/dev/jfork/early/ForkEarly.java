package dev.jfork.early;

import java.lang.instrument.Instrumentation;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import dev.jfork.Fork;
import dev.jfork.JvmSpec;
import dev.jfork.internal.concurrent.JforkThreads;

/**
 * AnyEvent::Fork::Early for the JVM: start the template process as the very first thing, so that
 * later {@link Fork#exec()} and {@link Fork#create()} calls fork from it instead of starting JVMs
 * from the program.
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *     ForkEarly.start();           // first statement: returns at once, the template boots alongside
 *     ...                          // the program's own start-up
 *     Fork.exec().run("com.example.Worker.run");   // a fork of the early template
 * }
 * }</pre>
 *
 * <p>Or, with no code change, add {@code -javaagent:/path/to/fork-early.jar} to the program's
 * command line (the jar's dependencies, fork-core and jnr, must be on the class path).
 *
 * <p>On the JVM the early template is a fresh JVM like the program's (its {@code java}, class
 * path and options, see {@link JvmSpec#defaults()}), started before the program has done anything:
 * the program's start-up and the template's overlap, and the template is ready (native layer,
 * spares, class-data archive) by the time the first process is needed. Unlike Perl's fork of the
 * main program, nothing the program opened can leak into it: it starts with exactly its own
 * descriptors.
 */
public final class ForkEarly {
    private ForkEarly() {}

    private static CompletableFuture<Fork> template; // guarded by ForkEarly.class

    /**
     * Starts the early template in the background and returns at once; calling it again does
     * nothing. From now on {@link Fork#exec()} and {@link Fork#create()} fork from it (waiting for
     * it to be spawned if they come first). If it cannot be started, they behave as without it.
     */
    public static synchronized void start() {
        if (template != null) {
            return;
        }
        CompletableFuture<Fork> f = new CompletableFuture<>();
        template = f;
        JforkThreads.io(() -> {
            try {
                f.complete(Fork.newTemplate(JvmSpec.defaults()));
            } catch (RuntimeException | Error e) {
                f.completeExceptionally(e);
                System.getLogger("dev.jfork").log(System.Logger.Level.WARNING,
                        "jfork: the early template could not be started; processes will be started from the program", e);
            }
        });
    }

    /** The early template once started (waiting for it to be spawned), empty if start() was not called or it failed. */
    static Optional<Fork> started() {
        CompletableFuture<Fork> f;
        synchronized (ForkEarly.class) {
            f = template;
        }
        if (f == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(f.join());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The early template (waiting for it to be spawned), with its pid.
     *
     * @return the early template
     * @throws IllegalStateException if {@link #start()} was not called
     * @throws dev.jfork.ForkException if it could not be started
     */
    public static Fork template() {
        CompletableFuture<Fork> f;
        synchronized (ForkEarly.class) {
            f = template;
        }
        if (f == null) {
            throw new IllegalStateException("ForkEarly.start() was not called (nor -javaagent:fork-early.jar used)");
        }
        return f.join();
    }

    /**
     * {@code -javaagent:fork-early.jar}: starts the early template before {@code main}.
     *
     * @param args the agent's options (after {@code =}), ignored
     * @param inst the JVM's instrumentation, not used
     */
    public static void premain(String args, Instrumentation inst) {
        start();
    }

    /**
     * {@code -javaagent:fork-early.jar}: starts the early template before {@code main}.
     *
     * @param args the agent's options (after {@code =}), ignored
     */
    public static void premain(String args) {
        start();
    }
}
