package dev.jfork.examples;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.jfork.Fork;
import dev.jfork.JvmSpec;
import dev.jfork.pool.ForkCallable;
import dev.jfork.pool.ForkExecutor;
import dev.jfork.pool.ForkPool;
import dev.jfork.rpc.Rpc;
import dev.jfork.rpc.RpcClient;


/**
 * Job queues in three sizes: one worker answering calls, a managed pool of them, and an
 * {@code ExecutorService} whose tasks run in other processes.
 *
 * <pre>{@code
 * record Job(String text, int times) {}                  // plain records: nothing to register
 * record Done(String text, long pid) {}
 * public static Object repeat(Object... args) { ... }    // the worker function
 *
 * RpcClient rpc = Rpc.run(Fork.create().require(JobQueues.class), JobQueues::repeat);
 * Done done = rpc.call(Done.class, new Job("ab", 3)).get();      // typed: no cast
 *
 * try (ForkPool pool = ForkPool.builder(template, JobQueues::repeat).max(2).build()) {
 *     CompletableFuture<Done> d = pool.call(Done.class, new Job("x", 2));
 * }
 * try (ForkExecutor executor = ForkExecutor.create(2)) {
 *     Future<Long> f = executor.submit(() -> fib(25));   // a lambda, run in a worker process
 * }
 * }</pre>
 *
 * <p>{@link Rpc#run(Fork, dev.jfork.rpc.RpcFunction)} turns a fork into a worker that answers calls
 * in order (AnyEvent::Fork::RPC); the function is a method reference the compiler checks, and only
 * its name travels. {@link ForkPool} keeps such workers forked from one template and spreads calls
 * over them (AnyEvent::Fork::Pool). {@link ForkExecutor} is Python's {@code ProcessPoolExecutor}:
 * its tasks are lambdas, serialized with what they capture, so the worker runs the very code of
 * the lambda. Records, enums and collections of them travel with no registration; the parent
 * accepts from a worker only classes it sent or declared (here {@code Done.class}) and JDK values.
 *
 * <p>Perl: {@code my $rpc = AnyEvent::Fork->new->require("MyWorker")->AnyEvent::Fork::RPC::run("MyWorker::run");
 * $rpc->(@args, sub { ... })}.
 */
public final class JobQueues {
    private JobQueues() {}

    /** A job: a record, serialized with no registration code. */
    public record Job(String text, int times) {}

    /** A result, with the pid of the worker that computed it. */
    public record Done(String text, long pid) {}

    /**
     * The worker function, run in the worker processes: one {@link Job} in, one {@link Done} out.
     *
     * @param args the call's arguments: one {@link Job}
     * @return a {@link Done} with the job's text repeated {@code times} times and this worker's pid
     */
    public static Object repeat(Object... args) {
        Job job = (Job) args[0];
        return new Done(job.text().repeat(job.times()), ProcessHandle.current().pid());
    }

    /** Deliberately slow Fibonacci: CPU work for the executor's tasks. */
    static long fib(int n) {
        return n < 2 ? n : fib(n - 1) + fib(n - 2);
    }

    /**
     * Runs the three job queues in turn (an RPC worker, a pool of two, an executor of two) and
     * prints what each answered.
     *
     * @param out where to print what happened
     * @throws Exception             if an executor task fails or does not answer in time (from
     *                               {@link Future#get(long, TimeUnit)})
     * @throws IllegalStateException if a worker did not answer as expected
     */
    public static void demo(PrintStream out) throws Exception {
        // one worker, answering calls in order
        RpcClient rpc = Rpc.run(Fork.create().require(JobQueues.class), JobQueues::repeat);
        Done done = Await.get(rpc.call(Done.class, new Job("ab", 3)), "rpc call");
        rpc.close();
        Await.get(rpc.terminated(), "rpc worker exit");
        out.println("rpc: repeat(Job[ab, 3]) = " + done.text() + " (worker pid " + done.pid() + ")");
        Examples.check(done.text().equals("ababab"), "rpc answered " + done);

        // a pool of two such workers, forked from one template
        Fork template = Fork.newTemplate(JvmSpec.defaults()).require(JobQueues.class);
        Set<Long> pids = new TreeSet<>();
        try (ForkPool pool = ForkPool.builder(template, JobQueues::repeat).max(2).build()) {
            List<CompletableFuture<Done>> results = new ArrayList<>();
            for (int i = 1; i <= 20; i++) {
                results.add(pool.call(Done.class, new Job("x", i)));
            }
            for (int i = 1; i <= 20; i++) {
                Done d = Await.get(results.get(i - 1), "pool job " + i);
                Examples.check(d.text().length() == i, "pool job " + i + " answered " + d);
                pids.add(d.pid());
            }
        }
        template.close();
        out.println("pool: 20 jobs answered by worker pids " + pids);
        Examples.check(!pids.isEmpty() && pids.size() <= 2, "a pool of at most 2 used " + pids);

        // an ExecutorService whose tasks are lambdas that run in two worker processes
        try (ForkExecutor executor = ForkExecutor.create(2)) {
            List<ForkCallable<Long>> tasks = new ArrayList<>();
            for (int n = 20; n < 24; n++) {
                int k = n; // captured: it travels with the task
                tasks.add(() -> fib(k));
            }
            List<Future<Long>> fibs = executor.invokeAll(tasks);
            List<Long> values = new ArrayList<>();
            for (Future<Long> f : fibs) {
                values.add(f.get(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
            }
            out.println("executor: fib(20..23) = " + values + " computed in worker processes");
            Examples.check(values.equals(List.of(6765L, 10946L, 17711L, 28657L)), "fib: " + values);
        }
    }

    /**
     * Runs the example on its own and exits with 0 if it got what it expected, 1 otherwise; the
     * shared default template is closed at the end.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        Examples.main(JobQueues::demo, true);
    }
}
