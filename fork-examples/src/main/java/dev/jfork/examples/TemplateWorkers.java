package dev.jfork.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import dev.jfork.Fork;
import dev.jfork.ForkArgs;
import dev.jfork.ForkChannel;
import dev.jfork.ForkExit;


/**
 * Prepare a template once, then create 10 worker processes from it.
 *
 * <pre>{@code
 * Fork template = Fork.exec()                        // a fresh JVM of your own
 *         .require(TemplateWorkers.class, ConcurrentHashMap.class);
 * for (int id = 1; id <= 10; id++) {
 *     template.fork().sendArg(String.valueOf(id)).run(TemplateWorkers::workerRun)
 *             .thenAccept(workers::add);
 * }
 * }</pre>
 *
 * <p>This is the seeds' "stingy standalone program" without its two helpers: there,
 * {@code AnyEvent::Fork::Early} starts the template as the very first thing of the program and
 * {@code AnyEvent::Fork::Template} makes the main program itself the template. Here the template is
 * made by hand: {@link Fork#exec()} starts a fresh JVM with the current class path and flags, and
 * {@code require} loads everything the workers need. The template never runs a function; every
 * {@link Fork#fork()} of it is a new process that is given the same preparation, then its own
 * argument (its id), and enters the worker function. The ten are started concurrently: each
 * {@code run} returns a future at once.
 *
 * <p>The forks are children of the template, not of this program: each worker reports its pid and
 * its parent's, which is the template's. The template reaps them and reports their exit status to
 * us, so it is closed only after they have exited.
 */
public final class TemplateWorkers {
    private TemplateWorkers() {}

    /** The template's pid, each worker's report line (in id order) and how they all ended. */
    public record Result(long templatePid, List<String> reports, List<ForkExit> workerExits, ForkExit templateExit) {}

    /**
     * Starts a template and {@code count} workers forked from it, collects their reports, waits for all exits.
     *
     * @param count how many workers to fork; they get the ids 1 to {@code count}
     * @return the template's pid, the workers' reports in id order, and how the workers and the
     *         template ended
     * @throws IOException if reading a worker's report fails
     */
    public static Result start(int count) throws IOException {
        Fork template = Fork.exec().require(TemplateWorkers.class, ConcurrentHashMap.class);
        try {
            List<Fork> workers = new ArrayList<>();
            List<CompletableFuture<ForkChannel>> started = new ArrayList<>();
            for (int id = 1; id <= count; id++) {
                Fork worker = template.fork().sendArg(String.valueOf(id));
                workers.add(worker);
                started.add(worker.run(TemplateWorkers::workerRun));
            }
            List<String> reports = new ArrayList<>();
            for (CompletableFuture<ForkChannel> future : started) {
                try (ForkChannel channel = Await.get(future, "worker start")) {
                    reports.add(Await.readLine(channel.inputStream()));
                }
            }
            List<ForkExit> exits = new ArrayList<>();
            for (Fork worker : workers) {
                exits.add(Await.get(worker.onExit(), "worker exit"));
            }
            template.close();
            ForkExit templateExit = Await.get(template.onExit(), "template exit");
            return new Result(template.pid().orElse(-1), reports, exits, templateExit);
        } finally {
            template.close(); // on failure too; its forks end when we close their channels (done above)
        }
    }

    /**
     * The worker function: reports "worker ID pid PID parent PPID" and returns, which ends the process.
     *
     * @param parent this worker's end of the channel to the parent, where it writes its report
     * @param args   argument 0 this worker's id
     * @throws IOException if the report cannot be written
     */
    public static void workerRun(ForkChannel parent, ForkArgs args) throws IOException {
        ProcessHandle me = ProcessHandle.current();
        long ppid = me.parent().map(ProcessHandle::pid).orElse(-1L);
        Await.writeLine(parent.outputStream(), "worker " + args.string(0) + " pid " + me.pid() + " parent " + ppid);
    }

    /**
     * Runs the example with 10 workers and prints their reports.
     *
     * @param out where to print what happened
     * @throws IOException           if reading a worker's report fails
     * @throws IllegalStateException if a report is not the one expected, or a process did not exit
     *                               with 0
     */
    public static void demo(PrintStream out) throws IOException {
        Result r = start(10);
        out.println("template pid " + r.templatePid() + " (Fork.exec()), 10 workers forked from it:");
        for (String report : r.reports()) {
            out.println("  " + report);
        }
        out.println("workers " + Examples.summary(r.workerExits()) + "; template " + r.templateExit());
        for (int id = 1; id <= 10; id++) {
            String report = r.reports().get(id - 1);
            Examples.check(report != null && report.matches("worker " + id + " pid \\d+ parent " + r.templatePid()),
                    "unexpected report: " + report);
        }
        Examples.check(r.workerExits().stream().allMatch(ForkExit::isSuccess), "workers: " + r.workerExits());
        Examples.check(r.templateExit().isSuccess(), "template " + r.templateExit());
    }

    /**
     * Runs the example on its own and exits with 0 if it got what it expected, 1 otherwise.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        Examples.main(TemplateWorkers::demo, false);
    }
}
