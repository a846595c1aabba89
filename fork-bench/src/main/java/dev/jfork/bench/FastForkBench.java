package dev.jfork.bench;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Stream;
import dev.jfork.Fork;
import dev.jfork.ForkChannel;
import dev.jfork.ForkExit;
import dev.jfork.JvmSpec;


/**
 * Fast fork on the JVM: what spares and class-data archives buy, against a bare JVM with the same
 * flags, all in one run.
 *
 * <ol>
 *   <li><b>Latency</b> from {@code Fork.create()} / {@code template.fork()} / {@code Fork.exec()} (or
 *       {@code ProcessBuilder.start()}) to "the child entered its function" ({@code run} future
 *       completed; first stdout byte for a bare JVM). Variants are interleaved round-robin; before
 *       every measurement the benchmark waits until every template has its spares started and all
 *       of its processes are idle (no CPU time used for a while), so "spares ready" means ready.
 *       "Spares exhausted" is measured twice: templates with {@code spares(0)} (every fork is a
 *       fresh JVM that replays the template) and the third of three forks issued back to back from
 *       a template with 2 spares.
 *   <li><b>Sustained</b> processes per second of {@code create().run(fn)} + exit seen (and
 *       {@code template.fork()}), 1 and 2 in flight, next to the bare JVM, in interleaved slices.
 *   <li><b>Memory</b> (PSS, RSS, Private_Dirty from {@code /proc/PID/smaps_rollup}) of
 *       {@code children} idle forks of a workload template with the class-data archive, without it
 *       ({@code classDataSharing(false)}), and of as many plain JVMs ({@code ProcessBuilder}, same
 *       flags, {@link IdleMain} loading the same classes). The archive is built cold in a fresh
 *       cache directory; the training time is reported.
 * </ol>
 *
 * <p>Options ({@code --name=value}, else system property {@code bench.name}): {@code rounds} (15),
 * {@code warmup} (3), {@code seconds} (10), {@code slice} (2), {@code inflight} ({@code 1,2}),
 * {@code children} (8), {@code memrounds} (2), {@code timeout} (60), {@code java} (the children's
 * {@code java}), {@code parts} ({@code latency,sustained,memory}), {@code memgroups}
 * ({@code archive,no-archive,plain,archive-fixed}), {@code cache} (archive cache
 * root; default a fresh temporary directory, deleted at the end), {@code report} (also write the
 * Markdown report to this file), {@code childopts} (extra JVM options, space-separated, for every
 * child but the default template's). See README.md.
 */
public final class FastForkBench {
    private FastForkBench() {}

    static final String FN = SpawnBench.FUNCTION;
    static final String IDLE_FN = "dev.jfork.bench.Workload.idle";
    private static final int BURST = 3;
    /** Idle = the processes together used at most this many clock ticks (10 ms each) in the window. */
    private static final long QUIET_WINDOW_MS = 200;
    private static final long READY_TIMEOUT_MS = 60_000;
    private static final long ARCHIVE_TIMEOUT_MS = 240_000;

    /** Times the benchmark found the templates not ready (spares missing or busy) within {@link #READY_TIMEOUT_MS}. */
    static int notReady;

    // ------------------------------------------------------------------ options

    static final List<String> PARTS = List.of("latency", "sustained", "memory");

    static final class Options extends SpawnBench.PhaseOptions {
        final int children;
        final int memrounds;
        final long timeout;
        final Path java;
        final List<String> parts;
        final List<String> memgroups;
        final Path cache;
        final String report;
        /** Extra JVM options for every child of the run (space-separated); none by default. */
        final List<String> childopts;

        private Options(BenchArgs a) {
            super(a);
            children = a.integer("children", 8);
            memrounds = a.integer("memrounds", 2);
            timeout = a.longInteger("timeout", 60);
            java = a.path("java", null);
            parts = a.names("parts", PARTS, "part", PARTS);
            memgroups = a.names("memgroups", MEM_GROUPS, "memory group", MEM_GROUPS);
            cache = a.path("cache", null);
            report = a.string("report", null);
            childopts = a.words("childopts");
            if (rounds < 1 || warmup < 0 || seconds < 0 || slice <= 0 || timeout < 1 || children < 1 || memrounds < 1) {
                throw new IllegalArgumentException(
                        "need rounds >= 1, warmup >= 0, seconds >= 0, slice > 0, timeout >= 1, children >= 1, memrounds >= 1");
            }
        }

        static Options parse(String[] args) {
            return BenchArgs.parse(args, Options::new);
        }
    }

    // ------------------------------------------------------------------ templates

    /** A template under test: how to fork it, its pid, spares, and what its class-data archive did. */
    static final class Tpl {
        final String key;
        final Fork fork;
        final Supplier<Fork> forker;
        final int spares;
        /** The template's own archive cache directory (watched for the archive file), or null. */
        final Path cacheDir;
        final boolean archive;
        final long pid;
        String archiveOption;
        double trainMs = Double.NaN;
        double readyMs = Double.NaN;
        long archiveBytes = -1;
        String archiveNote;

        Tpl(String key, Fork fork, Supplier<Fork> forker, int spares, Path cacheDir, boolean archive) {
            this.key = key;
            this.fork = fork;
            this.forker = forker;
            this.spares = spares;
            this.cacheDir = cacheDir;
            this.archive = archive;
            this.pid = fork.pid().orElseThrow();
        }
    }

    /** A template made with {@code Fork.exec(spec).require(classes)}. */
    static Tpl template(String key, JvmSpec spec, String... classes) {
        Fork f = Fork.exec(spec).require(classes);
        return new Tpl(key, f, f::fork, spec.spares(), spec.classDataSharing() ? spec.cacheDirectory() : null,
                spec.classDataSharing());
    }

    /**
     * Makes {@code t} a template (its first fork), waits for its class-data archive (file in the
     * cache directory = trained; a fork with the archive option on its command line = in use) and
     * hands out the spares that were started before the archive, so that every later fork boots
     * from it. Then waits until its spares are ready.
     */
    static void prime(Tpl t, String archivePrefix) throws Exception {
        long t0 = System.nanoTime();
        runOnce(t.forker.get(), FN);
        if (t.archive) {
            long deadline = t0 + ARCHIVE_TIMEOUT_MS * 1_000_000L;
            if (t.cacheDir != null) {
                Path file = null;
                while (file == null && System.nanoTime() < deadline) {
                    file = findArchive(t.cacheDir);
                    if (file == null) {
                        Thread.sleep(20);
                    }
                }
                if (file != null) {
                    t.trainMs = (System.nanoTime() - t0) / 1e6;
                    t.archiveBytes = Files.size(file);
                }
            }
            while (t.archiveOption == null && System.nanoTime() < deadline) {
                String opt = archiveOption(probe(t), archivePrefix);
                if (opt != null) {
                    t.archiveOption = opt;
                    t.readyMs = (System.nanoTime() - t0) / 1e6;
                } else {
                    Thread.sleep(t.cacheDir != null ? 100 : 300);
                }
            }
            if (t.archiveOption == null) {
                t.archiveNote = archiveState(t.fork);
                log("WARNING: " + t.key + ": no fork boots from a class-data archive: " + t.archiveNote);
            } else {
                if (t.archiveBytes < 0) {
                    Path p = Paths.get(t.archiveOption.substring(t.archiveOption.indexOf('=') + 1));
                    t.archiveBytes = Files.isRegularFile(p) ? Files.size(p) : -1;
                }
                // spares started before the archive was ready: hand them out until all idle ones use it
                while (t.spares > 0 && System.nanoTime() < deadline) {
                    Map<Long, List<String>> kids = forkChildren(t.pid);
                    boolean stale = kids.values().stream().anyMatch(a -> archiveOption(a, archivePrefix) == null);
                    if (stale) {
                        probe(t);
                    } else if (kids.size() >= t.spares) {
                        break;
                    } else {
                        Thread.sleep(20);
                    }
                }
            }
        }
        awaitAllReady(List.of(t));
        log(String.format(Locale.ROOT, "template %s (pid %d) primed: archive %s, file after %.0f ms, first fork using it after %.0f ms",
                t.key, t.pid, t.archiveOption == null ? "none" : t.archiveOption, t.trainMs, t.readyMs));
    }

    /** Forks a process, reads its command line and closes it unrun; returns the command line. */
    static List<String> probe(Tpl t) throws Exception {
        Fork f = t.forker.get();
        List<String> argv;
        try {
            argv = SpawnBench.cmdline(f.pid().orElseThrow());
        } finally {
            f.close();
        }
        f.onExit().get(SpawnBench.timeoutSeconds, TimeUnit.SECONDS);
        return argv;
    }

    static void runOnce(Fork f, String fn) throws Exception {
        ForkChannel ch = f.run(fn).get(SpawnBench.timeoutSeconds, TimeUnit.SECONDS);
        ch.close();
        ForkExit e = f.onExit().get(SpawnBench.timeoutSeconds, TimeUnit.SECONDS);
        if (!e.isSuccess()) {
            throw new IllegalStateException(f + " " + e);
        }
    }

    static Path findArchive(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return (n.endsWith(".jsa") || n.endsWith(".aot")) && Files.isRegularFile(p);
            }).findFirst().orElse(null);
        }
    }

    static String archiveOption(List<String> argv, String prefix) {
        for (String a : argv) {
            if (a.startsWith(prefix)) {
                return a;
            }
        }
        return null;
    }

    /**
     * What the template reported about its archive (the package-private
     * {@code ProcessLink.awaitArchive}, through reflection: only for the report when no fork
     * boots from an archive).
     */
    static String archiveState(Fork template) {
        try {
            Method link = Fork.class.getDeclaredMethod("link");
            link.setAccessible(true);
            Object l = link.invoke(template);
            Method await = l.getClass().getDeclaredMethod("awaitArchive", long.class);
            await.setAccessible(true);
            Object s = await.invoke(l, 1000L);
            return s == null ? "the template sent no ARCHIVE report" : s.toString();
        } catch (ReflectiveOperationException | RuntimeException e) {
            return "unknown (" + e + ")";
        }
    }

    /** The template's children that are forks (spares or handed over), not archive training or check JVMs. */
    static Map<Long, List<String>> forkChildren(long templatePid) {
        Map<Long, List<String>> m = new LinkedHashMap<>();
        ProcessHandle.of(templatePid).ifPresent(h -> h.children().forEach(c -> {
            try {
                List<String> a = SpawnBench.cmdline(c.pid());
                if (isFork(a)) {
                    m.put(c.pid(), a);
                }
            } catch (IOException | RuntimeException ignored) {
                // gone meanwhile
            }
        }));
        return m;
    }

    static boolean isFork(List<String> argv) {
        int i = argv.indexOf(SpawnBench.CHILD_MAIN);
        if (i < 0 || i + 5 >= argv.size() || !"child".equals(argv.get(i + 5))) {
            return false;
        }
        for (String a : argv) {
            if (a.startsWith("-XX:ArchiveClassesAtExit") || a.startsWith("-XX:AOTCacheOutput") || a.startsWith("-XX:AOTMode")) {
                return false;
            }
        }
        return true;
    }

    /**
     * Waits until every template has at least its number of spares started and the templates and
     * all their forks used (almost) no CPU for {@link #QUIET_WINDOW_MS}: the spares have booted,
     * replayed and warmed up, nothing is being spawned or compiled.
     */
    static boolean awaitAllReady(Collection<Tpl> templates) throws InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT_MS * 1_000_000L;
        while (System.nanoTime() < deadline) {
            List<Long> pids = new ArrayList<>();
            boolean complete = true;
            for (Tpl t : templates) {
                Map<Long, List<String>> kids = forkChildren(t.pid);
                if (kids.size() < t.spares) {
                    complete = false;
                    break;
                }
                pids.add(t.pid);
                pids.addAll(kids.keySet());
            }
            if (!complete) {
                Thread.sleep(10);
                continue;
            }
            if (quiet(pids, QUIET_WINDOW_MS)) {
                return true;
            }
        }
        notReady++;
        log("WARNING: templates not ready (spares missing or busy) after " + READY_TIMEOUT_MS + " ms; measuring anyway");
        return false;
    }

    /** Whether the processes together used at most 1 + n/4 clock ticks in {@code windowMs}. */
    static boolean quiet(Collection<Long> pids, long windowMs) throws InterruptedException {
        Map<Long, Long> before = new LinkedHashMap<>();
        for (long p : pids) {
            before.put(p, cpuTicks(p));
        }
        Thread.sleep(windowMs);
        long used = 0;
        for (Map.Entry<Long, Long> e : before.entrySet()) {
            long after = cpuTicks(e.getKey());
            if (after >= 0 && e.getValue() >= 0) {
                used += after - e.getValue();
            }
        }
        return used <= 1 + pids.size() / 4;
    }

    /** utime + stime of a process in clock ticks, -1 if it is gone. */
    static long cpuTicks(long pid) {
        long[] t = ticks(pid);
        return t == null ? -1 : t[0];
    }

    /** {utime + stime, cutime + cstime} of a process in clock ticks (children: reaped ones only), zeros if it is gone. */
    static long[] ownAndReapedTicks(long pid) {
        long[] t = ticks(pid);
        return t == null ? new long[2] : t;
    }

    /** {utime + stime, cutime + cstime} from {@code /proc/PID/stat}, null if the process is gone. */
    private static long[] ticks(long pid) {
        try {
            String stat = new String(Files.readAllBytes(Paths.get("/proc", String.valueOf(pid), "stat")), StandardCharsets.US_ASCII);
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new long[] {Long.parseLong(f[11]) + Long.parseLong(f[12]), Long.parseLong(f[13]) + Long.parseLong(f[14])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Clock ticks per second (USER_HZ); 100 on Linux unless told otherwise. */
    static final double TICKS_PER_SECOND = 100.0;

    static Map<String, Long> smapsRollup(long pid) throws IOException {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Paths.get("/proc", String.valueOf(pid), "smaps_rollup"))) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.endsWith(" kB")) {
                m.put(line.substring(0, colon), Long.parseLong(line.substring(colon + 1, line.length() - 3).trim()));
            }
        }
        return m;
    }

    // ------------------------------------------------------------------ latency variants

    /** Three forks back to back from a template with 2 spares; the measured one is the third. */
    static final class BurstVariant extends SpawnBench.Variant {
        private final Tpl template;
        /** Per measured round: ms to run-entered of forks 1 and 2 (spares). */
        final List<double[]> firstTwo = new ArrayList<>();

        BurstVariant(String label, Tpl template) {
            super("burst", label);
            this.template = template;
        }

        @Override
        long[] once() throws Exception {
            Fork[] forks = new Fork[BURST];
            long[] started = new long[BURST];
            List<CompletableFuture<Long>> entered = new ArrayList<>();
            for (int i = 0; i < BURST; i++) {
                started[i] = System.nanoTime();
                forks[i] = template.forker.get();
                entered.add(forks[i].run(FN).thenApply(SpawnBench::enteredAt));
            }
            long[] e = new long[BURST];
            long[] x = new long[BURST];
            for (int i = 0; i < BURST; i++) {
                e[i] = SpawnBench.await(entered.get(i), forks[i]) - started[i];
            }
            for (int i = 0; i < BURST; i++) {
                x[i] = SpawnBench.await(forks[i].onExit().thenApply(SpawnBench::exitedAt), forks[i]) - started[i];
            }
            lastFirstTwo = new double[] {e[0] / 1e6, e[1] / 1e6};
            return new long[] {e[BURST - 1], x[BURST - 1]};
        }

        private double[] lastFirstTwo;

        @Override
        void record(long[] t) {
            super.record(t);
            firstTwo.add(lastFirstTwo);
        }
    }

    // ------------------------------------------------------------------ memory

    /** One group of idle processes, measured once: per-process means (kB) and group figures. */
    static final class MemSample {
        final String group;
        final int round;
        final Map<String, Double> perChild = new LinkedHashMap<>();
        long childrenPss;
        long overheadPss; // template + spares (jfork groups)
        int overheadProcesses;
        int count;
        int archived;
        double trainMs = Double.NaN;
        double readyMs = Double.NaN;
        long archiveBytes = -1;
        String archiveOption;
        String note;

        MemSample(String group, int round) {
            this.group = group;
            this.round = round;
        }
    }

    static final List<String> MEM_GROUPS = List.of("archive", "no-archive", "plain", "archive-fixed");

    static final String[] MEM_FIELDS = {"Pss", "Rss", "Private_Dirty", "Pss_Anon", "Pss_File", "Shared_Clean"};

    static void fill(MemSample s, List<Long> children) throws IOException {
        Map<String, Long> sum = new LinkedHashMap<>();
        for (long pid : children) {
            Map<String, Long> m = smapsRollup(pid);
            for (String f : MEM_FIELDS) {
                sum.merge(f, m.getOrDefault(f, 0L), Long::sum);
            }
        }
        for (String f : MEM_FIELDS) {
            s.perChild.put(f, sum.getOrDefault(f, 0L) / (double) children.size());
        }
        s.childrenPss = sum.getOrDefault("Pss", 0L);
        s.count = children.size();
    }

    /** n idle forks of a workload template with or without the class-data archive. */
    static MemSample jforkGroup(String group, int round, JvmSpec spec, int n, String archivePrefix) throws Exception {
        MemSample s = new MemSample(group, round);
        Tpl t = template(group, spec, WorkloadClasses.NAMES);
        List<Fork> forks = new ArrayList<>();
        List<ForkChannel> channels = new ArrayList<>();
        try {
            prime(t, archivePrefix);
            s.trainMs = t.trainMs;
            s.readyMs = t.readyMs;
            s.archiveBytes = t.archiveBytes;
            s.archiveOption = t.archiveOption;
            s.note = t.archiveNote;
            List<CompletableFuture<ForkChannel>> runs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Fork f = t.forker.get();
                forks.add(f);
                runs.add(f.run(IDLE_FN));
            }
            for (CompletableFuture<ForkChannel> r : runs) {
                channels.add(r.get(SpawnBench.timeoutSeconds, TimeUnit.SECONDS));
            }
            List<Long> pids = new ArrayList<>();
            for (Fork f : forks) {
                long pid = f.pid().orElseThrow();
                pids.add(pid);
                if (archiveOption(SpawnBench.cmdline(pid), archivePrefix) != null) {
                    s.archived++;
                }
            }
            settle(t, n);
            fill(s, pids);
            s.overheadPss = smapsRollup(t.pid).getOrDefault("Pss", 0L);
            s.overheadProcesses = 1;
            for (long k : forkChildren(t.pid).keySet()) {
                if (!pids.contains(k)) {
                    s.overheadPss += smapsRollup(k).getOrDefault("Pss", 0L);
                    s.overheadProcesses++;
                }
            }
            log(String.format(Locale.ROOT, "memory %s round %d: %d children, %d boot from the archive, PSS per child %.1f MB",
                    group, round, s.count, s.archived, s.perChild.get("Pss") / 1024));
        } finally {
            for (ForkChannel c : channels) {
                c.close(); // the child reads end of stream and exits
            }
            for (Fork f : forks) {
                f.close();
                try {
                    f.onExit().get(SpawnBench.timeoutSeconds, TimeUnit.SECONDS);
                } catch (TimeoutException | ExecutionException e) {
                    log("WARNING: idle child did not end: " + e);
                }
            }
            t.fork.close();
            t.fork.onExit().get(SpawnBench.timeoutSeconds, TimeUnit.SECONDS);
        }
        return s;
    }

    /** Waits until the template has its n forks plus its spares and all are idle. */
    static void settle(Tpl t, int n) throws InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT_MS * 1_000_000L;
        while (System.nanoTime() < deadline) {
            Map<Long, List<String>> kids = forkChildren(t.pid);
            if (kids.size() < n + t.spares) {
                Thread.sleep(20);
                continue;
            }
            List<Long> pids = new ArrayList<>(kids.keySet());
            pids.add(t.pid);
            if (quiet(pids, 300)) {
                return;
            }
        }
        notReady++;
        log("WARNING: " + t.key + " did not settle within " + READY_TIMEOUT_MS + " ms; measuring anyway");
    }

    /** n plain JVMs: {@link IdleMain} with the jfork child's flags. */
    static MemSample plainGroup(int round, List<String> command, int n) throws Exception {
        MemSample s = new MemSample("plain", round);
        List<Process> ps = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ps.add(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
            }
            List<Long> pids = new ArrayList<>();
            for (Process p : ps) {
                InputStream out = p.getInputStream();
                int b = CompletableFuture.supplyAsync(() -> {
                    try {
                        return out.read();
                    } catch (IOException e) {
                        return -1;
                    }
                }).get(SpawnBench.timeoutSeconds, TimeUnit.SECONDS);
                if (b < 0) {
                    throw new IOException("plain JVM " + p.pid() + " ended before it was ready");
                }
                pids.add(p.pid());
            }
            long deadline = System.nanoTime() + READY_TIMEOUT_MS * 1_000_000L;
            while (!quiet(pids, 300) && System.nanoTime() < deadline) {
                // settling: JIT and GC threads finishing
            }
            fill(s, pids);
            log(String.format(Locale.ROOT, "memory plain round %d: %d JVMs, PSS per JVM %.1f MB", round, s.count,
                    s.perChild.get("Pss") / 1024));
        } finally {
            for (Process p : ps) {
                p.getOutputStream().close(); // end of stream on its stdin: it returns from main
            }
            for (Process p : ps) {
                if (!p.waitFor(SpawnBench.timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
                p.getInputStream().close();
                p.getErrorStream().close();
            }
        }
        return s;
    }

    // ------------------------------------------------------------------ main

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        SpawnBench.timeoutSeconds = o.timeout;
        String started = SpawnBench.now();
        String loadStart = SpawnBench.loadAverage();
        if (!o.childopts.isEmpty()) {
            log("NOTE: childopts " + o.childopts + " go to every child except the default template's (Fork.create)");
        }
        SpawnBench.ChildJava child = new SpawnBench.ChildJava(o.java);
        boolean customJava = child.other || !o.childopts.isEmpty();
        JvmSpec base = JvmSpec.builder().java(child.path).jvmOptions(o.childopts.toArray(new String[0])).build();
        String archivePrefix = child.feature >= 25 ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=";

        List<String> prefix = SpawnBench.childFlags(customJava, base);
        List<String> bareCmd = with(prefix, BareMain.class.getName());
        List<String> bareWorkCmd = with(prefix, IdleMain.class.getName(), "once");
        List<String> plainIdleCmd = with(prefix, IdleMain.class.getName());
        log("bare JVM command: " + SpawnBench.abbreviate(bareCmd));

        boolean tempCache = o.cache == null;
        Path cacheRoot = tempCache ? Files.createTempDirectory("jfork-fastfork-archives-") : o.cache;
        Files.createDirectories(cacheRoot);
        log("class-data archives of this run's templates: " + cacheRoot + (tempCache ? " (fresh, deleted at the end)" : ""));

        List<Tpl> templates = new ArrayList<>();
        List<SpawnBench.Variant> latency = new ArrayList<>();
        List<SpawnBench.Variant> sustained = new ArrayList<>();
        List<MemSample> memory = new ArrayList<>();
        BurstVariant burst = null;
        int leftovers;
        try {
            boolean spawnParts = o.parts.contains("latency") || o.parts.contains("sustained");
            if (spawnParts) {
                Fork def = Fork.defaultTemplate();
                Tpl tDefault = new Tpl("default", def, Fork::create, JvmSpec.DEFAULT_SPARES, null, true);
                templates.add(tDefault);
                Tpl tFork = template("fork", spec(base, cacheRoot, "fork", JvmSpec.DEFAULT_SPARES), BenchChild.class.getName());
                templates.add(tFork);
                Tpl tFork0 = template("fork0", spec(base, cacheRoot, "fork0", 0), BenchChild.class.getName());
                templates.add(tFork0);
                Tpl tWork = template("work", spec(base, cacheRoot, "work", JvmSpec.DEFAULT_SPARES),
                        WorkloadClasses.with(BenchChild.class.getName()));
                templates.add(tWork);
                Tpl tWork0 = template("work0", spec(base, cacheRoot, "work0", 0), WorkloadClasses.with(BenchChild.class.getName()));
                templates.add(tWork0);
                for (Tpl t : templates) {
                    prime(t, archivePrefix);
                }
                String execLabel = customJava ? "`Fork.exec(spec)" : "`Fork.exec()";
                latency.add(new SpawnBench.JforkVariant("create", "`Fork.create()` (default template), spares ready", Fork::create));
                latency.add(new SpawnBench.JforkVariant("fork", "`template.fork()`, spares ready", tFork.forker));
                latency.add(new SpawnBench.JforkVariant("fork-work", "`workTemplate.fork()`, spares ready", tWork.forker));
                burst = new BurstVariant("`template.fork()` ×" + BURST + " back to back, the " + BURST + "rd (spares exhausted)", tFork);
                latency.add(burst);
                latency.add(new SpawnBench.JforkVariant("fork0", "`template.fork()`, `spares(0)`", tFork0.forker));
                latency.add(new SpawnBench.JforkVariant("fork0-work", "`workTemplate.fork()`, `spares(0)`", tWork0.forker));
                latency.add(new SpawnBench.JforkVariant("exec", execLabel + "`", customJava ? () -> Fork.exec(base) : Fork::exec));
                latency.add(new SpawnBench.JforkVariant("exec-work", execLabel + ".require(workload)`",
                        () -> (customJava ? Fork.exec(base) : Fork.exec()).require(WorkloadClasses.with(BenchChild.class.getName()))));
                latency.add(new SpawnBench.BareVariant("bare JVM, `ProcessBuilder` → `BareMain` (first stdout byte)", bareCmd));
                SpawnBench.BareVariant bareWork = new SpawnBench.BareVariant("bare-work",
                        "bare JVM → `IdleMain once`, loads the workload (first stdout byte)", bareWorkCmd);
                latency.add(bareWork);

                if (o.parts.contains("latency")) {
                    SpawnBench.latencyRounds(o, latency, false, () -> awaitAllReady(templates));
                }
                if (o.parts.contains("sustained")) {
                    for (SpawnBench.Variant v : latency) {
                        if (List.of("create", "fork", "bare").contains(v.key)) {
                            sustained.add(v);
                        }
                    }
                    Map<String, Tpl> templateOf = new LinkedHashMap<>();
                    templateOf.put("create", tDefault);
                    templateOf.put("fork", tFork);
                    SpawnBench.sustainedPhase(o, sustained,
                            (v, k, seconds) -> sustainMeasured(v, k, seconds, templates, templateOf.get(v.key)));
                }
                closeTemplates(templates);
            }
            if (o.parts.contains("memory")) {
                JvmSpec withArchive = base.toBuilder().cacheDirectory(cacheRoot.resolve("memory-archive")).classDataSharing(true).build();
                JvmSpec fixedAddress = base.toBuilder().cacheDirectory(cacheRoot.resolve("memory-archive-fixed"))
                        .fixedArchiveAddress(true).build();
                JvmSpec without = base.toBuilder().classDataSharing(false).build();
                for (int r = 1; r <= o.memrounds; r++) {
                    List<String> order = new ArrayList<>(o.memgroups);
                    if (r % 2 == 0) {
                        Collections.reverse(order);
                    }
                    for (String g : order) {
                        switch (g) {
                            case "archive":
                                memory.add(jforkGroup(g, r, withArchive, o.children, archivePrefix));
                                break;
                            case "archive-fixed":
                                memory.add(jforkGroup(g, r, fixedAddress, o.children, archivePrefix));
                                break;
                            case "no-archive":
                                memory.add(jforkGroup(g, r, without, o.children, archivePrefix));
                                break;
                            default:
                                memory.add(plainGroup(r, plainIdleCmd, o.children));
                                break;
                        }
                    }
                }
            }
        } finally {
            closeTemplates(templates);
            leftovers = SpawnBench.awaitNoChildren(15_000);
            if (tempCache) {
                deleteTree(cacheRoot);
            }
        }
        String loadEnd = SpawnBench.loadAverage();

        SpawnBench.publish(report(o, started, loadStart, loadEnd, child.path, child.version, archivePrefix, templates, latency,
                burst == null ? List.of() : burst.firstTwo, sustained, memory, bareCmd, leftovers), o.report);
        if (leftovers != 0) {
            System.exit(1);
        }
    }

    private static JvmSpec spec(JvmSpec base, Path cacheRoot, String name, int spares) {
        return base.toBuilder().spares(spares).cacheDirectory(cacheRoot.resolve(name)).build();
    }

    private static List<String> with(List<String> prefix, String... more) {
        List<String> l = new ArrayList<>(prefix);
        l.addAll(Arrays.asList(more));
        return l;
    }

    private static void closeTemplates(List<Tpl> templates) throws InterruptedException {
        List<Fork> forks = new ArrayList<>();
        for (Tpl t : templates) {
            forks.add(t.fork);
        }
        SpawnBench.closeTemplates(forks, false);
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log("WARNING: cannot delete " + root + ": " + e);
        }
    }

    // ------------------------------------------------------------------ phases

    /**
     * CPU used per sustained run: variant key × in-flight → {ticks of the processes made, ticks of
     * their template itself, ticks of this JVM itself, processes}. A jfork fork is reaped by its template,
     * so its whole CPU time lands in the template's cutime/cstime when it ends; a bare JVM is reaped
     * by this JVM. Spares still alive at the end of a slice are not counted (not yet reaped).
     */
    static final Map<String, long[]> CPU = new LinkedHashMap<>();

    /**
     * One sustained run of {@code v} ({@link SpawnBench#sustain}) once the templates are ready, with
     * the CPU it cost added to {@link #CPU}; {@code t}: the template that reaps the processes, or null
     * (this JVM reaps them).
     */
    private static long[] sustainMeasured(SpawnBench.Variant v, int k, double seconds, List<Tpl> templates, Tpl t)
            throws InterruptedException {
        long self = ProcessHandle.current().pid();
        awaitAllReady(templates);
        long[] me0 = ownAndReapedTicks(self);
        long[] t0 = t == null ? new long[2] : ownAndReapedTicks(t.pid);
        long[] r = SpawnBench.sustain(v, k, seconds);
        long[] me1 = ownAndReapedTicks(self);
        long[] t1 = t == null ? new long[2] : ownAndReapedTicks(t.pid);
        long[] c = CPU.computeIfAbsent(v.key + "×" + k, x -> new long[4]);
        c[0] += t == null ? me1[1] - me0[1] : t1[1] - t0[1];
        c[1] += t1[0] - t0[0];
        c[2] += me1[0] - me0[0];
        c[3] += r[0];
        return r;
    }

    // ------------------------------------------------------------------ report

    private static String report(Options o, String started, String loadStart, String loadEnd, Path java, String childVm,
            String archivePrefix, List<Tpl> templates, List<SpawnBench.Variant> latency, List<double[]> burstFirstTwo,
            List<SpawnBench.Variant> sustained, List<MemSample> memory, List<String> bareCmd, int leftovers) {
        StringBuilder b = new StringBuilder();
        b.append("### FastForkBench, children on JDK ").append(childVm).append(", ").append(started).append("\n\n");
        b.append("| item | value |\n|---|---|\n");
        b.append("| machine | nproc ").append(Runtime.getRuntime().availableProcessors()).append(", ").append(SpawnBench.cpuModel())
                .append(", Linux ").append(System.getProperty("os.version")).append(" |\n");
        b.append("| parent JVM | ").append(System.getProperty("java.vm.version")).append(" |\n");
        b.append("| children JVM | ").append(childVm).append(" (").append(java).append(") |\n");
        b.append("| fork-core | ").append(SpawnBench.coreLocation()).append(" |\n");
        b.append("| load average (1/5/15 min) | start ").append(loadStart).append(", end ").append(loadEnd).append(" |\n");
        b.append("| flags of every child and bare JVM | `").append(SpawnBench.abbreviate(bareCmd.subList(0, bareCmd.size() - 1)))
                .append("` |\n");
        b.append("| templates found not ready before a measurement (60 s) | ").append(notReady).append(" |\n");
        b.append("| leftover jfork processes | ").append(leftovers).append(" |\n");

        if (!templates.isEmpty()) {
            b.append("\nTemplates of the latency and sustained parts (archives cold, in a fresh cache directory,"
                    + " except the default template's, which uses the user cache `~/.cache/jfork/archives`):\n\n");
            b.append("| template | requires | spares | archive file present after (ms, from the first fork) | first fork booting from it after (ms) | archive size (MB) |\n");
            b.append("|---|---|---:|---:|---:|---:|\n");
            for (Tpl t : templates) {
                String req = t.key.startsWith("work") ? WorkloadClasses.NAMES.length + " workload classes + BenchChild"
                        : t.key.equals("default") ? "nothing" : "BenchChild";
                b.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %s |%n", t.key, req, t.spares, num(t.trainMs, "%.0f"),
                        t.archiveOption == null ? "none: " + t.archiveNote : num(t.readyMs, "%.0f"),
                        t.archiveBytes < 0 ? "–" : String.format(Locale.ROOT, "%.1f", t.archiveBytes / 1048576.0)));
            }
        }

        if (latency.stream().anyMatch(v -> !v.entered.isEmpty())) {
            b.append("\n#### 1. Latency to \"child entered its function\" (ms)\n\n");
            b.append(o.rounds).append(" rounds after ").append(o.warmup)
                    .append(" warm-up, variants interleaved; before every measurement all templates had their spares started"
                            + " and idle. Function: `BenchChild.run` (returns at once).\n\n");
            b.append("| variant | median | min | p90 | median exit seen |\n|---|---:|---:|---:|---:|\n");
            for (SpawnBench.Variant v : latency) {
                b.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f |%n", v.label, SpawnBench.median(v.entered),
                        SpawnBench.min(v.entered), percentile(v.entered, 0.9), SpawnBench.median(v.exited)));
            }
            if (!burstFirstTwo.isEmpty()) {
                List<Double> first = new ArrayList<>();
                List<Double> second = new ArrayList<>();
                for (double[] d : burstFirstTwo) {
                    first.add(d[0]);
                    second.add(d[1]);
                }
                b.append(String.format(Locale.ROOT, "%nIn the burst, forks 1 and 2 (spares) took median %.1f and %.1f ms.%n",
                        SpawnBench.median(first), SpawnBench.median(second)));
            }
            for (SpawnBench.Variant v : latency) {
                if (v.failures > 0) {
                    b.append("\n").append(v.key).append(": ").append(v.failures).append(" failed round(s); first: ")
                            .append(v.firstFailure).append('\n');
                }
            }
            b.append('\n');
            for (String k : List.of("create", "fork", "fork-work")) {
                SpawnBench.Variant v = SpawnBench.find(latency, k);
                if (v != null && !v.entered.isEmpty()) {
                    double m = SpawnBench.median(v.entered);
                    b.append(String.format(Locale.ROOT, "* **%s with spares: p50 %.1f ms — target ≤ 2 ms %s**%n", k, m,
                            m <= 2.0 ? "met" : "MISSED (" + String.format(Locale.ROOT, "%.2f×", m / 2.0) + " the target)"));
                }
            }
            ratiosTo(b, latency, "bare", List.of("burst", "fork0", "exec"), "* %s / bare JVM: %.2f× (medians %.1f / %.1f ms)%n");
            ratiosTo(b, latency, "bare-work", List.of("fork-work", "fork0-work", "exec-work"),
                    "* %s / bare JVM loading the workload: %.3f× (medians %.1f / %.1f ms)%n");
        }

        if (sustained.stream().anyMatch(v -> !v.sustained.isEmpty())) {
            int slices = o.slices();
            b.append("\n#### 2. Sustained processes per second (start → run entered → exit seen, back to back)\n\n");
            b.append(String.format(Locale.ROOT, "%.0f s per variant and in-flight count, in %d interleaved slices of %.1f s;"
                    + " templates ready at the start of each slice. CPU per process (user + system, from /proc/PID/stat):"
                    + " process = the processes made, whole life (a fork is reaped by its template, so it lands in the template's"
                    + " cutime/cstime; a bare JVM in the benchmark JVM's); template = the template's own time; parent = the"
                    + " benchmark JVM's own time; each divided by the processes made.%n%n", o.seconds, slices, o.seconds / slices));
            SpawnBench.tableHead(b, "| variant", o.inflight,
                    k -> " | " + k + " in flight (/s) | ratio to bare | CPU ms per process: process / template / parent", "|---",
                    "|---:|---:|---:");
            SpawnBench.Variant bare = SpawnBench.find(sustained, "bare");
            for (SpawnBench.Variant v : sustained) {
                b.append("| ").append(v.label);
                for (int k : o.inflight) {
                    double rate = rate(v, k);
                    double br = bare == null ? Double.NaN : rate(bare, k);
                    b.append(String.format(Locale.ROOT, " | %.1f", rate));
                    long[] s = v.sustained.get(k);
                    if (s != null && s[2] > 0) {
                        b.append(" (").append(s[2]).append(" failed)");
                    }
                    b.append(String.format(Locale.ROOT, " | %.2f×", rate / br));
                    long[] c = CPU.get(v.key + "×" + k);
                    if (c == null || c[3] == 0) {
                        b.append(" | –");
                    } else {
                        double per = 1000 / TICKS_PER_SECOND / c[3];
                        b.append(String.format(Locale.ROOT, " | %.0f / %.1f / %.1f", c[0] * per, c[1] * per, c[2] * per));
                    }
                }
                b.append(" |\n");
            }
            b.append('\n');
            SpawnBench.Variant create = SpawnBench.find(sustained, "create");
            if (create != null && bare != null) {
                for (int k : o.inflight) {
                    double ratio = rate(create, k) / rate(bare, k);
                    b.append(String.format(Locale.ROOT, "* **create, %d in flight: %.2f× the bare JVM rate — target ≥ 0.9× %s**%n", k,
                            ratio, ratio >= 0.9 ? "met" : "MISSED"));
                }
            }
        }

        if (!memory.isEmpty()) {
            b.append("\n#### 3. Memory of ").append(o.children).append(" idle processes (MB per process, from /proc/PID/smaps_rollup)\n\n");
            b.append("Workload: the template requires ").append(WorkloadClasses.NAMES.length)
                    .append(" classes (java.util.concurrent, NIO Unix-domain sockets + Selector, java.time, regex, Formatter, Kryo;"
                            + " `Workload`'s static initialiser uses them); each fork has entered `Workload.idle`, which blocks reading"
                            + " its channel. Plain JVMs run `IdleMain` (same flags, loads the same classes in the same order, then"
                            + " blocks reading stdin). Groups measured one at a time, ")
                    .append(o.memrounds).append(" round(s), order alternating; medians over rounds. Sampled once every process"
                            + " of the group was idle (CPU) and the template had replaced its spares.\n\n");
            b.append("| group | PSS | RSS | Private_Dirty | Pss_Anon | Pss_File | Shared_Clean | forks booting from the archive"
                    + " | group total PSS incl. template + spares |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            Map<String, Double> pss = new LinkedHashMap<>();
            for (String g : MEM_GROUPS) {
                List<MemSample> ss = new ArrayList<>();
                for (MemSample s : memory) {
                    if (s.group.equals(g)) {
                        ss.add(s);
                    }
                }
                if (ss.isEmpty()) {
                    continue;
                }
                String label = g.equals("archive") ? "jfork forks, class-data archive (`" + archivePrefix + "…`)"
                        : g.equals("no-archive") ? "jfork forks, `classDataSharing(false)`"
                        : g.equals("plain") ? "plain JVMs (`ProcessBuilder`, `IdleMain`)"
                        : "jfork forks, archive + `fixedArchiveAddress(true)` (all processes of the line)";
                b.append("| ").append(label);
                for (String f : MEM_FIELDS) {
                    List<Double> vals = new ArrayList<>();
                    for (MemSample s : ss) {
                        vals.add(s.perChild.get(f) / 1024);
                    }
                    double m = SpawnBench.median(vals);
                    if (f.equals("Pss")) {
                        pss.put(g, m);
                    }
                    b.append(String.format(Locale.ROOT, " | %.1f", m));
                }
                StringBuilder archived = new StringBuilder();
                List<Double> totals = new ArrayList<>();
                for (MemSample s : ss) {
                    if (archived.length() > 0) {
                        archived.append(", ");
                    }
                    archived.append(g.equals("plain") ? "–" : s.archived + "/" + s.count);
                    totals.add((s.childrenPss + s.overheadPss) / 1024.0);
                }
                b.append(" | ").append(g.equals("plain") ? "–" : archived.toString());
                b.append(String.format(Locale.ROOT, " | %.0f", SpawnBench.median(totals)));
                if (!g.equals("plain")) {
                    b.append(" (").append(ss.get(0).overheadProcesses).append(" extra processes)");
                }
                b.append(" |\n");
            }
            b.append("\nPer round, PSS per process (MB): ");
            List<String> parts = new ArrayList<>();
            for (MemSample s : memory) {
                parts.add(String.format(Locale.ROOT, "r%d %s %.1f", s.round, s.group, s.perChild.get("Pss") / 1024));
            }
            b.append(String.join("; ", parts)).append(".\n\n");
            for (MemSample s : memory) {
                if (s.group.startsWith("archive")) {
                    b.append(String.format(Locale.ROOT, "* %s, round %d: %s; archive file present %s ms after the template's first"
                                    + " fork was asked for, first fork booting from it after %s ms; %s MB%s%n", s.group, s.round,
                            s.archiveOption == null ? "NO ARCHIVE (" + s.note + ")" : "`" + s.archiveOption.replaceFirst("=.*/", "=…/") + "`",
                            num(s.trainMs, "%.0f"), num(s.readyMs, "%.0f"),
                            s.archiveBytes < 0 ? "–" : String.format(Locale.ROOT, "%.1f", s.archiveBytes / 1048576.0),
                            s.round == 1 ? " (cold: trained in this run)" : " (warm: found, built in round 1; checked again)"));
                }
            }
            Double a = pss.get("archive");
            Double n = pss.get("no-archive");
            Double p = pss.get("plain");
            if (a != null && n != null) {
                double ratio = a / n;
                b.append(String.format(Locale.ROOT, "* **fork PSS with archive / without: %.2f× (%.1f / %.1f MB) — target ≤ 0.6× %s**%n",
                        ratio, a, n, ratio <= 0.6 ? "met" : "MISSED"));
            }
            if (a != null && p != null) {
                b.append(String.format(Locale.ROOT, "* fork PSS with archive / plain JVM: %.2f× (%.1f / %.1f MB)%n", a / p, a, p));
            }
            if (n != null && p != null) {
                b.append(String.format(Locale.ROOT, "* fork PSS without archive / plain JVM: %.2f× (%.1f / %.1f MB)%n", n / p, n, p));
            }
            Double x = pss.get("archive-fixed");
            if (x != null && n != null) {
                b.append(String.format(Locale.ROOT, "* **fork PSS with archive and `fixedArchiveAddress(true)` / without archive:"
                        + " %.2f× (%.1f / %.1f MB) — target ≤ 0.6× %s**%n", x / n, x, n, x / n <= 0.6 ? "met" : "MISSED"));
            }
        }
        return b.toString();
    }

    /**
     * One line ({@code format}: key, ratio, median, base median) for each of {@code keys} measured,
     * its median latency over that of {@code baseKey}; nothing if {@code baseKey} was not measured.
     */
    private static void ratiosTo(StringBuilder b, List<SpawnBench.Variant> latency, String baseKey, List<String> keys, String format) {
        SpawnBench.Variant base = SpawnBench.find(latency, baseKey);
        if (base == null || base.entered.isEmpty()) {
            return;
        }
        double bm = SpawnBench.median(base.entered);
        for (String k : keys) {
            SpawnBench.Variant v = SpawnBench.find(latency, k);
            if (v != null && !v.entered.isEmpty()) {
                b.append(String.format(Locale.ROOT, format, k, SpawnBench.median(v.entered) / bm, SpawnBench.median(v.entered), bm));
            }
        }
    }

    private static double rate(SpawnBench.Variant v, int k) {
        long[] s = v.sustained.get(k);
        return s == null || s[1] == 0 ? Double.NaN : s[0] * 1e9 / s[1];
    }

    private static String num(double v, String fmt) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, fmt, v);
    }

    static double percentile(List<Double> values, double q) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] a = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        int i = (int) Math.ceil(q * a.length) - 1;
        return a[Math.max(0, Math.min(a.length - 1, i))];
    }

    static void log(String line) {
        SpawnBench.log(line);
    }

}
