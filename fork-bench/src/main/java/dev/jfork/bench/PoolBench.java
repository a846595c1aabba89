package dev.jfork.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.jfork.pool.ForkPool;
import dev.jfork.pool.PoolStats;
import dev.jfork.rpc.Rpc;
import dev.jfork.rpc.RpcClient;
import dev.jfork.rpc.RpcOptions;
import dev.jfork.Fork;

/**
 * Jobs per second through a {@link ForkPool}, next to fork-rpc used directly, in the same run.
 *
 * <p>Every worker (RPC or pool) is a fork of the default template ({@code Fork.create()} for the
 * RPC clients, {@code ForkPool.builder(Fork.defaultTemplate(), ...)} for the pools), running a
 * function of this class with fork-rpc's sync backend and Kryo. All workers are started and
 * warmed up before the first measured round and live for the whole run (pools are built with
 * {@code idle(max)}, so none is stopped between rounds, and {@code start(ZERO)}).
 *
 * <p><b>Tiny jobs</b> ({@code inc(int)}, as in {@link RpcBench}); each mode runs {@code jobs}
 * (100 000) calls per round and is timed from the first call until every result is in:
 * <ul>
 *   <li>{@code rpc-pipe}: one {@code RpcClient}, calls queued {@code depth} (10 000) at a time and
 *       the last one awaited, repeated: {@link RpcBench}'s {@code sync-pipe};
 *   <li>{@code rpc-pipe2}: the same with two clients (two worker processes), {@code depth} calls
 *       queued on each per batch;
 *   <li>{@code rpc-winN} ({@code rpc-win2}): two clients with at most N calls in flight each: the
 *       completion of a call (on the client's reader thread) makes the next call. {@code rpc-win2}
 *       has the concurrency of a pool with {@code max(2).load(2)}, without the pool;
 *   <li>{@code pool}: {@code ForkPool} with {@code max(2).load(2)}: all jobs submitted at once,
 *       each future with a callback that checks and counts its result (on the thread that
 *       completes it), timed until the last one;
 *   <li>{@code pool-big}: the same pool with {@code load(bigLoad)} (5000): its pipelining is no
 *       longer bounded, what is left is the pool's own overhead;
 *   <li>{@code pool-loadN}: the same with {@code load(N)} (for sweeps next to {@code rpc-winN});
 *   <li>{@code direct-loadN}: diagnostic, see {@link DirectDispatch}.
 * </ul>
 *
 * <p><b>CPU-bound jobs</b> ({@code spin(n)}: a deterministic xorshift loop, {@code n} calibrated
 * to {@code cpuMs} (20) ms of CPU in this JVM; each job reports the CPU time its thread used):
 * {@code cpu-1} ({@code max(1).load(1)}) and {@code cpu-2} ({@code max(2).load(1)}), each
 * {@code cpuJobs} (60) jobs per round submitted at once.
 *
 * <p>Modes run interleaved (one of each per round, the order rotated every round), warm-up rounds
 * excluded, medians reported; before every measurement the benchmark waits until every jfork
 * process of the run is idle. For each measurement it also reads the {@code schedstat} file of
 * every thread of this JVM and of the workers (under {@code /proc}), to report CPU time per job by
 * thread group.
 * Options ({@code --name=value}, else system property {@code bench.name}): {@code rounds} (11),
 * {@code warmup} (2), {@code jobs} (100000), {@code depth} (10000), {@code bigLoad} (5000),
 * {@code cpuJobs} (60), {@code cpuMs} (20), {@code modes} (default
 * {@code rpc-pipe,rpc-pipe2,rpc-win2,pool,pool-big,cpu-1,cpu-2}), {@code report} (also write the
 * Markdown report to this file).
 */
public final class PoolBench {
    private PoolBench() {}

    static final List<String> ALL_MODES = List.of("rpc-pipe", "rpc-pipe2", "rpc-win2", "pool", "pool-big", "cpu-1", "cpu-2");
    private static final String SELF = PoolBench.class.getName();
    private static final long TIMEOUT_S = 120;

    // ------------------------------------------------------------------ worker side

    /** Tiny job: its argument plus one (RpcBench's {@code inc}). */
    public static Object inc(Object... args) {
        return (Integer) args[0] + 1;
    }

    static volatile long sink;

    /**
     * CPU-bound job: {@code n} rounds of xorshift64 (a serial dependency chain, so the time is the
     * same on every call once compiled). Returns {pid, CPU ns this thread used for the loop}.
     */
    public static Object spin(Object... args) {
        long n = ((Number) args[0]).longValue();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long t0 = mx.getCurrentThreadCpuTime();
        sink = xorshift(n);
        long used = mx.getCurrentThreadCpuTime() - t0;
        return new long[] {ProcessHandle.current().pid(), used};
    }

    static long xorshift(long n) {
        long x = 0x9E3779B97F4A7C15L;
        for (long i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
        }
        return x;
    }

    // ------------------------------------------------------------------ options

    static final class Options {
        final int rounds;
        final int warmup;
        final int jobs;
        final int depth;
        final int bigLoad;
        final int cpuJobs;
        final double cpuMs;
        final List<String> modes;
        final String report;

        private Options(BenchArgs a) {
            rounds = a.integer("rounds", 11);
            warmup = a.integer("warmup", 2);
            jobs = a.integer("jobs", 100_000);
            depth = a.integer("depth", 10_000);
            bigLoad = a.integer("bigLoad", 5000);
            cpuJobs = a.integer("cpuJobs", 60);
            cpuMs = a.decimal("cpuMs", 20);
            modes = a.names("modes", ALL_MODES, "mode", m -> ALL_MODES.contains(m) || m.matches("(rpc-win|pool-load|direct-load)[1-9][0-9]*"),
                    "known: " + String.join(", ", ALL_MODES) + ", rpc-winN, pool-loadN, direct-loadN");
            report = a.string("report", null);
        }

        static Options parse(String[] args) {
            return BenchArgs.parse(args, Options::new);
        }
    }

    // ------------------------------------------------------------------ modes

    /** One measured thing: runs one batch and returns jobs per second. */
    private interface Mode {
        double run() throws Exception;

        /** Jobs (calls) one {@link #run} makes. */
        long jobs();

        /** What happened besides the rate (pool statistics), for the progress log; may be empty. */
        default String note() {
            return "";
        }
    }

    /** RpcBench's pipelined mode on {@code clients.length} clients: {@code depth} calls queued on each, the last awaited. */
    private static final class RpcPipe implements Mode {
        final RpcClient[] clients;
        final int jobs;
        final int depth;

        RpcPipe(int jobs, int depth, RpcClient... clients) {
            this.clients = clients;
            this.jobs = jobs;
            this.depth = depth;
        }

        @Override
        public long jobs() {
            long calls = 0;
            while (calls < jobs) {
                calls += Math.min(depth, (jobs - calls + clients.length - 1) / clients.length) * clients.length;
            }
            return calls;
        }

        @Override
        public double run() throws Exception {
            long start = System.nanoTime();
            long calls = 0;
            @SuppressWarnings("unchecked")
            CompletableFuture<Object>[] last = new CompletableFuture[clients.length];
            while (calls < jobs) {
                int n = (int) Math.min(depth, (jobs - calls + clients.length - 1) / clients.length);
                for (int i = 0; i < n; i++) {
                    for (int c = 0; c < clients.length; c++) {
                        last[c] = clients[c].call(i);
                    }
                }
                for (CompletableFuture<Object> f : last) {
                    Object r = f.get(TIMEOUT_S, TimeUnit.SECONDS); // a timed get only waits: the reader thread reads
                    if ((Integer) r != n) {
                        throw new IllegalStateException("wrong result " + r);
                    }
                }
                calls += (long) n * clients.length;
            }
            return calls / ((System.nanoTime() - start) / 1e9);
        }
    }

    /** Each client keeps {@code window} calls in flight: a completion (on its reader thread) makes the next call. */
    private static final class RpcWindow implements Mode {
        final RpcClient[] clients;
        final int jobs;
        final int window;

        RpcWindow(int jobs, int window, RpcClient... clients) {
            this.clients = clients;
            this.jobs = jobs;
            this.window = window;
        }

        @Override
        public long jobs() {
            return (long) (jobs / clients.length) * clients.length;
        }

        private static final class Lane {
            final RpcClient client;
            final int quota;
            final AtomicInteger issued = new AtomicInteger();
            final AtomicInteger answered = new AtomicInteger();
            final CompletableFuture<Void> done = new CompletableFuture<>();

            Lane(RpcClient client, int quota) {
                this.client = client;
                this.quota = quota;
            }

            void next() {
                int i = issued.getAndIncrement();
                if (i >= quota) {
                    return;
                }
                client.call(i).whenComplete((r, t) -> {
                    if (t != null) {
                        done.completeExceptionally(t);
                        return;
                    }
                    if ((Integer) r != i + 1) {
                        done.completeExceptionally(new IllegalStateException("wrong result " + r + " for " + i));
                        return;
                    }
                    if (answered.incrementAndGet() == quota) {
                        done.complete(null);
                    } else {
                        next();
                    }
                });
            }
        }

        @Override
        public double run() throws Exception {
            int per = jobs / clients.length;
            Lane[] lanes = new Lane[clients.length];
            for (int c = 0; c < clients.length; c++) {
                lanes[c] = new Lane(clients[c], per);
            }
            long start = System.nanoTime();
            for (int k = 0; k < window; k++) {
                for (Lane l : lanes) {
                    l.next();
                }
            }
            for (Lane l : lanes) {
                l.done.get(TIMEOUT_S, TimeUnit.SECONDS);
            }
            return (double) per * clients.length / ((System.nanoTime() - start) / 1e9);
        }
    }

    /**
     * Counts completed jobs: a callback on each job's future (it runs on the thread completing the
     * future) checks the result and counts; the main thread waits once, for the last one, so that it
     * is not woken for every job.
     */
    private static final class AllDone {
        final AtomicInteger left;
        final CompletableFuture<Void> done = new CompletableFuture<>();

        AllDone(int jobs) {
            left = new AtomicInteger(jobs);
        }

        void one(Throwable error, Runnable check) {
            if (error != null) {
                done.completeExceptionally(error);
                return;
            }
            try {
                check.run();
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
                return;
            }
            if (left.decrementAndGet() == 0) {
                done.complete(null);
            }
        }

        void get() throws Exception {
            done.get(TIMEOUT_S, TimeUnit.SECONDS);
        }
    }

    /**
     * Diagnostic, not a pool: the scheduling a pool could do without a manager thread on the job
     * path. Jobs wait in a lock-free queue; the thread that submits a job, or that completes one
     * (the client's reader thread), sends queued jobs itself to a worker below {@code load} (a CAS
     * on the worker's in-flight count). Same two RPC clients as {@code rpc-winN}, but with a shared
     * queue and a future per job, like {@code ForkPool}. Mode {@code direct-loadN}.
     */
    private static final class DirectDispatch implements Mode {
        final RpcClient[] clients;
        final AtomicInteger[] inFlight;
        final int load;
        final int jobs;
        final java.util.concurrent.ConcurrentLinkedQueue<Object[]> queue = new java.util.concurrent.ConcurrentLinkedQueue<>();

        DirectDispatch(int jobs, int load, RpcClient... clients) {
            this.clients = clients;
            this.jobs = jobs;
            this.load = load;
            this.inFlight = new AtomicInteger[clients.length];
            for (int i = 0; i < clients.length; i++) {
                inFlight[i] = new AtomicInteger();
            }
        }

        @Override
        public long jobs() {
            return jobs;
        }

        @SuppressWarnings("unchecked")
        CompletableFuture<Object> submit(Object arg) {
            CompletableFuture<Object> f = new CompletableFuture<>();
            queue.add(new Object[] {arg, f});
            pump();
            return f;
        }

        /** Sends queued jobs while some worker is below its load. */
        @SuppressWarnings("unchecked")
        void pump() {
            for (int w = 0; w < clients.length; w++) {
                while (!queue.isEmpty()) {
                    int n = inFlight[w].get();
                    if (n >= load) {
                        break;
                    }
                    if (!inFlight[w].compareAndSet(n, n + 1)) {
                        continue;
                    }
                    Object[] job = queue.poll();
                    if (job == null) {
                        inFlight[w].decrementAndGet();
                        break;
                    }
                    int worker = w;
                    CompletableFuture<Object> f = (CompletableFuture<Object>) job[1];
                    clients[w].call(job[0]).whenComplete((v, t) -> {
                        inFlight[worker].decrementAndGet();
                        if (t != null) {
                            f.completeExceptionally(t);
                        } else {
                            f.complete(v);
                        }
                        pump();
                    });
                }
            }
        }

        @Override
        public double run() throws Exception {
            AllDone all = new AllDone(jobs);
            long start = System.nanoTime();
            for (int i = 0; i < jobs; i++) {
                int k = i;
                submit(i).whenComplete((r, t) -> all.one(t, () -> {
                    if ((Integer) r != k + 1) {
                        throw new IllegalStateException("wrong result " + r + " for " + k);
                    }
                }));
            }
            all.get();
            return jobs / ((System.nanoTime() - start) / 1e9);
        }
    }

    /** All jobs submitted to a pool at once, timed until the last has completed (see {@link AllDone}). */
    private static class PoolJobs implements Mode {
        final ForkPool pool;
        final int jobs;
        final int workers;
        final int load;
        String note = "";
        double submitMs;
        double backlogMs;
        double meanRunUs;

        PoolJobs(ForkPool pool, int jobs, int workers, int load) {
            this.pool = pool;
            this.jobs = jobs;
            this.workers = workers;
            this.load = load;
        }

        @Override
        public long jobs() {
            return jobs;
        }

        Object arg(int i) {
            return i;
        }

        void check(int i, Object r) {
            if ((Integer) r != i + 1) {
                throw new IllegalStateException("wrong result " + r + " for " + i);
            }
        }

        @Override
        public double run() throws Exception {
            PoolStats s = pool.stats();
            if (s.workers() != workers || s.starting() != 0 || s.busy() != 0 || s.queued() != 0) {
                throw new IllegalStateException("pool not ready with " + workers + " idle workers: " + s);
            }
            AllDone all = new AllDone(jobs);
            long start = System.nanoTime();
            for (int i = 0; i < jobs; i++) {
                int k = i;
                pool.call(arg(i)).whenComplete((r, t) -> all.one(t, () -> check(k, r)));
            }
            long submitted = System.nanoTime();
            // stats() takes the pool's lock: how long it waits shows how busy the pool's bookkeeping is
            // (before 7d3b9ed it was a task queued behind every submitted job on a manager thread)
            pool.stats();
            long caughtUp = System.nanoTime();
            all.get();
            long end = System.nanoTime();
            submitMs = (submitted - start) / 1e6;
            backlogMs = (caughtUp - submitted) / 1e6;
            PoolStats after = pool.stats();
            if (after.restarts() != s.restarts() || after.workers() != workers) {
                throw new IllegalStateException("a worker was lost or replaced during the measurement: " + after);
            }
            meanRunUs = meanDelta(s.runTime().total(), after.runTime().total(), after.runTime().count() - s.runTime().count());
            note = String.format(Locale.ROOT, "submit %.0f ms, stats() %.0f ms, mean wait %.0f µs, mean run %.0f µs",
                    submitMs, backlogMs,
                    meanDelta(s.waitTime().total(), after.waitTime().total(), after.waitTime().count() - s.waitTime().count()),
                    meanRunUs);
            return jobs / ((end - start) / 1e9);
        }

        private static double meanDelta(Duration a, Duration b, long n) {
            return n == 0 ? Double.NaN : (b.toNanos() - a.toNanos()) / 1e3 / n;
        }

        @Override
        public String note() {
            return note;
        }
    }

    /** CPU-bound jobs; also records the CPU time each job used in its worker and which workers ran them. */
    private static final class CpuJobs extends PoolJobs {
        final long iterations;
        final List<Double> jobCpuMs = new ArrayList<>();
        final Set<Long> pids = new HashSet<>();

        CpuJobs(ForkPool pool, int jobs, int workers, long iterations) {
            super(pool, jobs, workers, 1);
            this.iterations = iterations;
        }

        @Override
        Object arg(int i) {
            return iterations;
        }

        @Override
        void check(int i, Object r) {
            long[] v = (long[]) r;
            synchronized (this) {
                pids.add(v[0]);
                jobCpuMs.add(v[1] / 1e6);
            }
        }

        @Override
        public double run() throws Exception {
            pids.clear();
            double rate = super.run();
            if (pids.size() != workers) {
                throw new IllegalStateException(jobs + " CPU jobs ran on " + pids.size() + " of the pool's " + workers + " workers");
            }
            note = note + ", workers used " + pids.size();
            return rate;
        }
    }

    // ------------------------------------------------------------------ where the CPU goes

    /**
     * Thread groups of this JVM, by native thread name ({@code /proc/self/task/TID/comm}). jfork runs
     * the RPC readers and writers (and its other short tasks) on one pool of threads named
     * {@code jfork-io-N}, so readers and writers are one group; the pools' timers (start and stop
     * delays, {@code jobTimeout}) run on {@code jfork-timer}.
     */
    static final List<String> GROUPS = List.of("main", "jfork io", "jfork timer", "GC", "JIT", "other");

    static String group(String comm) {
        if (comm.equals("java")) {
            return "main"; // the launcher names the main thread after the executable
        } else if (comm.startsWith("jfork-io")) {
            return "jfork io";
        } else if (comm.startsWith("jfork-timer")) {
            return "jfork timer";
        } else if (comm.startsWith("GC Thread") || comm.startsWith("G1 ")) {
            return "GC";
        } else if (comm.startsWith("C1 ") || comm.startsWith("C2 ")) {
            return "JIT";
        }
        return "other";
    }

    /**
     * {@code /proc/.../task/TID/schedstat} of every thread: ns on a CPU, ns waiting for a CPU
     * (runnable), number of times scheduled in; with the thread's group.
     */
    static final class Snapshot {
        final Map<String, long[]> threads = new LinkedHashMap<>(); // "pid/tid" -> {run ns, wait ns, slices, group index}

        /**
         * Reads the workers' threads and this JVM's; {@code selfLast} for the snapshot before a
         * measurement, so that reading /proc is not counted as this JVM's work (and self first after it).
         */
        static Snapshot take(List<Long> children, boolean selfLast) {
            Snapshot s = new Snapshot();
            if (!selfLast) {
                s.read("self", true, false);
            }
            for (long pid : children) {
                s.read(String.valueOf(pid), false, false);
            }
            if (selfLast) {
                s.read("self", true, true);
            }
            return s;
        }

        /** The calling thread's id, from {@code /proc/thread-self} ("PID/task/TID"). */
        private static String currentTid() {
            try {
                return Files.readSymbolicLink(Paths.get("/proc/thread-self")).getFileName().toString();
            } catch (java.io.IOException | RuntimeException e) {
                return "";
            }
        }

        /** Reads every thread of {@code pid}; the calling thread first, or last if {@code callerLast}. */
        private void read(String pid, boolean own, boolean callerLast) {
            java.io.File[] tasks = new java.io.File("/proc/" + pid + "/task").listFiles();
            if (tasks == null) {
                return;
            }
            if (own) {
                String me = currentTid();
                Arrays.sort(tasks, (x, y) -> Boolean.compare(x.getName().equals(me) == callerLast, y.getName().equals(me) == callerLast));
            }
            for (java.io.File t : tasks) {
                try {
                    String[] f = new String(Files.readAllBytes(t.toPath().resolve("schedstat")), StandardCharsets.US_ASCII).trim().split(" ");
                    int g = own ? GROUPS.indexOf(group(new String(Files.readAllBytes(t.toPath().resolve("comm")), StandardCharsets.UTF_8).trim()))
                            : -1;
                    threads.put(pid + "/" + t.getName(), new long[] {Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), g});
                } catch (java.io.IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        }

        /**
         * Per job, between {@code before} and this: CPU µs of each parent group, then parent total,
         * workers' (all jfork processes of the run) CPU µs, the parent's run-queue wait µs, the
         * parent's and the workers' times scheduled in.
         */
        double[] perJob(Snapshot before, long jobs) {
            double[] r = new double[GROUPS.size() + 5];
            for (Map.Entry<String, long[]> e : threads.entrySet()) {
                long[] a = e.getValue();
                long[] b = before.threads.getOrDefault(e.getKey(), new long[] {0, 0, 0, a[3]});
                double run = (a[0] - b[0]) / 1e3;
                double wait = (a[1] - b[1]) / 1e3;
                double slices = a[2] - b[2];
                if (a[3] >= 0) {
                    r[(int) a[3]] += run;
                    r[GROUPS.size()] += run;
                    r[GROUPS.size() + 2] += wait;
                    r[GROUPS.size() + 3] += slices;
                } else {
                    r[GROUPS.size() + 1] += run;
                    r[GROUPS.size() + 4] += slices;
                }
            }
            for (int i = 0; i < r.length; i++) {
                r[i] /= jobs;
            }
            return r;
        }
    }

    static final List<String> COLUMNS;

    static {
        List<String> c = new ArrayList<>(GROUPS);
        c.addAll(List.of("parent total", "workers", "parent run-queue wait", "parent threads scheduled in", "workers' threads scheduled in"));
        COLUMNS = c;
    }

    // ------------------------------------------------------------------ main

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        String started = SpawnBench.now();
        String loadStart = SpawnBench.loadAverage();
        log("PoolBench on JDK " + Runtime.version() + ", load average " + loadStart + "; options: rounds " + o.rounds + ", warm-up "
                + o.warmup + ", jobs " + o.jobs + ", depth " + o.depth + ", bigLoad " + o.bigLoad
                + ", cpuJobs " + o.cpuJobs + ", cpuMs " + o.cpuMs);

        long iterations = calibrate(o.cpuMs);
        log(String.format(Locale.ROOT, "spin: %,d iterations for %.0f ms of CPU here", iterations, o.cpuMs));

        Fork template = Fork.defaultTemplate();
        List<RpcClient> clients = new ArrayList<>();
        List<ForkPool> pools = new ArrayList<>();
        Map<String, Mode> modes = new LinkedHashMap<>();
        int exit = 0;
        String reportText = null;
        try {
            boolean needsRpc = o.modes.stream().anyMatch(m -> m.startsWith("rpc-"));
            RpcClient a = null;
            RpcClient b = null;
            if (needsRpc) {
                a = Rpc.run(Fork.create(), SELF + ".inc", RpcOptions.defaults());
                b = Rpc.run(Fork.create(), SELF + ".inc", RpcOptions.defaults());
                clients.add(a);
                clients.add(b);
            }
            for (String m : o.modes) {
                switch (m) {
                    case "rpc-pipe":
                        modes.put(m, new RpcPipe(o.jobs, o.depth, a));
                        break;
                    case "rpc-pipe2":
                        modes.put(m, new RpcPipe(o.jobs, o.depth, a, b));
                        break;
                    case "pool":
                        modes.put(m, new PoolJobs(pool(pools, template, ".inc", 2, 2), o.jobs, 2, 2));
                        break;
                    case "pool-big":
                        modes.put(m, new PoolJobs(pool(pools, template, ".inc", 2, o.bigLoad), o.jobs, 2, o.bigLoad));
                        break;
                    case "cpu-1":
                        modes.put(m, new CpuJobs(pool(pools, template, ".spin", 1, 1), o.cpuJobs, 1, iterations));
                        break;
                    case "cpu-2":
                        modes.put(m, new CpuJobs(pool(pools, template, ".spin", 2, 1), o.cpuJobs, 2, iterations));
                        break;
                    default:
                        if (m.startsWith("rpc-win")) {
                            modes.put(m, new RpcWindow(o.jobs, suffix(m, "rpc-win"), a, b));
                        } else if (m.startsWith("direct-load")) {
                            modes.put(m, new DirectDispatch(o.jobs, suffix(m, "direct-load"), a, b));
                        } else if (m.startsWith("pool-load")) {
                            modes.put(m, new PoolJobs(pool(pools, template, ".inc", 2, suffix(m, "pool-load")), o.jobs, 2, suffix(m, "pool-load")));
                        } else {
                            throw new IllegalArgumentException(m);
                        }
                }
            }
            Thread.sleep(2000);
            log("pools 2 s after build(), before any job: "
                    + pools.stream().map(p -> p.stats().workers() + " worker(s)").reduce((x, y) -> x + ", " + y).orElse("none")
                    + " (each built with idle(max))");
            // all workers up before anything is measured (the warm-up rounds then warm them)
            for (RpcClient c : clients) {
                c.call(0).get(TIMEOUT_S, TimeUnit.SECONDS);
            }
            for (Mode m : modes.values()) {
                if (m instanceof PoolJobs) {
                    startAll((PoolJobs) m);
                }
            }
            log("workers started: " + clients.size() + " RPC, " + pools.stream().mapToInt(p -> p.stats().workers()).sum()
                    + " in " + pools.size() + " pools; " + SpawnBench.ourChildren().size() + " jfork processes of this run");

            Map<String, List<Double>> results = new LinkedHashMap<>();
            Map<String, List<Double>> ratios = new LinkedHashMap<>();
            Map<String, List<double[]>> cpu = new LinkedHashMap<>();
            Map<String, List<Double>> runTimes = new LinkedHashMap<>();
            for (String m : modes.keySet()) {
                results.put(m, new ArrayList<>());
                cpu.put(m, new ArrayList<>());
            }
            List<String> order = new ArrayList<>(modes.keySet());
            for (int round = 0; round < o.warmup + o.rounds; round++) {
                boolean warm = round < o.warmup;
                if (round == o.warmup) {
                    for (Mode m : modes.values()) {
                        if (m instanceof CpuJobs) {
                            ((CpuJobs) m).jobCpuMs.clear(); // report the measured rounds only
                        }
                    }
                }
                Map<String, Double> thisRound = new LinkedHashMap<>();
                StringBuilder notes = new StringBuilder();
                for (int k = 0; k < order.size(); k++) {
                    String m = order.get((k + round) % order.size());
                    SpawnBench.settle();
                    Mode mode = modes.get(m);
                    List<Long> children = SpawnBench.ourChildren();
                    Snapshot before = Snapshot.take(children, true);
                    thisRound.put(m, mode.run());
                    if (!warm) {
                        cpu.get(m).add(Snapshot.take(children, false).perJob(before, mode.jobs()));
                        if (mode instanceof PoolJobs) {
                            PoolJobs pj = (PoolJobs) mode;
                            runTimes.computeIfAbsent(m, x -> new ArrayList<>()).add(pj.meanRunUs);
                            runTimes.computeIfAbsent(m + " submit", x -> new ArrayList<>()).add(pj.submitMs);
                            runTimes.computeIfAbsent(m + " backlog", x -> new ArrayList<>()).add(pj.backlogMs);
                            runTimes.computeIfAbsent(m + " total", x -> new ArrayList<>()).add(pj.jobs / thisRound.get(m) * 1e3);
                        }
                    }
                    if (!mode.note().isEmpty()) {
                        notes.append(String.format(Locale.ROOT, "%n    %s: %s", m, mode.note()));
                    }
                }
                log(String.format(Locale.ROOT, "%s %d: %s%s", warm ? "warm-up" : "round", warm ? round + 1 : round - o.warmup + 1,
                        format(modes.keySet(), thisRound), notes));
                if (!warm) {
                    thisRound.forEach((k, v) -> results.get(k).add(v));
                    ratio(ratios, thisRound, "pool", "rpc-pipe");
                    ratio(ratios, thisRound, "pool", "rpc-win2");
                    ratio(ratios, thisRound, "rpc-win2", "rpc-pipe");
                    ratio(ratios, thisRound, "pool-big", "rpc-pipe");
                    ratio(ratios, thisRound, "pool-big", "rpc-pipe2");
                    ratio(ratios, thisRound, "cpu-2", "cpu-1");
                }
            }
            String loadEnd = SpawnBench.loadAverage();
            reportText = report(o, started, loadStart, loadEnd, iterations, modes, results, ratios, cpu, runTimes);
        } finally {
            exit |= shutdown(pools, clients, template);
        }
        if (reportText == null) {
            System.exit(1);
        }
        System.out.println(reportText);
        if (o.report != null) {
            Files.write(Paths.get(o.report), reportText.getBytes(StandardCharsets.UTF_8));
        }
        if (SpawnBench.awaitNoChildren(30_000) > 0) {
            exit = 1;
        }
        System.exit(exit);
    }

    /** Closes the pools, the RPC clients and the default template; 1 if something did not end. */
    private static int shutdown(List<ForkPool> pools, List<RpcClient> clients, Fork template) {
        int exit = 0;
        for (ForkPool p : pools) {
            p.close();
        }
        for (RpcClient c : clients) {
            c.close();
        }
        for (ForkPool p : pools) {
            try {
                if (!p.awaitTermination(Duration.ofSeconds(60))) {
                    log("WARNING: a pool did not terminate within 60 s: " + p);
                    p.closeNow();
                    exit = 1;
                }
            } catch (Exception | Error e) {
                log("WARNING: closing a pool failed: " + e);
                exit = 1;
            }
        }
        for (RpcClient c : clients) {
            try {
                c.terminated().get(60, TimeUnit.SECONDS);
            } catch (Exception | Error e) {
                log("WARNING: closing " + c + " failed: " + e);
                exit = 1;
            }
        }
        try {
            template.close();
            log("default template " + template.onExit().get(60, TimeUnit.SECONDS));
        } catch (Exception | Error e) {
            log("WARNING: the default template did not end: " + e);
            exit = 1;
        }
        return exit;
    }

    private static int suffix(String mode, String prefix) {
        return Integer.parseInt(mode.substring(prefix.length()));
    }

    private static ForkPool pool(List<ForkPool> pools, Fork template, String fn, int max, int load) {
        // idle(max): the workers stay while other modes run (no stop timer); start(ZERO): no start delay
        ForkPool p = ForkPool.builder(template, SELF + fn).max(max).load(load).idle(max).start(Duration.ZERO).build();
        pools.add(p);
        return p;
    }

    /**
     * Warms the pool up and makes sure all its workers run: submits batches of jobs until the pool
     * has its {@code workers} ready ({@code idle(max)} starts them anyway; this does not rely on it).
     */
    private static void startAll(PoolJobs m) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        int batch = m instanceof CpuJobs ? 4 : 1000;
        while (true) {
            List<CompletableFuture<Object>> f = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                f.add(m.pool.call(m.arg(i)));
            }
            for (int i = 0; i < batch; i++) {
                m.check(i, f.get(i).get(TIMEOUT_S, TimeUnit.SECONDS));
            }
            PoolStats s = m.pool.stats();
            if (s.workers() == m.workers && s.starting() == 0) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the pool did not start its " + m.workers + " workers: " + s);
            }
            Thread.sleep(50);
        }
    }

    /** Iterations of {@link #xorshift} for {@code ms} of CPU, measured here once the loop is compiled. */
    static long calibrate(double ms) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long n = 1_000_000;
        double nsPerIteration = Double.NaN;
        List<Double> samples = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            long t0 = mx.getCurrentThreadCpuTime();
            sink = xorshift(n);
            long used = mx.getCurrentThreadCpuTime() - t0;
            nsPerIteration = (double) used / n;
            if (i >= 20) {
                samples.add(nsPerIteration);
            }
            if (used < 5_000_000) {
                n *= 2;
            }
        }
        return Math.round(ms * 1e6 / SpawnBench.median(samples));
    }

    private static void ratio(Map<String, List<Double>> ratios, Map<String, Double> round, String a, String b) {
        if (round.containsKey(a) && round.containsKey(b)) {
            ratios.computeIfAbsent(a + " / " + b, k -> new ArrayList<>()).add(round.get(a) / round.get(b));
        }
    }

    private static String format(Iterable<String> keys, Map<String, Double> r) {
        StringBuilder b = new StringBuilder();
        for (String k : keys) {
            b.append(String.format(Locale.ROOT, "%s=%.0f/s  ", k, r.get(k)));
        }
        return b.toString().trim();
    }

    private static String medianOf(Map<String, List<Double>> values, String key) {
        return values.containsKey(key) ? String.format(Locale.ROOT, "%.1f", SpawnBench.median(values.get(key))) : "";
    }

    private static String what(String mode, Options o) {
        switch (mode) {
            case "rpc-pipe":
                return String.format(Locale.ROOT, "RPC pipelined: 1 client, %,d calls queued at a time (RpcBench `sync-pipe`)", o.depth);
            case "rpc-pipe2":
                return String.format(Locale.ROOT, "RPC pipelined, 2 clients, %,d calls queued on each at a time", o.depth);
            case "pool":
                return String.format(Locale.ROOT, "`ForkPool` max 2, load 2, %,d jobs submitted at once", o.jobs);
            case "pool-big":
                return String.format(Locale.ROOT, "`ForkPool` max 2, load %d, %,d jobs submitted at once", o.bigLoad, o.jobs);
            case "cpu-1":
                return String.format(Locale.ROOT, "`ForkPool` max 1, load 1, %d CPU jobs submitted at once", o.cpuJobs);
            case "cpu-2":
                return String.format(Locale.ROOT, "`ForkPool` max 2, load 1, %d CPU jobs submitted at once", o.cpuJobs);
            default:
                if (mode.startsWith("rpc-win")) {
                    return String.format(Locale.ROOT, "RPC, 2 clients × %d in flight (a completion makes the next call)", suffix(mode, "rpc-win"));
                }
                if (mode.startsWith("direct-load")) {
                    return String.format(Locale.ROOT, "*diagnostic:* pool-like dispatch without a pool (lock-free queue, atomic loads), 2 clients, load %d, %,d jobs"
                            + " submitted at once", suffix(mode, "direct-load"), o.jobs);
                }
                return String.format(Locale.ROOT, "`ForkPool` max 2, load %d, %,d jobs submitted at once", suffix(mode, "pool-load"), o.jobs);
        }
    }

    private static String report(Options o, String started, String loadStart, String loadEnd, long iterations, Map<String, Mode> modes,
            Map<String, List<Double>> results, Map<String, List<Double>> ratios, Map<String, List<double[]>> cpu,
            Map<String, List<Double>> runTimes) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "## PoolBench, JDK %s, %s, load average %s at start, %s at end%n%n", Runtime.version(), started,
                loadStart, loadEnd));
        b.append(String.format(Locale.ROOT, "%d rounds after %d warm-up, modes interleaved (order rotated each round), medians; "
                + "%s, nproc %d.%n%n", o.rounds, o.warmup, SpawnBench.cpuModel(), Runtime.getRuntime().availableProcessors()));
        b.append("| mode | what | jobs/s median | min | max | µs/job |\n|---|---|---:|---:|---:|---:|\n");
        for (Map.Entry<String, List<Double>> e : results.entrySet()) {
            double med = SpawnBench.median(e.getValue());
            b.append(String.format(Locale.ROOT, "| `%s` | %s | %,.0f | %,.0f | %,.0f | %.1f |%n", e.getKey(),
                    what(e.getKey(), o), med,
                    SpawnBench.min(e.getValue()), SpawnBench.max(e.getValue()), 1e6 / med));
        }
        b.append("\n| ratio | of medians | median of per-round ratios | per-round min – max |\n|---|---:|---:|---:|\n");
        for (Map.Entry<String, List<Double>> e : ratios.entrySet()) {
            String[] ab = e.getKey().split(" / ");
            double ofMedians = SpawnBench.median(results.get(ab[0])) / SpawnBench.median(results.get(ab[1]));
            b.append(String.format(Locale.ROOT, "| `%s` / `%s` | %.3f× | %.3f× | %.3f – %.3f |%n", ab[0], ab[1], ofMedians,
                    SpawnBench.median(e.getValue()), SpawnBench.min(e.getValue()), SpawnBench.max(e.getValue())));
        }
        b.append("\nLatency seen by the bounded modes (Little's law: calls in flight / rate = time a call takes from being"
                + " sent to making room for the next; for the pools also their own measure, `PoolStats.runTime()`: sent to a"
                + " worker → its bookkeeping done, mean), and for the pools how long the batch took, how long"
                + " submitting it, and how long a `stats()` call made right after the last submission took (it waits for"
                + " the pool's lock); medians"
                + " over the rounds:\n\n"
                + "| mode | calls in flight | jobs/s median | in flight / rate (µs) | pool's mean run time (µs) | batch (ms) |"
                + " submitting it (ms) | `stats()` right after (ms) |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Map.Entry<String, Mode> e : modes.entrySet()) {
            String m = e.getKey();
            int inflight;
            if (e.getValue() instanceof RpcWindow) {
                inflight = ((RpcWindow) e.getValue()).window * ((RpcWindow) e.getValue()).clients.length;
            } else if (e.getValue() instanceof DirectDispatch) {
                inflight = ((DirectDispatch) e.getValue()).load * ((DirectDispatch) e.getValue()).clients.length;
            } else if (e.getValue() instanceof PoolJobs && !(e.getValue() instanceof CpuJobs)) {
                inflight = ((PoolJobs) e.getValue()).load * ((PoolJobs) e.getValue()).workers;
            } else {
                continue;
            }
            double med = SpawnBench.median(results.get(m));
            b.append(String.format(Locale.ROOT, "| `%s` | %d | %,.0f | %.1f | %s | %s | %s | %s |%n", m, inflight, med, inflight / med * 1e6,
                    medianOf(runTimes, m), medianOf(runTimes, m + " total"), medianOf(runTimes, m + " submit"),
                    medianOf(runTimes, m + " backlog")));
        }
        b.append("\nWhere the CPU goes, per job (medians over the measured rounds; `/proc/.../task/*/schedstat`; parent threads by"
                + " name, workers = all jfork processes of the run): µs of CPU, µs runnable but waiting for a CPU, times a thread was"
                + " scheduled in.\n\n| mode |");
        for (String c : COLUMNS) {
            b.append(' ').append(c).append(" |");
        }
        b.append("\n|---|");
        for (int i = 0; i < COLUMNS.size(); i++) {
            b.append("---:|");
        }
        b.append('\n');
        for (Map.Entry<String, List<double[]>> e : cpu.entrySet()) {
            b.append("| `").append(e.getKey()).append("` |");
            for (int i = 0; i < COLUMNS.size(); i++) {
                List<Double> v = new ArrayList<>();
                for (double[] r : e.getValue()) {
                    v.add(r[i]);
                }
                double med = SpawnBench.median(v);
                b.append(' ').append(String.format(Locale.ROOT, med >= 100 ? "%,.0f" : med >= 10 ? "%.1f" : "%.2f", med)).append(" |");
            }
            b.append('\n');
        }
        List<Double> cpuMs = new ArrayList<>();
        for (String m : List.of("cpu-1", "cpu-2")) {
            if (modes.get(m) instanceof CpuJobs) {
                cpuMs.addAll(((CpuJobs) modes.get(m)).jobCpuMs);
            }
        }
        if (!cpuMs.isEmpty()) {
            List<Double> cpu2 = cpuMs;
            cpu2.sort(null);
            b.append(String.format(Locale.ROOT, "%nCPU job: `spin(%,d)` (calibrated to %.0f ms here); CPU time per job in the workers "
                    + "(measured rounds): median %.2f ms, p10 %.2f, p90 %.2f, max %.2f.%n", iterations, o.cpuMs,
                    SpawnBench.median(cpu2), cpu2.get(cpu2.size() / 10), cpu2.get(cpu2.size() * 9 / 10), cpu2.get(cpu2.size() - 1)));
        }
        return b.toString();
    }

    static void log(String line) {
        System.err.println("[pool-bench] " + line);
        System.err.flush();
    }
}
