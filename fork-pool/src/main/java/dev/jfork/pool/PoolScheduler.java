package dev.jfork.pool;

import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.jfork.internal.events.JforkEvents;
import dev.jfork.rpc.RpcException;

/**
 * A pool's state (the queue, the workers and their jobs, the timers) and every change to it. The
 * state is guarded by one lock, and each change is short (the calls it decides are made once the
 * lock is released): the thread that has something to report makes the change itself. A call is
 * queued and sent to a worker by the calling thread; a reply is counted, and the next queued job
 * sent, by the connection's reader thread that received it (told by the connection directly, not
 * through a stage of the call's future); a worker's end, by the thread that saw it. Timers (start
 * and stop delays, one job timeout per busy worker) run on jfork's timer, each change on a thread
 * of its own.
 *
 * <p>For tiny jobs the time from a reply to the next call's write decides the rate (the worker
 * sleeps once it has answered everything it was sent, and each wake-up costs more than the job):
 * that path allocates and does as little as it can (see fork-bench's README, issue #13).
 *
 * <p>Why not one manager thread that owns the state and receives every change as a task (as
 * CPython's ProcessPoolExecutor does)? That adds two thread hand-offs to every job; fork-pool's
 * first version did it and tiny jobs ran at a fifth of the rate of the same calls made through
 * fork-rpc directly (see fork-bench's PoolBench).
 *
 * <p>No user code runs under the lock: job futures are completed after the bookkeeping that
 * belongs to them is done, on the reader thread or on another thread; {@code onError}, the futures
 * of jobs the pool itself fails (in that order) and the completion of {@link #terminated()} are
 * queued by the change and run by its thread once it has released the lock.
 *
 * <p>Everything outside the pool (time, timers, threads, worker processes, the template's spares)
 * comes from a {@link PoolRuntime}, so the policy can be tested with a fake clock and fake workers.
 *
 * <p>While a JFR recording wants {@code dev.jfork.PoolJob}, each job carries its event from
 * {@link #submit} on: marked sent when dispatched, committed by the job's first completion just
 * before its future completes (never under the lock). Otherwise the job's event field stays null,
 * and the event costs {@code JforkEvents.poolJobBegin()} answering null and a null check where a
 * job is dispatched and where it completes.
 *
 * <p>The template is asked ({@link PoolRuntime#keepSpares}) for as many spares as the pool may
 * still start workers: {@code max} minus the workers it has (starting, ready or retiring), once
 * when built and again whenever that number changes; 0 once the pool is closing. Decided under the
 * lock when the workers change, asked once the lock is released.
 */
final class PoolScheduler {
    private static final System.Logger LOG = System.getLogger("dev.jfork.pool");

    private enum State { STARTING, READY, RETIRING }

    private static final VarHandle JOB_EVENT;

    static {
        try {
            JOB_EVENT = MethodHandles.lookup().findVarHandle(Job.class, "event", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Outcomes of {@code dev.jfork.PoolJob}. */
    private static final String OK = "ok";
    private static final String FAILED = "failed";
    private static final String ERROR = "error";
    private static final String TIMEOUT = "timeout";
    private static final String CANCELLED = "cancelled";

    /**
     * One submitted job, and the future its caller holds (one object per job, not two: tiny jobs
     * are allocated by the hundred thousand). Cancelling it takes the job out of the queue, or kills
     * the worker running it. Its fields are guarded by the lock, except {@link #event}.
     */
    private class Job extends CompletableFuture<Object> {
        final Object[] args;
        final long enqueued;
        long sent;
        Worker worker;
        boolean counted;
        /**
         * The thread making its call while it does, else null: an answer on that thread came from
         * the call itself. Read without the lock; a thread only ever finds itself here while it
         * makes the call.
         */
        Thread sender;

        /** What the result must be (wrappers for primitives), or null. */
        final Class<?> resultType;
        /**
         * Its JFR event ({@code dev.jfork.PoolJob}) while a recording wants it, else null: taken (set
         * to null, through {@link #JOB_EVENT}) once, by the first completion. Plain: set before the
         * job is published.
         */
        Object event;

        Job(Object[] args, long now, Class<?> resultType, Object event) {
            this.args = args;
            this.enqueued = now;
            this.resultType = resultType;
            this.event = event;
        }

        /** The function named in its event. */
        String function() {
            return o.function;
        }

        /** Its event's outcome for a result. */
        String outcomeOf(Object value) {
            return OK;
        }

        /**
         * Commits its event, if a recording wants it and no other completion did, unless it is done
         * already; just before the future completes, so the event does not include its callbacks.
         * Never under the lock: futures are not completed there.
         */
        private void ended(String outcome) {
            if (!isDone()) {
                Object e = JOB_EVENT.getAndSet(this, null);
                if (e != null) {
                    Worker w = worker; // set under the lock before it was sent; a completion of the pool's follows a change
                    PoolRuntime.Worker p = w == null ? null : w.process;
                    JforkEvents.poolJobEnd(e, p == null ? -1 : p.pid(), function(), outcome);
                }
            }
        }

        @Override
        public boolean complete(Object value) {
            if (event != null) {
                ended(outcomeOf(value));
            }
            return super.complete(value);
        }

        @Override
        public boolean completeExceptionally(Throwable error) {
            if (event != null) {
                ended(outcome(error));
            }
            return super.completeExceptionally(error);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            if (event != null) {
                ended(CANCELLED);
            }
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled) {
                post(() -> cancelled(this));
            }
            return cancelled;
        }
    }

    /**
     * A {@link ForkExecutor} task: its event names the task's class, and a task that threw (the
     * worker answers {@code [false, ...]}, see {@link TaskWorker}) is a failed job.
     */
    private final class TaskJob extends Job {
        private final Class<?> taskClass;

        TaskJob(Object[] args, long now, Object event, Class<?> taskClass) {
            super(args, now, null, event);
            this.taskClass = taskClass;
        }

        @Override
        String function() {
            return TASK_NAMES.get(taskClass);
        }

        @Override
        String outcomeOf(Object value) {
            return value instanceof Object[] && ((Object[]) value).length > 0 && Boolean.FALSE.equals(((Object[]) value)[0])
                    ? FAILED : OK;
        }
    }

    /** A task's name in its events: its class's, without the suffix of a hidden class (a lambda's). */
    private static final ClassValue<String> TASK_NAMES = new ClassValue<>() {
        @Override
        protected String computeValue(Class<?> c) {
            String name = c.getName();
            int slash = c.isHidden() ? name.indexOf('/') : -1;
            return slash > 0 ? name.substring(0, slash) : name;
        }
    };

    private static String outcome(Throwable error) {
        Throwable t = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (t instanceof TimeoutException) {
            return TIMEOUT;
        }
        if (t instanceof CancellationException) {
            return CANCELLED;
        }
        return t instanceof RpcException && ((RpcException) t).kind() == RpcException.Kind.REMOTE ? FAILED : ERROR;
    }

    /** One worker process. */
    private final class Worker {
        final int id;
        /** The template it was forked from (an index into the runtime's templates). */
        int template;
        PoolRuntime.Worker process;
        /** The process's {@code terminated()}, asked for once: a client's is a new copy per call, each a dependent kept until the end. */
        CompletableFuture<Void> ended;
        State state = State.STARTING;
        /** In the order sent; answers come mostly in that order, so removal is at the head. */
        final ArrayDeque<Job> running = new ArrayDeque<>();
        int sent;
        boolean killed;
        boolean lost;
        PoolRuntime.Cancellable stopTimer;
        /**
         * With {@code jobTimeout}: one timer for all of its jobs, due when the oldest running one
         * (the first in {@link #running}) times out, not one per job (scheduled and cancelled on
         * every job, a heap insertion and removal on jfork's timer under its lock). Null when it
         * runs nothing.
         */
        PoolRuntime.Cancellable jobTimer;
        /** Calls dispatched to it and not made yet ({@link #toSend}); its client closes only after them. */
        final AtomicInteger unsent = new AtomicInteger();
        /** Failures its connection reported (onError was told); its end is not told again. Guarded by the lock. */
        final java.util.Set<Throwable> reported = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        /** Retired: close the client once nothing is left unsent. */
        volatile boolean closeWanted;
        private final AtomicBoolean closed = new AtomicBoolean();

        Worker(int id) {
            this.id = id;
        }

        /** Ends its process after the calls it was sent (once; from whichever thread sees the last one). */
        void closeClient() {
            if (closed.compareAndSet(false, true)) {
                process.close();
            }
        }

        @Override
        public String toString() {
            return "worker " + id; // not the pid: asking for it may wait for the template
        }
    }

    private final ForkPool.Builder o;
    /** Time, timers, threads and workers. */
    private final PoolRuntime runtime;
    /**
     * Guards the pool's state. A monitor, not a {@code ReentrantLock}: the two are alike when
     * uncontended, but a reader thread that finds the lock taken (by another worker's reader, for
     * the fraction of a microsecond a change takes) spins briefly on a monitor instead of parking
     * at once; parking idles its CPU, and on a 2-CPU machine the wake-ups that follow then land on
     * the other CPU, splitting each reader from its worker: PoolBench {@code pool} ran at half the
     * rate of {@code rpc-win2} with a quarter of all wake-ups crossing CPUs, none with the monitor.
     */
    private final Object lock = new Object();
    /**
     * The thread making a change (holding the lock), else null. Read without the lock as well: a
     * thread finds its own reference here only while it makes a change (it clears it before it
     * releases the lock), which is all the readers ask; cheaper than asking the monitor.
     */
    private Thread owner;
    private static final Job[] NO_JOBS = new Job[0];
    /** For {@link #schedule(long)}: the time was not read yet. */
    private static final long NOT_READ = Long.MIN_VALUE;
    private static final Runnable[] NO_TASKS = new Runnable[0];
    private final Semaphore queueSlots;
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private volatile boolean closing;
    /** Set under the lock when the pool has terminated (its future completes just after). */
    private boolean done;
    /**
     * User code a change has to run (onError, the completion of {@code terminated}): run in order by
     * the thread that made the change, once it has released the lock. Guarded by the lock.
     */
    private final ArrayDeque<Runnable> afterUnlock = new ArrayDeque<>();
    /**
     * Jobs a change dispatched: their calls are made by the same thread once it has released the
     * lock (before {@link #afterUnlock}), so that the write to the worker's socket, a system call,
     * does not hold up the other workers' reader threads waiting for the lock (with two workers
     * each of them parked and woken per job; PoolBench {@code pool}). Guarded by the lock.
     */
    private final ArrayDeque<Job> toSend = new ArrayDeque<>();
    private final AtomicBoolean shutdownStarted = new AtomicBoolean();
    /** The workers changed (or the pool closes): the spares to ask of the template are counted again. Guarded by the lock. */
    private boolean sparesChanged = true;
    /** The spares each template should keep, as last counted (under the lock); -1: not yet. */
    private final int[] sparesWantedOf;
    /** Serialises the requests, so that the last one made is of the latest count. */
    private final Object sparesLock = new Object();
    /** The spares last asked of each template; -1: none. Guarded by sparesLock. */
    private final int[] sparesAskedOf;

    /**
     * Per template (one unless the pool was built over several): its workers (starting or not),
     * the starts that failed in a row, why it cannot fork (null while it can), whether it is being
     * started again, and when a worker may be forked from it next. Guarded by the lock.
     */
    private final int[] forkedFrom;
    private final int[] templateFailures;
    private final RpcException[] templateDown;
    private final boolean[] restarting;
    /** Tries to start a template again since it went down (each waits twice as long as the one before). */
    private final int[] restartTries;
    private final long[] templateRetryAt;

    // guarded by lock
    private final ArrayDeque<Job> queue = new ArrayDeque<>();
    private final List<Worker> workers = new ArrayList<>();
    private int nextWorker;
    private long lastStart = Long.MIN_VALUE / 2;
    private PoolRuntime.Cancellable startTimer;
    private int startFailures;
    /** Set when the template cannot fork any more (it died, was closed or run): every job fails with it. */
    private RpcException templateGone;
    /** Jobs enqueued; the pool terminates only when each of them is counted completed or failed. */
    private long accepted;
    private long completed;
    private long failed;
    private long restarts;
    private long waitCount;
    private long waitTotal;
    private long waitMax;
    private long runCount;
    private long runTotal;
    private long runMax;
    private boolean closingNow;

    PoolScheduler(ForkPool.Builder options, PoolRuntime runtime) {
        this.o = options;
        this.runtime = runtime;
        this.queueSlots = options.maxQueue == Integer.MAX_VALUE ? null : new Semaphore(options.maxQueue);
        int n = runtime.templates();
        this.forkedFrom = new int[n];
        this.templateFailures = new int[n];
        this.templateDown = new RpcException[n];
        this.restarting = new boolean[n];
        this.restartTries = new int[n];
        this.templateRetryAt = new long[n];
        this.sparesWantedOf = new int[n];
        this.sparesAskedOf = new int[n];
        java.util.Arrays.fill(sparesWantedOf, -1);
        java.util.Arrays.fill(sparesAskedOf, -1);
        post(this::keepIdleWorkers);
    }

    // ------------------------------------------------------------------ from any thread

    <T> CompletableFuture<T> submit(Object[] args) {
        return submit(args, null);
    }

    /** Submits a job whose result must be a {@code resultType} (null: anything). */
    @SuppressWarnings("unchecked")
    <T> CompletableFuture<T> submit(Object[] args, Class<?> resultType) {
        return (CompletableFuture<T>) (CompletableFuture<?>) submit(args, resultType, null);
    }

    /** Submits a {@link ForkExecutor} task (serialized in {@code args}): its JFR event names {@code taskClass}. */
    CompletableFuture<Object> submitTask(Object[] args, Class<?> taskClass) {
        return submit(args, null, taskClass);
    }

    private Job submit(Object[] args, Class<?> resultType, Class<?> taskClass) {
        Object event = JforkEvents.poolJobBegin(); // null unless a JFR recording wants dev.jfork.PoolJob
        if (closing) {
            throw new RejectedExecutionException("the pool is closed");
        }
        if (queueSlots != null) {
            if (o.queueFullPolicy == QueueFullPolicy.FAIL) {
                if (!queueSlots.tryAcquire()) {
                    throw new RejectedExecutionException("the pool's queue is full (" + o.maxQueue + " jobs)");
                }
            } else {
                queueSlots.acquireUninterruptibly();
                if (closing) {
                    queueSlots.release();
                    throw new RejectedExecutionException("the pool is closed");
                }
            }
        }
        Job job = taskClass != null ? new TaskJob(args.clone(), runtime.nanoTime(), event, taskClass)
                : new Job(args.clone(), runtime.nanoTime(),
                        resultType == null ? null : java.lang.invoke.MethodType.methodType(resultType).wrap().returnType(), event);
        if (!change(null, null, job, null)) {
            releaseSlot();
            throw new RejectedExecutionException("the pool is closed");
        }
        return job;
    }

    void shutdown(boolean now) {
        closing = true;
        if (queueSlots != null && shutdownStarted.compareAndSet(false, true)) {
            // wake callers blocked on a full queue (once): they see the pool closed
            queueSlots.release(Integer.MAX_VALUE / 2);
        }
        post(() -> beginShutdown(now));
    }

    /**
     * closeNow() that also says which jobs were still queued (their futures, failed with a
     * CancellationException like every queued job of closeNow()); empty if called while this
     * thread makes a change of the pool (a callback under the pool's lock).
     */
    List<CompletableFuture<Object>> shutdownNowTakingQueued() {
        List<CompletableFuture<Object>> notStarted = new ArrayList<>();
        closing = true;
        if (queueSlots != null && shutdownStarted.compareAndSet(false, true)) {
            queueSlots.release(Integer.MAX_VALUE / 2);
        }
        post(() -> {
            for (Job job : queue) {
                notStarted.add(job);
            }
            beginShutdown(true);
        });
        return notStarted;
    }

    /** Takes a job out of the queue if it is still there (its future is cancelled); false if it was sent or is done. */
    boolean dequeue(CompletableFuture<?> jobFuture) {
        boolean[] taken = new boolean[1];
        post(() -> {
            for (Job job : queue) {
                if (job == jobFuture) {
                    queue.remove(job);
                    releaseSlot();
                    count(job, false);
                    afterUnlock.add(() -> job.cancel(false)); // nothing of it is running: nothing is killed
                    taken[0] = true;
                    checkTerminated();
                    return;
                }
            }
        });
        return taken[0];
    }

    /** Whether the pool takes no more jobs. */
    boolean isClosing() {
        return closing;
    }

    /** Closes the pool unless it is closed already; true if this call closed it. */
    boolean closeIfOpen() {
        if (closing) {
            return false;
        }
        shutdown(false);
        return true;
    }

    CompletableFuture<Void> terminated() {
        return terminated;
    }

    PoolStats stats() {
        synchronized (lock) { // a snapshot only: no change, so nothing to run after
            return snapshot();
        }
    }

    /**
     * Makes a change to the pool's state: now, in this thread, or, if this thread holds the lock
     * already (a future completed synchronously inside another change), on another thread once the
     * current change is done. False if the pool has terminated.
     */
    private boolean post(Runnable task) {
        return change(task, null, null, null);
    }

    /**
     * Makes a change: {@code task}, or without a task (so without allocating one per job, on the
     * paths every job takes) {@link #finished} of {@code job} on {@code w} if {@code w} is given,
     * else {@link #enqueue} of {@code job}. Then, with the lock released, makes the calls of the jobs
     * it dispatched and runs the user code it queued.
     */
    private boolean change(Runnable task, Worker w, Job job, Throwable error) {
        if (owner == Thread.currentThread()) {
            runtime.execute(() -> change(task, w, job, error));
            return true;
        }
        Job send;
        Job[] moreSends = null;
        Runnable[] userCode = null;
        boolean askSpares = false;
        synchronized (lock) {
            if (done) {
                return false;
            }
            owner = Thread.currentThread();
            try {
                if (task != null) {
                    task.run();
                } else if (w != null) {
                    finished(w, job, error);
                } else {
                    enqueue(job);
                }
            } catch (RuntimeException | Error e) {
                LOG.log(Level.ERROR, "jfork pool: a state change failed", e);
            } finally {
                // usually one job to send and nothing else: taken without allocating
                send = toSend.pollFirst();
                if (!toSend.isEmpty()) {
                    moreSends = toSend.toArray(NO_JOBS);
                    toSend.clear();
                }
                if (!afterUnlock.isEmpty()) {
                    userCode = afterUnlock.toArray(NO_TASKS);
                    afterUnlock.clear();
                }
                if (sparesChanged) {
                    askSpares = countSpares();
                }
                owner = null;
            }
        }
        if (askSpares) {
            // before the calls: a worker just forked from a parked spare told its template so
            // (fork-core's TAKEN, written with the worker's first command); the count that takes
            // the worker into account should follow at once, or the template starts a replacement
            // for that spare and then retires another one as surplus
            askSpares();
        }
        if (send != null) {
            send(send);
        }
        if (moreSends != null) {
            for (Job j : moreSends) {
                send(j);
            }
        }
        if (userCode != null) {
            for (Runnable r : userCode) {
                r.run();
            }
        }
        return true;
    }

    /**
     * Counts the spares the template should keep: as many as the pool may still start workers, 0
     * once it is closing. True if that changed. Caller holds the lock.
     */
    private boolean countSpares() {
        sparesChanged = false;
        boolean changed = false;
        for (int t = 0; t < forkedFrom.length; t++) {
            int n = closing || templateDown[t] != null ? 0
                    : Math.max(0, Math.min(o.perTemplate() - forkedFrom[t], o.max - workers.size()));
            if (n != sparesWantedOf[t]) {
                sparesWantedOf[t] = n;
                changed = true;
            }
        }
        return changed;
    }

    /**
     * Asks the template for the latest count of spares, unless that was asked already. Not under
     * the lock: it writes to the template (without waiting). A template that cannot be asked any
     * more (closed, run, gone) is not the pool's problem.
     */
    private void askSpares() {
        synchronized (sparesLock) {
            for (int t = 0; t < sparesWantedOf.length; t++) {
                int n;
                synchronized (lock) {
                    n = sparesWantedOf[t];
                }
                if (n == sparesAskedOf[t]) {
                    continue;
                }
                sparesAskedOf[t] = n;
                try {
                    runtime.keepSpares(t, n);
                } catch (RuntimeException e) {
                    LOG.log(Level.DEBUG, "jfork pool: asking the template for {0} spares failed: {1}", n, e);
                }
            }
        }
    }

    /** Schedules a change (made under the lock) after {@code nanos}. */
    private PoolRuntime.Cancellable later(Runnable task, long nanos) {
        return runtime.schedule(nanos, () -> post(task));
    }

    /** Fails a job's future once this change has released the lock (after any onError it queued). Caller holds the lock. */
    private void failLater(Job job, Throwable error) {
        afterUnlock.add(() -> job.completeExceptionally(error));
    }

    // ------------------------------------------------------------------ under the lock

    private void enqueue(Job job) {
        accepted++;
        if (job.isDone()) { // cancelled before it got here
            releaseSlot();
            count(job, false);
            return;
        }
        if (closingNow) { // raced with closeNow(): it would never run
            releaseSlot();
            count(job, false);
            failLater(job, new CancellationException("the pool was closed with closeNow()"));
            return;
        }
        if (templateGone != null && workers.isEmpty()) { // no worker can start, none is left to run it
            releaseSlot();
            count(job, false);
            failLater(job, templateGone);
            return;
        }
        queue.addLast(job);
        schedule();
    }

    /** Sends queued jobs to the least-loaded ready workers; starts a worker if they are all full. */
    private void schedule() {
        schedule(NOT_READ);
    }

    /** {@link #schedule()} at {@code now}, a time just read ({@link #NOT_READ}: none). */
    private void schedule(long now) {
        if (templateGone != null && workers.isEmpty()) {
            failQueued(templateGone); // nothing can run them any more
        }
        while (!queue.isEmpty()) {
            Worker w = leastLoaded();
            if (w == null) {
                maybeStartWorker();
                break;
            }
            Job job = queue.pollFirst();
            releaseSlot();
            if (job.isDone()) {
                count(job, false);
                continue;
            }
            if (now == NOT_READ) {
                now = runtime.nanoTime();
            }
            dispatch(w, job, now);
        }
        if (queue.isEmpty()) {
            // with jobs still queued every ready worker is at its load (else one would have taken
            // them): none is idle, so there is nothing to stop, and jobs every change dispatches
            // (the common case under load) do not pay for the walk over all workers
            stopIdleLater();
        }
        checkTerminated();
    }

    private Worker leastLoaded() {
        Worker best = null;
        for (Worker w : workers) {
            if (w.state == State.READY && w.running.size() < o.load && (best == null || w.running.size() < best.running.size())
                    && !w.ended.isDone()) { // its end is on its way (ended): send it nothing more
                best = w;
            }
        }
        return best;
    }

    private void dispatch(Worker w, Job job, long now) {
        job.sent = now;
        job.worker = w;
        JforkEvents.poolJobSent(job.event); // nothing unless the job has an event
        long wait = job.sent - job.enqueued;
        waitCount++;
        waitTotal += wait;
        waitMax = Math.max(waitMax, wait);
        w.running.add(job);
        w.sent++;
        cancelStop(w);
        w.unsent.incrementAndGet();
        toSend.add(job);
        if (o.jobTimeout != null && w.jobTimer == null) {
            w.jobTimer = later(() -> checkTimeouts(w), o.jobTimeout.toNanos()); // this job is its oldest
        }
        if (o.maxJobsPerWorker > 0 && w.sent >= o.maxJobsPerWorker) {
            retire(w); // recycled: it finishes what it was sent, then exits
        }
    }

    /** Makes the call of a dispatched job. Not under the lock (see {@link #toSend}). */
    private void send(Job job) {
        Worker w = job.worker;
        if (job.isDone()) {
            // cancelled or timed out before its call was made (its worker is being killed): no call
            CancellationException e = new CancellationException("the job ended before it was sent");
            runtime.execute(() -> answered(w, job, null, e));
        } else {
            job.sender = Thread.currentThread();
            try {
                w.process.call(job.args, job.resultType, (v, t) -> answer(w, job, v, t));
            } catch (RuntimeException e) {
                runtime.execute(() -> answered(w, job, null, e));
            } finally {
                job.sender = null;
            }
        }
        if (w.unsent.decrementAndGet() == 0 && w.closeWanted) {
            w.closeClient(); // retired while this call was on its way: it goes first
        }
    }

    /** The outcome of a job's call, on the thread that completed it. */
    private void answer(Worker w, Job job, Object value, Throwable t) {
        Thread current = Thread.currentThread();
        if (job.sender == current || owner == current) {
            // failed at once, in the call (arguments that cannot be encoded, the worker gone): answered
            // by another thread, or the next job dispatched by that answer would be sent, and fail, one
            // level deeper in this thread's stack, and so on through the whole queue; or completed by
            // something the pool did under its lock: job callbacks must not run there
            runtime.execute(() -> answered(w, job, value, t));
        } else {
            answered(w, job, value, t);
        }
    }

    /** A job's call was answered (or failed): the bookkeeping, then the job's future. Not under the lock. */
    private void answered(Worker w, Job job, Object value, Throwable t) {
        Throwable unwrapped = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        Throwable error = unwrapped == null && value != null && job.resultType != null && !job.resultType.isInstance(value)
                ? new RpcException(RpcException.Kind.LOCAL, "the job returned a " + value.getClass().getName() + ", not the "
                        + job.resultType.getName() + " asked for", null, List.of(), null)
                : unwrapped;
        // the bookkeeping first, so the worker's next job is on its way and the counters are
        // settled when the job's callbacks run (here, on the reader thread, not under the lock)
        change(null, w, job, error);
        if (error == null) {
            job.complete(value);
        } else {
            job.completeExceptionally(error);
        }
    }

    private void finished(Worker w, Job job, Throwable error) {
        if (!w.running.remove(job)) {
            return;
        }
        if (error instanceof RpcException && ((RpcException) error).kind() == RpcException.Kind.WORKER_LOST) {
            // the worker is gone (its end is reported separately): send it nothing more
            w.lost = true;
            w.state = State.RETIRING;
        }
        if (w.running.isEmpty()) {
            cancelJobTimer(w); // nothing left to time out (busy workers keep theirs: no timer churn per job)
        }
        long now = runtime.nanoTime();
        long run = now - job.sent;
        runCount++;
        runTotal += run;
        runMax = Math.max(runMax, run);
        // a future already done was cancelled or timed out: the job failed whatever the worker says
        count(job, error == null && !job.isDone());
        schedule(now); // the next job is sent at the time this one finished: one clock read per job, not two
    }

    private void count(Job job, boolean ok) {
        if (!job.counted) {
            job.counted = true;
            if (ok) {
                completed++;
            } else {
                failed++;
            }
        }
    }

    /**
     * {@code w}'s job timer: fails its jobs that have run for {@code jobTimeout} (the oldest first;
     * the first one kills it), then sets the timer again for the oldest job left.
     */
    private void checkTimeouts(Worker w) {
        w.jobTimer = null;
        long now = runtime.nanoTime();
        long timeout = o.jobTimeout.toNanos();
        for (Job job : w.running) {
            long left = job.sent + timeout - now;
            if (left > 0) {
                w.jobTimer = later(() -> checkTimeouts(w), left); // jobs were sent in this order: the rest are younger
                return;
            }
            if (!job.isDone()) {
                count(job, false); // before a reply racing the timeout could count it as completed
                failLater(job, new TimeoutException("the job ran longer than jobTimeout " + o.jobTimeout + " on worker " + w.id
                        + "; the worker was killed"));
                kill(w);
            }
        }
    }

    private void cancelJobTimer(Worker w) {
        if (w.jobTimer != null) {
            w.jobTimer.cancel();
            w.jobTimer = null;
        }
    }

    private void cancelled(Job job) {
        if (queue.remove(job)) {
            releaseSlot();
            count(job, false);
        } else if (job.worker != null && job.worker.running.contains(job)) {
            kill(job.worker); // the only way to stop a running call
        }
        checkTerminated();
    }

    private void kill(Worker w) {
        if (!w.killed) {
            w.killed = true;
            w.state = State.RETIRING;
            PoolRuntime.Worker p = w.process;
            if (p != null) {
                runtime.execute(p::kill); // not under the lock: it reaches the process
            }
        }
    }

    private void retire(Worker w) {
        if (w.state != State.RETIRING) {
            w.state = State.RETIRING;
            cancelStop(w);
            w.closeWanted = true;
            if (w.unsent.get() == 0) {
                w.closeClient();
            } // else the thread making its last dispatched call closes it (send)
        }
    }

    // ------------------------------------------------------------------ worker life

    /** Starts a worker if jobs wait, all ready workers are full, and max and the start delay allow. */
    private void maybeStartWorker() {
        if (queue.isEmpty() || workers.size() >= o.max || closingNow || templateGone != null) {
            return;
        }
        int startingCapacity = 0;
        for (Worker w : workers) {
            if (w.state == State.STARTING) {
                startingCapacity += o.load;
            }
        }
        if (startingCapacity >= queue.size()) {
            return; // the workers on their way will take these
        }
        startWorkerWhenAllowed();
    }

    private void startWorkerWhenAllowed() {
        long now = runtime.nanoTime();
        long next = lastStart + startDelay();
        if (now >= next) {
            startWorker();
        } else if (startTimer == null) { // set back to null when it fires; never cancelled
            startTimer = later(() -> {
                startTimer = null;
                maybeStartWorker();
                keepIdleWorkers();
            }, next - now);
        }
    }

    /**
     * The time between two starts: {@code start}, or after workers failed to start, the restart
     * backoff, doubling with each failure in a row (no tight loop of JVM starts that all fail).
     */
    private long startDelay() {
        long delay = o.start.toNanos();
        if (startFailures > 0) {
            long backoff = o.restartBackoffInitial.toNanos() << Math.min(startFailures - 1, 30);
            delay = Math.max(delay, Math.min(backoff, o.restartBackoffMax.toNanos()));
        }
        return delay;
    }

    /** Keeps at least {@code idle} workers (started one per start delay). */
    private void keepIdleWorkers() {
        if (closing) {
            return;
        }
        int active = 0;
        for (Worker w : workers) {
            if (w.state != State.RETIRING) {
                active++;
            }
        }
        if (active < o.idle && startFailures < o.maxStartFailures && templateGone == null) {
            startWorkerWhenAllowed(); // one now, the next when the start delay allows (via the timer)
        }
    }

    /**
     * The template to fork the next worker from: of those that can fork, are under their
     * {@code maxPerTemplate} and past their restart backoff, the one with the fewest workers
     * (least loaded: jobs go to the least loaded worker anyway); -1 if none now.
     */
    private int pickTemplate(long now) {
        int best = -1;
        for (int t = 0; t < forkedFrom.length; t++) {
            if (templateDown[t] == null && forkedFrom[t] < o.perTemplate() && now - templateRetryAt[t] >= 0
                    && (best < 0 || forkedFrom[t] < forkedFrom[best])) {
                best = t;
            }
        }
        return best;
    }

    /** No template can fork now, but one in its backoff will: look again then. */
    private void retryWhenATemplateCan(long now) {
        long soonest = Long.MAX_VALUE;
        for (int t = 0; t < forkedFrom.length; t++) {
            if (templateDown[t] == null && forkedFrom[t] < o.perTemplate() && now - templateRetryAt[t] < 0) {
                soonest = Math.min(soonest, templateRetryAt[t] - now);
            }
        }
        if (soonest != Long.MAX_VALUE && startTimer == null) {
            startTimer = later(() -> {
                startTimer = null;
                maybeStartWorker();
                keepIdleWorkers();
            }, soonest);
        }
    }

    private void startWorker() {
        long now = runtime.nanoTime();
        int template = pickTemplate(now);
        if (template < 0) {
            retryWhenATemplateCan(now);
            return;
        }
        lastStart = now;
        Worker w = new Worker(++nextWorker);
        w.template = template;
        try {
            w.process = runtime.startWorker(w.id, template, new PoolRuntime.WorkerEvents() {
                @Override
                public void ready() {
                    post(() -> control(w, ForkPool.CONTROL_READY));
                }

                @Override
                public void retireRequested() {
                    post(() -> control(w, ForkPool.CONTROL_RETIRE));
                }

                @Override
                public void reported(RpcException e) {
                    post(() -> report(w, e));
                }
            });
        } catch (RuntimeException e) {
            // the template was closed or run: no worker can ever start (startFailed sees it cannot)
            startFailed(template, new RpcException(RpcException.Kind.WORKER_LOST, "cannot fork a pool worker: " + e.getMessage(),
                    null, List.of(), e));
            return;
        }
        forkedFrom[template]++;
        workers.add(w);
        sparesChanged = true;
        w.ended = w.process.terminated();
        w.ended.whenComplete((v, t) -> post(() -> ended(w, t)));
        LOG.log(Level.DEBUG, "pool started {0}", w);
    }

    private void control(Worker w, int kind) {
        if (kind == ForkPool.CONTROL_READY && w.state == State.STARTING) {
            w.state = State.READY;
            startFailures = 0;
            templateFailures[w.template] = 0;
            keepIdleWorkers();
            schedule();
        } else if (kind == ForkPool.CONTROL_RETIRE) {
            retire(w);
            schedule();
        }
    }

    private void ended(Worker w, Throwable error) {
        if (workers.remove(w)) {
            sparesChanged = true;
            forkedFrom[w.template]--;
        }
        cancelStop(w);
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (w.state != State.STARTING && templateDown[w.template] == null && !runtime.canStartWorkers(w.template)) {
            // its template (its host, its connection) died under it: the others go on
            templateDown(w.template, cause instanceof RpcException ? (RpcException) cause
                    : new RpcException(RpcException.Kind.WORKER_LOST, runtime.templateName(w.template) + " is gone", null, List.of(), cause));
        }
        boolean expected = w.state == State.RETIRING && !w.killed && !w.lost;
        if (cause instanceof RpcException && !expected && !w.reported.contains(cause)) {
            // before the failures of the jobs this end fails: whoever sees one may look for it
            tellOnError((RpcException) cause);
        }
        if (w.state == State.STARTING) {
            startFailed(w.template, cause);
        } else if (!expected && !closingNow) {
            restarts++;
            LOG.log(Level.DEBUG, "pool {0} ended: {1}", w, cause);
        }
        keepIdleWorkers();
        schedule();
    }

    /**
     * A worker's connection reported a failure that no job carries (an event that cannot be
     * decoded, a reply to no call, a malformed frame, after which the worker ends: that end is
     * then not told twice). onError hears of it on another thread (the reporting thread is the
     * connection's, which must go on), or it is logged if the pool has none.
     */
    private void report(Worker w, RpcException e) {
        w.reported.add(e);
        if (o.onError == null) {
            LOG.log(Level.WARNING, "jfork pool: " + w + ": " + e.getMessage() + " (no ForkPool.Builder.onError handler is set)", e);
            return;
        }
        runtime.execute(() -> {
            try {
                o.onError.accept(e);
            } catch (RuntimeException x) {
                LOG.log(Level.WARNING, "onError handler threw", x);
            }
        });
    }

    private void tellOnError(RpcException e) {
        if (o.onError == null) {
            return;
        }
        afterUnlock.add(() -> {
            try {
                o.onError.accept(e);
            } catch (RuntimeException x) {
                LOG.log(Level.WARNING, "onError handler threw", x);
            }
        });
    }

    private void startFailed(int template, Throwable cause) {
        restarts++;
        startFailures++;
        templateFailures[template]++;
        RpcException e = cause instanceof RpcException ? (RpcException) cause
                : new RpcException(RpcException.Kind.WORKER_LOST, "pool workers cannot start: " + cause, null, List.of(), cause);
        if (!runtime.canStartWorkers(template)) {
            // the template died (its reason is in e), or was closed or run: it forks no more
            templateDown(template, e);
        } else if (forkedFrom.length > 1 && pickTemplate(runtime.nanoTime() + startDelay()) >= 0) {
            // another template can take over: this one waits for its backoff
            templateRetryAt[template] = runtime.nanoTime() + backoff(templateFailures[template]);
        } else if (startFailures >= o.maxStartFailures) {
            // the jobs' futures carry the reason: a log line would only say it again
            LOG.log(Level.DEBUG, "jfork pool: {0} worker(s) in a row failed to start; failing {1} queued jobs", startFailures,
                    queue.size());
            failQueued(e);
        } // else try again, after the restart backoff
    }

    /**
     * Template {@code t} forks no more: a remote one is started again on its host after the
     * restart backoff; once every template is down, no worker will start, so once no worker is
     * left the queued jobs and every later one fail with the reason, at once (see schedule), until
     * one is back. Caller holds the lock.
     */
    private void templateDown(int t, RpcException e) {
        templateDown[t] = e;
        sparesChanged = true;
        boolean allDown = true;
        for (RpcException down : templateDown) {
            allDown &= down != null;
        }
        if (allDown) {
            templateGone = e;
            if (workers.isEmpty()) {
                failQueued(e);
            }
        }
        restartLater(t);
    }

    /** Tries to start template {@code t} again after its backoff (nothing for a template that cannot be). Caller holds the lock. */
    private void restartLater(int t) {
        if (restarting[t] || closing) {
            return;
        }
        restarting[t] = true;
        later(() -> runtime.execute(() -> {
            boolean back;
            Throwable why = null;
            try {
                back = runtime.restartTemplate(t); // connects: not on the pool's threads
            } catch (RuntimeException x) {
                back = false;
                why = x;
            }
            boolean started = back;
            Throwable failure = why;
            post(() -> restarted(t, started, failure));
        }), backoff(++restartTries[t])); // the first try after the initial backoff, each next one twice as late
    }

    private void restarted(int t, boolean back, Throwable why) {
        restarting[t] = false;
        if (closing) {
            return;
        }
        if (back) {
            LOG.log(Level.DEBUG, "jfork pool: {0} was started again", runtime.templateName(t));
            templateDown[t] = null;
            templateFailures[t] = 0;
            restartTries[t] = 0;
            templateRetryAt[t] = 0;
            templateGone = null;
            startFailures = 0;
            sparesChanged = true;
            keepIdleWorkers();
            maybeStartWorker();
        } else if (why != null) {
            LOG.log(Level.DEBUG, "jfork pool: {0} cannot be started again yet: {1}", runtime.templateName(t), why);
            restartLater(t);
        } // else it cannot be started again at all (a template of this machine): it stays down
    }

    /** The restart backoff after {@code failures} failures in a row: doubling from restartBackoffInitial, at most restartBackoffMax. */
    private long backoff(int failures) {
        long b = o.restartBackoffInitial.toNanos() << Math.min(Math.max(failures, 1) - 1, 30);
        return Math.min(b, o.restartBackoffMax.toNanos());
    }

    private void failQueued(Throwable e) {
        while (!queue.isEmpty()) {
            Job job = queue.pollFirst();
            releaseSlot();
            failLater(job, e);
            count(job, false);
        }
    }

    // ------------------------------------------------------------------ shrinking and closing

    /** Workers beyond {@code idle} with nothing to do stop after the stop delay. */
    private void stopIdleLater() {
        int active = 0;
        for (Worker w : workers) {
            if (w.state != State.RETIRING) {
                active++;
            }
        }
        for (Worker w : workers) {
            if (active <= o.idle && !closing) {
                break;
            }
            if (w.state == State.READY && w.running.isEmpty()) {
                if (closing && queue.isEmpty()) {
                    retire(w); // closing: nothing left to wait for
                    active--;
                } else if (!closing && w.stopTimer == null) {
                    w.stopTimer = later(() -> stopIdle(w), o.stop.toNanos());
                    active--; // counted as leaving, so that only the surplus gets timers
                }
            }
        }
    }

    private void stopIdle(Worker w) {
        w.stopTimer = null;
        int active = 0;
        for (Worker x : workers) {
            if (x.state != State.RETIRING) {
                active++;
            }
        }
        if (w.state == State.READY && w.running.isEmpty() && active > o.idle) {
            retire(w);
        }
        schedule();
    }

    private void cancelStop(Worker w) {
        if (w.stopTimer != null) {
            w.stopTimer.cancel();
            w.stopTimer = null;
        }
    }

    private void beginShutdown(boolean now) {
        sparesChanged = true; // closing: the template need keep none for this pool
        if (now && !closingNow) {
            // killed workers end at once, but one whose template never hands it over would not:
            // after exitTimeout the pool gives up on what is left and terminates
            later(this::abandonWorkers, o.exitTimeout.toNanos());
        }
        if (now) {
            closingNow = true;
            failQueued(new CancellationException("the pool was closed with closeNow()"));
            for (Worker w : new ArrayList<>(workers)) {
                kill(w);
            }
        }
        for (Worker w : new ArrayList<>(workers)) {
            if (w.state == State.STARTING && queue.isEmpty()) {
                retire(w);
            }
        }
        schedule();
    }

    /** closeNow's deadline: workers not gone by now are left behind (killed once more), their jobs failed. */
    private void abandonWorkers() {
        for (Worker w : new ArrayList<>(workers)) {
            LOG.log(Level.WARNING, "jfork pool: {0} did not end within exitTimeout {1} after closeNow(); leaving it", w, o.exitTimeout);
            workers.remove(w);
            sparesChanged = true;
            cancelStop(w);
            w.process.kill();
            cancelJobTimer(w);
            for (Job job : w.running) {
                count(job, false);
                failLater(job, new CancellationException("the pool was closed with closeNow() and " + w + " did not end"));
            }
            w.running.clear();
        }
        checkTerminated();
    }

    private void checkTerminated() {
        // every accepted job counted: a job dispatched just before its worker ended may still be on its
        // way to a failed call (PoolManager.send), and must be counted before the pool says it is done
        if (closing && queue.isEmpty() && workers.isEmpty() && completed + failed == accepted && !done) {
            done = true;
            afterUnlock.add(() -> terminated.complete(null)); // after any onError of the same change
        }
    }

    private void releaseSlot() {
        if (queueSlots != null) {
            queueSlots.release();
        }
    }

    private PoolStats snapshot() {
        int starting = 0;
        int idle = 0;
        int busy = 0;
        int retiring = 0;
        for (Worker w : workers) {
            switch (w.state) {
                case STARTING:
                    starting++;
                    break;
                case RETIRING:
                    retiring++;
                    break;
                default:
                    if (w.running.isEmpty()) {
                        idle++;
                    } else {
                        busy++;
                    }
            }
        }
        return new PoolStats(starting, idle, busy, retiring, queue.size(), completed, failed, restarts,
                new TimeSummary(waitCount, waitTotal, waitMax), new TimeSummary(runCount, runTotal, runMax));
    }
}
