package dev.jfork.pool;

import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * What a pool's scheduler ({@link PoolScheduler}) needs from the world: the time, timers, a thread
 * for work that must not run where it was decided, worker processes, and the template's spares.
 * {@link RpcWorkers} is the real one; unit tests of the scheduling policy replace it with a fake
 * clock and fake workers, so they need neither processes nor wall-clock time.
 */
interface PoolRuntime {
    /** Monotonic time, as {@link System#nanoTime()}. */
    long nanoTime();

    /** Runs {@code task} after {@code delayNanos}, on some thread that holds no pool lock. */
    Cancellable schedule(long delayNanos, Runnable task);

    /** Runs {@code task} soon, on another thread. */
    void execute(Runnable task);

    /**
     * Starts worker {@code id}, which tells {@code events} when it is ready and when it asks to be
     * retired.
     *
     * @throws RuntimeException if no worker can be started now (the template is closed, say)
     */
    Worker startWorker(int id, WorkerEvents events);

    /** Whether workers can still be started at all: false once the template is gone for good. */
    boolean canStartWorkers();

    /**
     * Asks the template to keep {@code count} spares ready ({@code Fork.keepSpares}), 0 to return
     * to its own number. Must not wait: the scheduler calls it from whichever thread changed the
     * pool (not under its lock). A template that cannot be asked any more is ignored; anything this
     * throws is logged by the scheduler.
     */
    void keepSpares(int count);

    // ---- several templates (ForkPool.builder(List, ...)); one by default, as the fakes of the unit tests

    /** How many templates workers can be forked from. */
    default int templates() {
        return 1;
    }

    /** Starts worker {@code id} from template {@code template} (see {@link #startWorker(int, WorkerEvents)}). */
    default Worker startWorker(int id, int template, WorkerEvents events) {
        return startWorker(id, events);
    }

    /** Whether template {@code template} can still fork. */
    default boolean canStartWorkers(int template) {
        return canStartWorkers();
    }

    /** {@link #keepSpares(int)} of template {@code template}. */
    default void keepSpares(int template, int count) {
        keepSpares(count);
    }

    /**
     * Starts template {@code template} again, on its host, after it (or its connection) died:
     * true if it did (workers can be forked from it again), false if this kind of template
     * cannot be started again (a local one). Waits for the start: called on a thread of its own.
     *
     * @throws RuntimeException why the host cannot be reached now
     */
    default boolean restartTemplate(int template) {
        return false;
    }

    /** How messages name template {@code template} ("host worker7", "template 12345"). */
    default String templateName(int template) {
        return "the template";
    }

    /** A timer that can be called off. */
    interface Cancellable {
        void cancel();
    }

    /** What a worker says of itself, apart from answers. */
    interface WorkerEvents {
        /** Its init is done: it takes jobs. */
        void ready();

        /** It asked to be retired ({@code ForkPool.retire()} in the worker). */
        void retireRequested();

        /**
         * Something went wrong that no job's future carries (an event that cannot be decoded, a
         * reply to no call, a malformed frame, which ends the worker right after).
         */
        void reported(dev.jfork.rpc.RpcException e);
    }

    /** One worker process as the scheduler drives it. */
    interface Worker {
        /**
         * Sends a job; the future is its answer (it may be failed at once). A non-null
         * {@code resultType} is what the caller declared it expects: the worker may send it back.
         */
        CompletableFuture<Object> call(Object[] args, Class<?> resultType);

        /**
         * Sends a job whose outcome goes to {@code answer} (the result and a null error, or a null
         * result and the error): once, on the thread that completes it, which may be this one
         * before this method returns (a call that fails at once). The real workers tell it without
         * a dependent stage of the call's future.
         */
        default void call(Object[] args, Class<?> resultType, BiConsumer<Object, Throwable> answer) {
            call(args, resultType).whenComplete(answer);
        }

        /** Its process id if known by now (never waited for), else -1; for JFR's {@code dev.jfork.PoolJob}. */
        default long pid() {
            return -1;
        }

        /** Finishes the jobs it was sent, then exits. */
        void close();

        /** Ends it now (SIGKILL): its jobs fail. */
        void kill();

        /**
         * Completes when it has ended: normally, or exceptionally with why (an {@code RpcException}).
         * The scheduler asks once per worker (an {@code RpcClient} makes a new copy per call).
         */
        CompletableFuture<Void> terminated();
    }
}
