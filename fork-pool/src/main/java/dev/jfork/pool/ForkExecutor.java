package dev.jfork.pool;

import java.io.InvalidClassException;
import java.io.IOException;
import java.io.Serializable;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.jfork.Fork;
import dev.jfork.JvmSpec;
import dev.jfork.rpc.internal.ErrorReport;

/**
 * An {@link ExecutorService} whose tasks run in worker processes: Python's
 * {@code ProcessPoolExecutor} for Java.
 *
 * <pre>{@code
 * try (ForkExecutor executor = ForkExecutor.create(4)) {
 *     CompletableFuture<Long> f = executor.submit(() -> fib(30));   // a ForkCallable: no cast, no registration
 *     long result = f.get();
 * }   // close(): every submitted task completes, then the workers stop
 * }</pre>
 *
 * <p>A task is a serializable lambda ({@link ForkCallable}, {@link ForkRunnable}, or any
 * {@code Callable}/{@code Runnable} that is {@link Serializable}): it and what it captures are
 * serialized when it is submitted (a task that cannot be serialized fails there, with an
 * {@link IllegalArgumentException} naming what it captured), and run in a pool worker forked from a
 * template with this program's class path ({@link JvmSpec#defaults()}, or the {@link Builder#jvm}
 * given). The result, or the exception the task threw (its own class, with the worker's stack
 * trace, when this program may and can load it; see {@link TaskCodec} for which classes a
 * worker's answer may hold), comes back through the returned future.
 *
 * <p>Each worker runs one task at a time. A worker that dies fails only the task it was running
 * (an {@link dev.jfork.rpc.RpcException} with the exit code or signal) and is replaced;
 * {@code cancel(true)} of a running task kills its worker, which is replaced; {@code cancel(false)}
 * of a running task lets it finish and drops its result; a queued task is simply taken out.
 * {@link #shutdownNow()} kills the running workers and returns the tasks that had not started.
 */
public final class ForkExecutor implements ExecutorService, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.jfork.pool");

    /** The template this executor started and closes (null when it was given templates). */
    private final Fork template;
    private final ForkPool pool;
    private final TaskCodec codec;
    /** Tasks submitted and not finished, by their job's future: what shutdownNow() returns. */
    private final Map<CompletableFuture<Object>, Runnable> pending = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();

    private ForkExecutor(Builder b) {
        this.codec = new TaskCodec(b.allowed);
        // every option is checked before the template's JVM starts: a bad one leaves nothing running
        ForkPool.Builder options = new ForkPool.Builder(null, TaskWorker.class.getName() + "::run").max(b.workers)
                .load(1).idle(b.idle).stop(b.stop).exitTimeout(b.exitTimeout).maxJobsPerWorker(b.maxTasksPerWorker)
                .jobTimeout(b.taskTimeout);
        if (b.maxQueue > 0) {
            options.maxQueue(b.maxQueue, b.queueFullPolicy);
        }
        options.checkLimits();
        if (b.templates != null) {
            // the caller's templates (a host's, say): the task runner is loaded there, they are not closed here
            for (Fork t : b.templates) {
                t.require(TaskWorker.class.getName());
            }
            options.template = b.templates.get(0);
            options.templates = b.templates;
            this.template = null;
        } else {
            this.template = Fork.newTemplate(b.jvm).require(TaskWorker.class.getName());
            options.template = template;
        }
        this.pool = options.build();
        pool.terminated().whenComplete((v, t) -> {
            if (template == null) {
                terminated.complete(null);
                return;
            }
            template.close();
            template.onExit().whenComplete((e, x) -> terminated.complete(null));
        });
    }

    /**
     * An executor with up to {@code workers} worker processes and the other options' defaults.
     *
     * @param workers the most worker processes at once (at least 1)
     * @return the new executor, its template already started
     * @throws IllegalArgumentException if {@code workers} is less than 1
     * @throws dev.jfork.ForkException  if the template's JVM cannot be spawned
     */
    public static ForkExecutor create(int workers) {
        return builder().workers(workers).build();
    }

    /**
     * Options for an executor, each at its default until set; {@link Builder#build()} makes the
     * executor.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ submitting

    /**
     * Runs a task in a worker; the future completes with its result. {@code submit(() -> fib(30))}
     * picks this method: the lambda is a {@link ForkCallable}.
     *
     * @param <T>  the type of the task's result
     * @param task the task; it and what it captures are serialized now
     * @return the task's future: it completes with the task's result, or with the exception the task
     *         threw (or the failure of its worker)
     * @throws IllegalArgumentException   if the task cannot be serialized
     * @throws RejectedExecutionException after shutdown, or when a bounded queue is full under
     *                                    {@link QueueFullPolicy#FAIL}
     */
    public <T> CompletableFuture<T> submit(ForkCallable<T> task) {
        return start(Objects.requireNonNull(task, "task"), null);
    }

    /**
     * {@link #submit(ForkCallable)} for a task that returns nothing; the future completes with null.
     *
     * @param task the task; it and what it captures are serialized now
     * @return the task's future: it completes with null once the task ran, or with the exception the
     *         task threw (or the failure of its worker)
     * @throws IllegalArgumentException   if the task cannot be serialized
     * @throws RejectedExecutionException after shutdown, or when a bounded queue is full under
     *                                    {@link QueueFullPolicy#FAIL}
     */
    public CompletableFuture<Void> submit(ForkRunnable task) {
        return start(Objects.requireNonNull(task, "task"), null);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if the task is not {@link Serializable} (use a
     *                                  {@link ForkCallable}: a lambda passed where one is expected is one)
     */
    @Override
    public <T> CompletableFuture<T> submit(Callable<T> task) {
        return start(serializable(task), null);
    }

    @Override
    public CompletableFuture<?> submit(Runnable task) {
        return start(serializable(task), null);
    }

    /** {@inheritDoc} The future completes with {@code result} once the task ran. */
    @Override
    public <T> CompletableFuture<T> submit(Runnable task, T result) {
        return start(serializable(task), result);
    }

    /**
     * Runs a task in a worker; an exception it throws is logged (nobody else sees it).
     *
     * @param task the task; it and what it captures are serialized now
     * @throws IllegalArgumentException   if the task cannot be serialized
     * @throws RejectedExecutionException after shutdown, or when a bounded queue is full under
     *                                    {@link QueueFullPolicy#FAIL}
     */
    public void execute(ForkRunnable task) {
        execute((Runnable) task);
    }

    @Override
    public void execute(Runnable task) {
        start(serializable(task), null).whenComplete((v, t) -> {
            if (t != null && !(t instanceof CancellationException)) {
                LOG.log(Level.WARNING, "jfork: a task given to ForkExecutor.execute failed", t);
            }
        });
    }

    private static <T> T serializable(T task) {
        Objects.requireNonNull(task, "task");
        if (!(task instanceof Serializable)) {
            throw new IllegalArgumentException("a " + task.getClass().getName() + " cannot be sent to a worker: it is not"
                    + " Serializable; pass a ForkCallable or ForkRunnable (a lambda given where one is expected is one)");
        }
        return task;
    }

    /** Submits {@code task}; a Runnable's future completes with {@code runnableResult}. */
    @SuppressWarnings("unchecked")
    private <T> TaskFuture<T> start(Object task, Object runnableResult) {
        byte[] encoded = codec.encodeTask(task); // here, so that a task that cannot travel fails its caller
        ClassLoader loader = task.getClass().getClassLoader();
        CompletableFuture<Object> job;
        try {
            job = pool.scheduler().submitTask(new Object[] {encoded}, task.getClass()); // its JFR event names the task's class
        } catch (RejectedExecutionException e) {
            throw new RejectedExecutionException(pool.stats().queued() > 0 && !isShutdown() ? e.getMessage()
                    : "the executor is shut down", e);
        }
        TaskFuture<T> f = new TaskFuture<>(job);
        // what shutdownNow() hands back for a task that never started, as ThreadPoolExecutor does
        pending.put(job, task instanceof Runnable ? (Runnable) task : new FutureTask<>((Callable<?>) task));
        job.whenComplete((outcome, error) -> {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (!(cause instanceof CancellationException)) {
                pending.remove(job); // a task closeNow() took out stays until shutdownNow() has handed it back
            }
            if (error != null) {
                f.completeExceptionally(cause);
                return;
            }
            try {
                Object value = decode((Object[]) outcome, loader);
                f.complete((T) (task instanceof Runnable ? runnableResult : value));
            } catch (ExecutionException e) {
                f.completeExceptionally(e.getCause());
            }
        });
        return f;
    }

    /** A worker's outcome: the result, or (as the cause of an ExecutionException) what the task threw. */
    private Object decode(Object[] outcome, ClassLoader loader) throws ExecutionException {
        if (Boolean.TRUE.equals(outcome[0])) {
            try {
                return codec.decode((byte[]) outcome[1], loader);
            } catch (InvalidClassException e) {
                throw new ExecutionException(new InvalidClassException("the task's result cannot be read: " + e.getMessage()));
            } catch (IOException | ClassNotFoundException e) {
                throw new ExecutionException(new IOException("the task's result cannot be read: " + e, e));
            }
        }
        Throwable thrown = null;
        if (outcome[1] != null) {
            try {
                Object t = codec.decode((byte[]) outcome[1], loader);
                thrown = t instanceof Throwable ? (Throwable) t : null;
            } catch (IOException | ClassNotFoundException e) {
                thrown = null; // not allowed, or not loadable here: its description below
            }
        }
        if (thrown == null) {
            byte[] report = (byte[]) outcome[2];
            try {
                thrown = ErrorReport.decode(report, 0, report.length).error;
            } catch (IOException e) {
                thrown = new IllegalStateException("the task failed, and its report cannot be read: " + e);
            }
        }
        throw new ExecutionException(thrown);
    }

    /** A task's future: cancelling it takes a queued task out, or, with {@code mayInterruptIfRunning}, kills its worker. */
    private final class TaskFuture<T> extends CompletableFuture<T> {
        private final CompletableFuture<Object> job;

        TaskFuture(CompletableFuture<Object> job) {
            this.job = job;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            if (!super.cancel(mayInterruptIfRunning)) {
                return false;
            }
            pending.remove(job);
            if (mayInterruptIfRunning) {
                job.cancel(true); // out of the queue, or the worker running it is killed (and replaced)
            } else {
                pool.scheduler().dequeue(job); // out of the queue; if it runs already, it finishes and its result is dropped
            }
            return true;
        }

        @Override
        public <U> CompletableFuture<U> newIncompleteFuture() {
            return new CompletableFuture<>();
        }
    }

    // ------------------------------------------------------------------ invokeAll, invokeAny

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) throws InterruptedException {
        List<Future<T>> futures = submitAll(tasks);
        try {
            for (Future<T> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException | CancellationException e) {
                    // its future says so
                }
            }
        } catch (InterruptedException e) {
            cancelAll(futures);
            throw e;
        }
        return futures;
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        List<Future<T>> futures = submitAll(tasks);
        try {
            for (Future<T> f : futures) {
                try {
                    f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (ExecutionException | CancellationException e) {
                    // its future says so
                } catch (TimeoutException e) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            cancelAll(futures);
            throw e;
        }
        cancelAll(futures); // those not done by the deadline
        return futures;
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks) throws InterruptedException, ExecutionException {
        try {
            return any(tasks, Long.MAX_VALUE);
        } catch (TimeoutException e) {
            throw new IllegalStateException(e); // no deadline
        }
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        return any(tasks, System.nanoTime() + unit.toNanos(timeout));
    }

    private <T> T any(Collection<? extends Callable<T>> tasks, long deadline)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("no tasks");
        }
        List<Future<T>> futures = submitAll(tasks);
        CompletableFuture<T> first = new CompletableFuture<>();
        int[] failures = {0};
        for (Future<T> f : futures) {
            ((CompletableFuture<T>) f).whenComplete((v, t) -> {
                if (t == null) {
                    first.complete(v);
                } else {
                    synchronized (failures) {
                        if (++failures[0] == futures.size()) {
                            first.completeExceptionally(t); // every one failed: the last failure says why
                        }
                    }
                }
            });
        }
        try {
            return deadline == Long.MAX_VALUE ? first.get() : first.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } finally {
            cancelAll(futures);
        }
    }

    private <T> List<Future<T>> submitAll(Collection<? extends Callable<T>> tasks) {
        List<Future<T>> futures = new ArrayList<>(tasks.size());
        try {
            for (Callable<T> t : tasks) {
                futures.add(submit(t));
            }
        } catch (RuntimeException e) {
            cancelAll(futures); // none of them, or all
            throw e;
        }
        return futures;
    }

    private static <T> void cancelAll(List<Future<T>> futures) {
        for (Future<T> f : futures) {
            f.cancel(true);
        }
    }

    // ------------------------------------------------------------------ shutting down

    /** Takes no more tasks; every task submitted so far runs to completion, then the workers and the template stop. */
    @Override
    public void shutdown() {
        pool.close();
    }

    /**
     * Takes no more tasks, kills the workers (their running tasks fail), and returns the tasks that
     * had not started (their futures are cancelled); the template stops too.
     */
    @Override
    public List<Runnable> shutdownNow() {
        List<Runnable> notStarted = new ArrayList<>();
        for (CompletableFuture<Object> job : pool.scheduler().shutdownNowTakingQueued()) {
            Runnable task = pending.remove(job);
            if (task != null) {
                notStarted.add(task);
            }
        }
        return notStarted;
    }

    @Override
    public boolean isShutdown() {
        return pool.scheduler().isClosing();
    }

    /** Whether every task has completed, every worker and the template have exited, after a shutdown. */
    @Override
    public boolean isTerminated() {
        return terminated.isDone();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            terminated.get(timeout, unit);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }

    /**
     * Shuts down and waits until terminated, as {@code ExecutorService.close()} does on JDK 19+: if
     * this thread is interrupted while waiting, it calls {@link #shutdownNow()}, goes on waiting,
     * and keeps the interrupt status.
     */
    @Override
    public void close() {
        boolean interrupted = false;
        shutdown();
        while (!isTerminated()) {
            try {
                awaitTermination(1, TimeUnit.DAYS);
            } catch (InterruptedException e) {
                if (!interrupted) {
                    shutdownNow();
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The pool's statistics (workers, tasks queued, completed, failed, restarts, times).
     *
     * @return a snapshot of the executor's workers and tasks, taken now
     */
    public PoolStats stats() {
        return pool.stats();
    }

    @Override
    public String toString() {
        return "ForkExecutor" + pool.stats();
    }

    /** Options of a {@link ForkExecutor}; every limit has a documented default. */
    public static final class Builder {
        int workers = ForkPool.ncpu();
        JvmSpec jvm = JvmSpec.defaults();
        int idle;
        Duration stop = Duration.ofSeconds(10);
        Duration taskTimeout;
        int maxTasksPerWorker;
        int maxQueue;
        QueueFullPolicy queueFullPolicy = QueueFullPolicy.BLOCK;
        Duration exitTimeout = Duration.ofSeconds(10);
        final List<String> allowed = new ArrayList<>();
        List<Fork> templates;

        private Builder() {}

        /**
         * The most worker processes at once (default {@link ForkPool#ncpu()}); each runs one task at a time.
         *
         * @param workers the most worker processes (at least 1)
         * @return this builder
         * @throws IllegalArgumentException if {@code workers} is less than 1
         */
        public Builder workers(int workers) {
            if (workers < 1) {
                throw new IllegalArgumentException("workers < 1: " + workers);
            }
            this.workers = workers;
            return this;
        }

        /**
         * How the template (and so every worker) is started (default {@link JvmSpec#defaults()}: this JVM's class path).
         *
         * @param spec the JVM the template runs in; its class path must hold the tasks' classes
         * @return this builder
         */
        public Builder jvm(JvmSpec spec) {
            this.jvm = Objects.requireNonNull(spec, "spec");
            return this;
        }

        /**
         * Runs the tasks in forks of these templates instead of one the executor starts: say,
         * templates on other machines ({@code ForkRemote.ssh}), whose class path holds the tasks'
         * classes. Workers are spread over them as {@link ForkPool#builder(List, String)} does;
         * the executor loads its task runner class in each ({@code require}) and closes none.
         *
         * @param templates one or more templates
         * @return this builder
         * @throws IllegalArgumentException if {@code templates} is empty
         */
        public Builder templates(List<Fork> templates) {
            if (templates.isEmpty()) {
                throw new IllegalArgumentException("templates: empty");
            }
            for (Fork t : templates) {
                Objects.requireNonNull(t, "template");
            }
            this.templates = List.copyOf(templates);
            return this;
        }

        /**
         * Workers kept when there is nothing to do (default 0); see {@link ForkPool.Builder#idle}.
         *
         * @param idle the workers kept (0 or more, and no more than {@link #workers(int)}, which
         *             {@link #build()} checks)
         * @return this builder
         * @throws IllegalArgumentException if {@code idle} is negative
         */
        public Builder idle(int idle) {
            if (idle < 0) {
                throw new IllegalArgumentException("idle < 0: " + idle);
            }
            this.idle = idle;
            return this;
        }

        /**
         * How long a worker beyond {@code idle} may have nothing to do before it stops (default 10 s).
         *
         * @param delay the idle time after which such a worker stops (zero or positive, which
         *              {@link #build()} checks)
         * @return this builder
         */
        public Builder stop(Duration delay) {
            this.stop = Objects.requireNonNull(delay, "delay");
            return this;
        }

        /**
         * Fail a task running longer, with a TimeoutException, and kill its worker (default: no timeout).
         *
         * @param timeout the longest a task may run once sent to a worker (positive, which
         *                {@link #build()} checks), or null for no timeout
         * @return this builder
         */
        public Builder taskTimeout(Duration timeout) {
            this.taskTimeout = timeout;
            return this;
        }

        /**
         * Replace a worker after it ran this many tasks (default 0: never).
         *
         * @param tasks the tasks a worker runs before it is replaced, or 0 for no limit
         * @return this builder
         * @throws IllegalArgumentException if {@code tasks} is negative
         */
        public Builder maxTasksPerWorker(int tasks) {
            if (tasks < 0) {
                throw new IllegalArgumentException("maxTasksPerWorker < 0: " + tasks);
            }
            this.maxTasksPerWorker = tasks;
            return this;
        }

        /**
         * Bounds the tasks waiting for a worker (default unbounded); see {@link ForkPool.Builder#maxQueue}.
         *
         * @param capacity the most tasks waiting for a worker (at least 1)
         * @param policy   what a submit does when that many wait: block until there is room, or fail
         *                 with a {@link RejectedExecutionException}
         * @return this builder
         * @throws IllegalArgumentException if {@code capacity} is less than 1
         */
        public Builder maxQueue(int capacity, QueueFullPolicy policy) {
            if (capacity < 1) {
                throw new IllegalArgumentException("maxQueue capacity must be at least 1: " + capacity);
            }
            this.maxQueue = capacity;
            this.queueFullPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * How long {@link #shutdownNow()} waits for the killed workers (default 10 s); see {@link ForkPool.Builder#exitTimeout}.
         *
         * @param timeout how long to wait for a killed worker to end (positive, which {@link #build()}
         *                checks)
         * @return this builder
         */
        public Builder exitTimeout(Duration timeout) {
            this.exitTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Classes, or packages (a name ending in {@code ".*"} means every class whose name starts
         * with what precedes the star), that a worker's answer may hold besides the JDK's value
         * types, collections and exceptions and the classes of the task itself: a result type of
         * your own, an exception class of your own. Without it such a result fails its task, and
         * such an exception arrives as its description (class name, message, stack trace).
         *
         * @param classesOrPackages class names ({@code "com.example.Result"}) or packages
         *                          ({@code "com.example.model.*"}), added to those allowed so far
         * @return this builder
         */
        public Builder allow(String... classesOrPackages) {
            for (String c : classesOrPackages) {
                allowed.add(Objects.requireNonNull(c, "class or package"));
            }
            return this;
        }

        /**
         * {@link #allow(String...)} with classes.
         *
         * @param classes the classes a worker's answer may hold, added to those allowed so far
         * @return this builder
         */
        public Builder allow(Class<?>... classes) {
            for (Class<?> c : classes) {
                allowed.add(Objects.requireNonNull(c, "class").getName());
            }
            return this;
        }

        /**
         * The executor with these options. Its template is started now, its workers as tasks (and
         * {@code idle}) need them.
         *
         * @return the new executor
         * @throws IllegalArgumentException if {@code idle} is more than {@code workers}, {@code stop}
         *                                  is negative, or {@code taskTimeout} or {@code exitTimeout}
         *                                  is not positive
         * @throws dev.jfork.ForkException  if the template's JVM cannot be spawned
         */
        public ForkExecutor build() {
            if (idle > workers) {
                throw new IllegalArgumentException("idle (" + idle + ") > workers (" + workers + ")");
            }
            return new ForkExecutor(this);
        }
    }
}
