package dev.jfork.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.jfork.Fork;
import dev.jfork.ForkArgs;
import dev.jfork.ForkChannel;
import dev.jfork.ForkExit;


/**
 * Create a single new process, tell it to run your worker function.
 *
 * <pre>{@code
 * ForkChannel channel = Fork.create()
 *         .require(SingleWorker.class)
 *         .run(SingleWorker::worker)
 *         .get();
 * // now channel is connected to the channel the worker function got in the new process
 * }</pre>
 *
 * <p>{@link Fork#create()} forks the shared default template (a JVM that jfork starts on first use
 * and keeps for later calls), {@code require} loads and initialises the worker's class in the new
 * process, and {@code run} enters the static worker function there. The future completes once the
 * child is really in the function, with the parent's end of a socket pair; the worker gets the
 * other end as its first argument. From then on the socket is theirs: here the parent sends lines
 * and the worker answers each one, until the parent closes its end. The worker then sees end of
 * stream, returns, and its process exits with status 0, which {@link Fork#onExit()} reports.
 *
 * <p>Perl: {@code AnyEvent::Fork->new->require("MyModule")->run("MyModule::worker", sub { my
 * ($master_filehandle) = @_; ... })}.
 */
public final class SingleWorker {
    private SingleWorker() {}

    /** What one conversation with a worker gave: who talked, what it answered, how it ended. */
    public record Result(long parentPid, long workerPid, List<String> questions, List<String> answers, ForkExit exit) {}

    /**
     * Starts a worker, sends it each of {@code questions}, collects the answers, closes, waits for its exit.
     *
     * @param questions the lines to send, one at a time, each after the answer to the one before
     * @return both pids, the questions, the answers (in the same order) and how the worker ended
     * @throws IOException if talking to the worker fails
     */
    public static Result converse(List<String> questions) throws IOException {
        Fork fork = Fork.create().require(SingleWorker.class);
        ForkChannel channel = Await.get(fork.run(SingleWorker::worker), "worker start");
        List<String> answers = new ArrayList<>();
        try (channel) {
            InputStream in = channel.inputStream();
            OutputStream out = channel.outputStream();
            for (String question : questions) {
                Await.writeLine(out, question);
                answers.add(Await.readLine(in));
            }
        } // closing our end: the worker reads end of stream and returns, its process exits
        ForkExit exit = Await.get(fork.onExit(), "worker exit");
        return new Result(ProcessHandle.current().pid(), fork.pid().orElse(-1), questions, answers, exit);
    }

    /**
     * The worker function, run in the new process: answers every line with the line in upper case
     * and this process's pid, until the parent closes its end.
     *
     * @param parent this process's end of the channel to the parent
     * @param args   the arguments sent to the fork (none here)
     * @throws IOException if reading a line or writing an answer fails
     */
    public static void worker(ForkChannel parent, ForkArgs args) throws IOException {
        long pid = ProcessHandle.current().pid();
        InputStream in = parent.inputStream();
        OutputStream out = parent.outputStream();
        String line;
        while ((line = Await.readLine(in)) != null) {
            Await.writeLine(out, "worker " + pid + ": " + line.toUpperCase(Locale.ROOT));
        }
    }

    /**
     * Runs the example and prints what happened; fails if the worker did not answer or exit properly.
     *
     * @param out where to print what happened
     * @throws IOException           if talking to the worker fails
     * @throws IllegalStateException if the worker did not answer or exit properly
     */
    public static void demo(PrintStream out) throws IOException {
        Result r = converse(List.of("hello", "how are you?"));
        out.println("parent pid " + r.parentPid() + ", worker pid " + r.workerPid() + " (forked from the default template)");
        for (int i = 0; i < r.questions().size(); i++) {
            out.printf("  sent %-16s got \"%s\"%n", "\"" + r.questions().get(i) + "\"", r.answers().get(i));
        }
        out.println("closed our end; worker " + r.exit());
        Examples.check(r.exit().isSuccess(), "worker " + r.exit());
        Examples.check(r.workerPid() > 0 && r.workerPid() != r.parentPid(), "worker pid " + r.workerPid());
        for (int i = 0; i < r.questions().size(); i++) {
            Examples.check(("worker " + r.workerPid() + ": " + r.questions().get(i).toUpperCase(Locale.ROOT))
                    .equals(r.answers().get(i)), "unexpected answer " + r.answers().get(i));
        }
    }

    /**
     * Runs the example on its own and exits with 0 if it got what it expected, 1 otherwise; the
     * shared default template is closed at the end.
     *
     * @param args ignored
     * @throws Exception never: a failure is printed and sets the exit status
     */
    public static void main(String[] args) throws Exception {
        Examples.main(SingleWorker::demo, true);
    }
}
