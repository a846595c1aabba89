package dev.jfork.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.jfork.Fork;
import dev.jfork.ForkArgs;
import dev.jfork.ForkChannel;
import dev.jfork.ForkExit;
import dev.jfork.early.ForkEarly;
import dev.jfork.template.ForkTemplate;

/**
 * The seeds' "stingy standalone program": start the early template first, load what the workers
 * need, make the program itself the template, and fork 10 workers from it.
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *     ForkEarly.start();                        // optional, as the very first thing
 *     Codec.warmUp();                           // load what the workers need
 *     Fork template = ForkTemplate.capture();   // the program as it is now, as a template
 *     for (int id = 1; id <= 10; id++) {
 *         template.fork().sendArg(String.valueOf(id)).run(StandaloneProgram::workerRun);
 *     }
 * }
 * }</pre>
 *
 * <p>{@link ForkEarly#start()} makes {@link Fork#exec()} and {@link Fork#create()} fork from a
 * template started before the program did anything. {@link ForkTemplate#capture()} starts a JVM
 * that reproduces this one (same {@code java}, class path, options and properties) with the classes
 * this program has loaded so far loaded and initialised in the same order: each worker finds
 * {@link Codec} initialised before its function runs. Neither needs a JVM option.
 */
public final class StandaloneProgram {
    private StandaloneProgram() {}

    /** Stands for a library the workers need: its initialiser is the expensive part. */
    public static final class Codec {
        private Codec() {}

        static final String STAMP;

        static {
            STAMP = "codec initialised in pid " + ProcessHandle.current().pid();
        }

        static void warmUp() {
            // loading and initialising the class is the point
        }
    }

    /**
     * The program: starts the early template first, then runs the steps and exits with 0 if every
     * worker reported its id and exited with 0, 1 otherwise.
     *
     * @param args ignored
     * @throws IOException if reading a worker's report fails
     */
    public static void main(String[] args) throws IOException {
        ForkEarly.start();
        int status = demoSteps(System.out) ? 0 : 1;
        System.exit(status);
    }

    static void demo(PrintStream out) throws IOException {
        ForkEarly.start();
        Examples.check(demoSteps(out), "every worker reported its id");
    }

    private static boolean demoSteps(PrintStream out) throws IOException {
        Codec.warmUp();
        Fork template = ForkTemplate.capture();
        out.println("early template pid " + ForkEarly.template().pid().orElse(-1) + ", program template pid "
                + template.pid().orElse(-1) + " (this program is " + ProcessHandle.current().pid() + ")");
        List<Fork> workers = new ArrayList<>();
        List<CompletableFuture<ForkChannel>> started = new ArrayList<>();
        for (int id = 1; id <= 10; id++) {
            Fork w = template.fork().sendArg(String.valueOf(id));
            workers.add(w);
            started.add(w.run(StandaloneProgram::workerRun));
        }
        boolean ok = true;
        for (int i = 0; i < started.size(); i++) {
            try (ForkChannel ch = Await.get(started.get(i), "worker start")) {
                String line = Await.readLine(ch.inputStream());
                out.println("  " + line);
                ok &= line != null && line.startsWith("worker " + (i + 1) + " ");
            }
        }
        for (Fork w : workers) {
            ForkExit e = Await.get(w.onExit(), "worker exit");
            ok &= e.isSuccess();
        }
        template.close();
        out.println("workers all exited; program template " + Await.get(template.onExit(), "template exit"));
        return ok;
    }

    /**
     * The worker: reports its id and what it found already initialised, then returns (and exits).
     *
     * @param parent this worker's end of the channel to the program, where it writes its report
     * @param args   argument 0 this worker's id
     * @throws IOException if the report cannot be written
     */
    public static void workerRun(ForkChannel parent, ForkArgs args) throws IOException {
        Await.writeLine(parent.outputStream(), "worker " + args.string(0) + " pid " + ProcessHandle.current().pid() + ": "
                + Codec.STAMP);
    }
}
