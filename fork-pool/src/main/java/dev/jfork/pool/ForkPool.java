package dev.jfork.pool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.jfork.Fork;
import dev.jfork.internal.concurrent.JforkThreads;
import dev.jfork.rpc.RpcChild;
import dev.jfork.rpc.RpcException;
import dev.jfork.rpc.RpcFunction;
import dev.jfork.rpc.RpcOptions;

/**
 * A managed pool of RPC workers forked from one template: AnyEvent::Fork::Pool for the JVM.
 *
 * <pre>{@code
 * Fork template = Fork.newTemplate(JvmSpec.defaults()).require("com.example.Worker");
 * try (ForkPool pool = ForkPool.builder(template, "com.example.Worker.run").max(4).idle(1).build()) {
 *     CompletableFuture<Integer> r = pool.call("job", 42);
 *     ...
 * }   // close(): every accepted job completes, then the workers stop
 *
 * // in the worker (the sync backend of fork-rpc):
 * public static Object run(Object... args) { ...; return result; }
 * }</pre>
 *
 * <p>Scheduling is AnyEvent::Fork::Pool's: a job goes to the least-loaded worker with fewer than
 * {@code load} jobs; when all are at {@code load} and there are fewer than {@code max} workers, a
 * new one is started (no faster than one per {@code start}); workers beyond {@code idle} that have
 * had nothing to do for {@code stop} are stopped, down to zero with {@code idle(0)}.
 *
 * <p>Failures are contained: a worker that dies is removed at once and replaced as needed; the
 * jobs it was running fail with an {@link RpcException} naming its exit code or signal, the queued
 * ones go to other workers. Cancelling a job's future, or a job running past {@code jobTimeout},
 * kills the worker running it (its other jobs fail too; use {@code load(1)} where that matters).
 * Every accepted job completes exactly once: with a result, an error, a timeout
 * ({@link java.util.concurrent.TimeoutException}) or a cancellation. The pool's bookkeeping is done
 * under one lock by the threads that have something to report (the caller, the workers' reader
 * threads, one scheduler thread for timers); job futures complete on the workers' reader threads
 * (or a pool completion thread), never while the pool's lock is held, so callbacks may call the
 * pool. A job answered by its worker is counted in {@link #stats()} before its future completes; a
 * job that timed out or was cancelled, once its worker's end has been seen.
 *
 * <p>If workers cannot start ({@link Builder#maxStartFailures} in a row die before their init is
 * done), the queued jobs fail with the reason and no worker is started for {@code idle} until the
 * next call; each new call tries again, after the {@linkplain Builder#restartBackoff restart
 * backoff}. If the template itself is gone (it died while booting, say), the queued jobs fail with
 * the template's own report, and so does every later job, at once.
 *
 * <p>A pool asks its template ({@link Fork#keepSpares(int)}) to keep as many spares ready as it
 * may still start workers ({@code max} minus the workers it has), when built and whenever that
 * number changes, and for none once closed, so that its workers start from spares; pools that
 * share a template overwrite each other's request: the last one made wins.
 *
 * <p>Each job is a JDK Flight Recorder event {@code dev.jfork.PoolJob} (category "jfork"; written
 * only while a recording enables it): from {@code call()} until its future completes, with the
 * time it waited for a worker, its run time, the worker's pid, the function and its outcome (ok,
 * failed, error, timeout, cancelled). The call to the worker is also a fork-rpc
 * {@code dev.jfork.RpcCall} event.
 */
public final class ForkPool implements AutoCloseable {
    /** CONTROL kinds between pool workers and the pool (over fork-rpc's CONTROL frames). */
    static final int CONTROL_READY = 1;
    static final int CONTROL_RETIRE = 2;

    private static final System.Logger LOG = System.getLogger("dev.jfork.pool");

    private final PoolScheduler manager;

    private ForkPool(PoolScheduler manager) {
        this.manager = manager;
        // a pool dropped without close() would keep its workers (and they the pool's timers) for
        // ever: that is a bug in the caller, so say so, and close it
        PoolScheduler m = manager;
        JforkThreads.cleanWhenUnreachable(this, () -> {
            if (m.closeIfOpen()) {
                LOG.log(System.Logger.Level.WARNING, "jfork: a ForkPool was dropped without close(); closing it (its accepted jobs"
                        + " still run). Close pools with close() or try-with-resources.");
            }
        });
    }

    /**
     * A builder for a pool whose workers are forks of {@code template} running {@code function}.
     *
     * @param template the template every worker is forked from, with the function's class on its
     *                 class path; the pool does not close it
     * @param function the worker function, {@code "pkg.Cls.method"} or {@code "pkg.Cls::method"}:
     *                 {@code public static Object method(Object... args)}, or with
     *                 {@link Builder#async(boolean)} {@code public static void method(RpcReply reply, Object... args)}
     * @return a new builder with every other option at its default
     */
    public static Builder builder(Fork template, String function) {
        return new Builder(Objects.requireNonNull(template, "template"), Objects.requireNonNull(function, "function"));
    }

    /**
     * {@link #builder(Fork, String)} with the function as a method reference the compiler checks:
     * {@code ForkPool.builder(template, Worker::run)} for {@code public static Object run(Object... args)}.
     *
     * @param template the template every worker is forked from, with the function's class on its
     *                 class path; the pool does not close it
     * @param function a reference to the worker function, a static method of a named class
     * @return a new builder with every other option at its default
     * @throws IllegalArgumentException if {@code function} is a lambda or a capturing reference
     */
    public static Builder builder(Fork template, RpcFunction function) {
        return builder(template, RpcFunction.nameOf(function));
    }

    /**
     * A builder for one pool over several templates, on this machine or others
     * ({@code ForkRemote.ssh}): each worker is forked from the template that has the fewest workers
     * at the time (at most {@link Builder#maxPerTemplate(int)} each), and jobs go to the least
     * loaded worker wherever it runs. When a template's host or connection dies, the jobs on its
     * workers fail with the host named, the pool goes on with the other templates, and a remote
     * template is started again on its host (with what it was sent), after the restart backoff,
     * doubling while it fails ({@link Builder#restartBackoff(Duration, Duration)}).
     *
     * @param templates the templates, each with the function's class on its class path; the pool
     *                  closes none of them (but a template it started again, it closes)
     * @param function  the worker function, as for {@link #builder(Fork, String)}
     * @return a new builder with every other option at its default
     * @throws IllegalArgumentException if {@code templates} is empty
     */
    public static Builder builder(List<Fork> templates, String function) {
        if (templates.isEmpty()) {
            throw new IllegalArgumentException("templates: empty");
        }
        for (Fork t : templates) {
            Objects.requireNonNull(t, "template");
        }
        Builder b = new Builder(templates.get(0), Objects.requireNonNull(function, "function"));
        b.templates = List.copyOf(templates);
        return b;
    }

    /**
     * {@link #builder(List, String)} with the function as a method reference.
     *
     * @param templates the templates
     * @param function  a reference to the worker function, a static method of a named class
     * @return a new builder with every other option at its default
     * @throws IllegalArgumentException if {@code templates} is empty, or {@code function} is a
     *                                  lambda or a capturing reference
     */
    public static Builder builder(List<Fork> templates, RpcFunction function) {
        return builder(templates, RpcFunction.nameOf(function));
    }

    /** The scheduler, for the executor built on this pool. */
    PoolScheduler scheduler() {
        return manager;
    }

    /**
     * The number of processors actually available to this JVM (cgroup limits and CPU affinity included).
     *
     * @return {@link Runtime#availableProcessors()}, at least 1
     */
    public static int ncpu() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * In a worker: take no new jobs, finish the ones already received, then exit (the pool starts a
     * replacement if it needs one). AnyEvent::Fork::Pool's {@code retire}.
     *
     * @throws IllegalStateException outside a pool worker
     */
    public static void retire() {
        RpcChild.control(CONTROL_RETIRE, new byte[0]);
    }

    /**
     * Submits a job: the worker function is called with {@code args} (serialized with Kryo, see
     * {@link Builder#register}). With a full queue the call blocks or fails, as the
     * {@link Builder#maxQueue} policy says.
     *
     * @param <T>  the type the worker function returns (not checked: see {@link #call(Class, Object...)})
     * @param args the arguments the worker function is called with
     * @return the job's future: it completes with what the worker function returned, or fails with
     *         an {@link RpcException} (the function threw, or its worker died), a
     *         {@link java.util.concurrent.TimeoutException} past {@link Builder#jobTimeout}, or a
     *         cancellation
     * @throws java.util.concurrent.RejectedExecutionException if the pool is closed, or the queue is
     *                                                         full under {@link QueueFullPolicy#FAIL}
     */
    public <T> CompletableFuture<T> call(Object... args) {
        return manager.submit(args);
    }

    /**
     * {@link #call(Object...)} with the result's type checked: the future completes with a
     * {@code resultType} (a primitive type stands for its wrapper), or fails with an
     * {@link RpcException} of {@link RpcException.Kind#LOCAL} naming the type the worker returned.
     *
     * @param <T>        the type of the result
     * @param resultType the class the result must be an instance of; a worker may send it back
     *                   without {@link Builder#allow(Class...)}
     * @param args       the arguments the worker function is called with
     * @return the job's future, as {@link #call(Object...)}'s, with a {@code resultType}
     * @throws java.util.concurrent.RejectedExecutionException if the pool is closed, or the queue is
     *                                                         full under {@link QueueFullPolicy#FAIL}
     */
    public <T> CompletableFuture<T> call(Class<T> resultType, Object... args) {
        return manager.submit(args, Objects.requireNonNull(resultType, "resultType"));
    }

    /**
     * A snapshot of the pool's workers and jobs.
     *
     * @return the pool's statistics now
     */
    public PoolStats stats() {
        return manager.stats();
    }

    /**
     * The pool's statistics as an MXBean (register it with an MBean server).
     *
     * @return a new MXBean over this pool; each of its getters reads the pool's current statistics
     */
    public ForkPoolMXBean mxBean() {
        return new PoolMXBean(manager);
    }

    /**
     * Stops taking calls, runs every accepted job to completion, then stops all workers. Returns at
     * once; {@link #terminated()} completes at the end.
     */
    @Override
    public void close() {
        manager.shutdown(false);
    }

    /**
     * Stops taking calls, fails the queued jobs (with {@link java.util.concurrent.CancellationException})
     * and kills the workers (their running jobs fail). Returns at once; {@link #terminated()}
     * completes when the workers are gone.
     */
    public void closeNow() {
        manager.shutdown(true);
    }

    /**
     * Completes when the pool was closed and all its workers have exited.
     *
     * @return a new future that completes (with null) at the pool's end; completing or cancelling it
     *         does not affect the pool
     */
    public CompletableFuture<Void> terminated() {
        return manager.terminated().copy();
    }

    /**
     * Waits for {@link #terminated()}; false if {@code timeout} passed first.
     *
     * @param timeout the longest to wait
     * @return true if the pool terminated, false if {@code timeout} passed first
     * @throws InterruptedException if this thread was interrupted while waiting
     */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        try {
            manager.terminated().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return true;
        }
    }

    @Override
    public String toString() {
        return "ForkPool" + stats();
    }

    /** Options of a {@link ForkPool}; every limit has a documented default. */
    public static final class Builder {
        Fork template; // set later only by ForkExecutor, which checks its options before it starts a template
        /** Every template, when several were given (else null: {@link #template} alone). */
        List<Fork> templates;
        final String function;
        int max = ncpu();
        /** 0: as many as {@link #max}. */
        int maxPerTemplate;
        int idle = 0;
        int load = 2;
        Duration start = Duration.ofMillis(100);
        Duration stop = Duration.ofSeconds(10);
        boolean async;
        String init;
        Consumer<Object[]> onEvent;
        Consumer<RpcException> onError;
        int maxQueue = Integer.MAX_VALUE;
        QueueFullPolicy queueFullPolicy = QueueFullPolicy.BLOCK;
        int maxJobsPerWorker = 0;
        Duration jobTimeout;
        int maxStartFailures = 3;
        Duration restartBackoffInitial = Duration.ofMillis(100);
        Duration restartBackoffMax = Duration.ofSeconds(10);
        Duration exitTimeout = Duration.ofSeconds(10);
        final List<Class<?>> registrations = new ArrayList<>();
        final List<String> allowed = new ArrayList<>();

        /** Package-private for the scheduler's unit tests, which need options without a template. */
        Builder(Fork template, String function) {
            this.template = template;
            this.function = function;
        }

        /**
         * The most workers at once (default {@link ForkPool#ncpu()}).
         *
         * @param max the most workers (at least 1)
         * @return this builder
         * @throws IllegalArgumentException if {@code max} is less than 1
         */
        public Builder max(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("max < 1: " + max);
            }
            this.max = max;
            return this;
        }

        /**
         * The most workers forked from any one template (default: {@link #max(int)}), for a pool
         * over several templates ({@link ForkPool#builder(List, String)}): say, as many as a host
         * has CPUs.
         *
         * @param max the most workers per template (at least 1)
         * @return this builder
         * @throws IllegalArgumentException if {@code max} is less than 1
         */
        public Builder maxPerTemplate(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxPerTemplate < 1: " + max);
            }
            this.maxPerTemplate = max;
            return this;
        }

        /** The templates, one or more. */
        List<Fork> templateList() {
            return templates != null ? templates : List.of(template);
        }

        /** The most workers per template. */
        int perTemplate() {
            return maxPerTemplate == 0 ? max : Math.min(max, maxPerTemplate);
        }

        /**
         * Workers kept even when there is nothing to do (default 0: the pool shrinks to nothing).
         *
         * @param idle the workers kept (0 or more, and no more than {@link #max(int)}, which
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
         * Jobs in flight per worker before another worker is used or started (default 2). It is
         * also the pipelining depth: a worker has at most this many jobs sent to it, so jobs that
         * take microseconds run at about {@code max × load} per round trip (tens of microseconds);
         * give such jobs a high load (hundreds). A worker killed by cancel or timeout takes all
         * its in-flight jobs with it.
         *
         * @param load the most jobs in flight per worker (at least 1)
         * @return this builder
         * @throws IllegalArgumentException if {@code load} is less than 1
         */
        public Builder load(int load) {
            if (load < 1) {
                throw new IllegalArgumentException("load < 1: " + load);
            }
            this.load = load;
            return this;
        }

        /**
         * Minimum time between two worker starts (default 100 ms; {@code Duration.ZERO} for none).
         *
         * @param delay the minimum time between two starts (zero or positive)
         * @return this builder
         * @throws IllegalArgumentException if {@code delay} is null or negative
         */
        public Builder start(Duration delay) {
            this.start = requireNotNegative(delay, "start");
            return this;
        }

        /**
         * How long a worker beyond {@code idle} may have nothing to do before it is stopped (default 10 s).
         *
         * @param delay the idle time after which such a worker is stopped (zero or positive)
         * @return this builder
         * @throws IllegalArgumentException if {@code delay} is null or negative
         */
        public Builder stop(Duration delay) {
            this.stop = requireNotNegative(delay, "stop");
            return this;
        }

        /**
         * Use fork-rpc's async backend: {@code static void fn(RpcReply reply, Object... args)} (default sync).
         *
         * @param async true for the async backend, false for the sync one
         * @return this builder
         */
        public Builder async(boolean async) {
            this.async = async;
            return this;
        }

        /**
         * A static method each worker calls once before its first job, with the template's arguments.
         *
         * @param method {@code "pkg.Cls.method"} or {@code "pkg.Cls::method"}, declared
         *               {@code static void method(ForkArgs args)} or {@code static void method()};
         *               null (the default) for none
         * @return this builder
         */
        public Builder init(String method) {
            this.init = method;
            return this;
        }

        /**
         * Receives the events workers send with {@code RpcChild.event}.
         *
         * @param handler called with the arguments of each event, or null (the default) for none
         * @return this builder
         */
        public Builder onEvent(Consumer<Object[]> handler) {
            this.onEvent = handler;
            return this;
        }

        /**
         * Told when a worker ends abnormally or cannot start (its jobs fail on their own futures
         * as well, after this), and of failures no job carries: an event the parent cannot decode,
         * a reply to no job. Runs on the thread that saw it (a worker's reader thread, usually),
         * never while the pool's lock is held: the handler may call the pool. Without a handler,
         * the failures no job carries are logged as warnings.
         *
         * @param handler called with each such failure, or null (the default) for none
         * @return this builder
         */
        public Builder onError(Consumer<RpcException> handler) {
            this.onError = handler;
            return this;
        }

        /**
         * Bounds the jobs waiting for a worker (default unbounded): when {@code capacity} (at least
         * 1) are queued, {@link ForkPool#call} blocks or fails, as {@code policy} says.
         *
         * @param capacity the most jobs waiting for a worker (at least 1)
         * @param policy   what a call does when that many wait: block until there is room, or fail
         * @return this builder
         * @throws IllegalArgumentException if {@code capacity} is less than 1
         */
        public Builder maxQueue(int capacity, QueueFullPolicy policy) {
            if (capacity < 1) {
                // every job passes through the queue on its way to a worker
                throw new IllegalArgumentException("maxQueue capacity must be at least 1: " + capacity);
            }
            this.maxQueue = capacity;
            this.queueFullPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Recycle a worker after it was sent this many jobs (default 0: never).
         *
         * @param jobs the jobs sent to a worker before it is recycled, or 0 for no limit
         * @return this builder
         * @throws IllegalArgumentException if {@code jobs} is negative
         */
        public Builder maxJobsPerWorker(int jobs) {
            if (jobs < 0) {
                throw new IllegalArgumentException("maxJobsPerWorker < 0: " + jobs);
            }
            this.maxJobsPerWorker = jobs;
            return this;
        }

        /**
         * Fail a job still running this long after it was sent to a worker, with a
         * {@link java.util.concurrent.TimeoutException}, and kill (then replace) its worker
         * (default: no timeout).
         *
         * @param timeout the longest a job may run once sent to a worker, or null for no timeout
         * @return this builder
         * @throws IllegalArgumentException if {@code timeout} is zero or negative
         */
        public Builder jobTimeout(Duration timeout) {
            if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
                throw new IllegalArgumentException("jobTimeout must be positive: " + timeout);
            }
            this.jobTimeout = timeout;
            return this;
        }

        /**
         * After this many workers in a row fail to start (they die before their init is done), the
         * queued jobs fail with the last worker's reason (default 3). A template that is gone
         * (died, closed or run) fails them at once, and every later job too.
         *
         * @param failures the failed starts in a row that fail the queued jobs (at least 1)
         * @return this builder
         * @throws IllegalArgumentException if {@code failures} is less than 1
         */
        public Builder maxStartFailures(int failures) {
            if (failures < 1) {
                throw new IllegalArgumentException("maxStartFailures < 1: " + failures);
            }
            this.maxStartFailures = failures;
            return this;
        }

        /**
         * After a worker fails to start, the next start waits {@code initial}, doubling with every
         * further failure in a row, up to {@code max} (defaults 100 ms and 10 s; never less than
         * {@link #start(Duration)}); a worker that starts resets it.
         *
         * @param initial the wait after the first failed start (zero or positive)
         * @param max     the longest wait (at least {@code initial})
         * @return this builder
         * @throws IllegalArgumentException if either is null or negative, or {@code max} is less than
         *                                  {@code initial}
         */
        public Builder restartBackoff(Duration initial, Duration max) {
            this.restartBackoffInitial = requireNotNegative(initial, "restartBackoff initial");
            this.restartBackoffMax = requireNotNegative(max, "restartBackoff max");
            if (max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("restartBackoff max " + max + " < initial " + initial);
            }
            return this;
        }

        /**
         * How long {@link ForkPool#closeNow()} waits for the killed workers to end (default 10 s).
         * A worker not gone by then (its template never handed it over, say) is left behind with a
         * warning, its jobs fail, and the pool terminates.
         *
         * @param timeout how long to wait for a killed worker to end (positive)
         * @return this builder
         * @throws IllegalArgumentException if {@code timeout} is null, zero or negative
         */
        public Builder exitTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("exitTimeout must be positive: " + timeout);
            }
            this.exitTimeout = timeout;
            return this;
        }

        /**
         * Classes or packages ({@code "pkg.*"}) a job's result or an event may hold besides those
         * the pool accepts from a worker anyway; see {@link RpcOptions.Builder#allow(String...)}.
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
         * @param classes the classes a job's result or an event may hold, added to those allowed so far
         * @return this builder
         */
        public Builder allow(Class<?>... classes) {
            for (Class<?> c : classes) {
                allowed.add(Objects.requireNonNull(c, "class").getName());
            }
            return this;
        }

        /**
         * Kryo registrations for job arguments and results (same ids in parent and workers; optional, faster).
         *
         * @param classes the classes to register, appended in order to those registered so far; a
         *                worker may send them back
         * @return this builder
         */
        public Builder register(Class<?>... classes) {
            for (Class<?> c : classes) {
                registrations.add(Objects.requireNonNull(c));
            }
            return this;
        }

        /**
         * The pool with these options. It starts workers as calls (and {@code idle}) need them.
         *
         * @return the new pool; close it with {@link ForkPool#close()} or try-with-resources
         * @throws IllegalArgumentException if {@code idle} is more than {@code max}
         */
        public ForkPool build() {
            checkLimits();
            RpcWorkers workers = new RpcWorkers(this);
            PoolScheduler scheduler = new PoolScheduler(this, workers);
            scheduler.terminated().whenComplete((v, t) -> workers.closeRestartedTemplates());
            return new ForkPool(scheduler);
        }

        /** The checks that need several options at once (each setter checks its own). */
        void checkLimits() {
            if (idle > max) {
                throw new IllegalArgumentException("idle (" + idle + ") > max (" + max + ")");
            }
        }

        private static Duration requireNotNegative(Duration d, String what) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException(what + " must be zero or positive: " + d);
            }
            return d;
        }
    }
}
