package dev.jfork.bench;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import dev.jfork.Fork;
import dev.jfork.ForkChannel;
import dev.jfork.ForkExit;
import dev.jfork.JvmSpec;


/**
 * How fast fork-core makes processes, against a bare JVM with the same flags.
 *
 * <p>Variants, measured interleaved (round-robin, warm-up rounds excluded):
 * <ul>
 *   <li>{@code exec}: {@code Fork.exec().run(fn)};
 *   <li>{@code create}: {@code Fork.create().run(fn)} (a fork of the default template);
 *   <li>{@code fork}: {@code template.fork().run(fn)}, template = {@code Fork.exec().require(BenchChild)};
 *   <li>{@code bare}: {@code ProcessBuilder} running {@link BareMain} with the command line of a
 *       jfork child ({@code java}, options, {@code -cp}) up to its main class.
 * </ul>
 * For each: start until the run function was entered ({@code run} future completed; for the bare
 * JVM: first byte on its stdout) and start until its exit was seen ({@code onExit} completed; for
 * the bare JVM: {@code waitFor} returned). Then processes per second, back to back for a number
 * of seconds with 1 and with 2 in flight, again interleaved in slices. Before each measurement and
 * each slice the benchmark waits until its jfork processes are idle, so that a template starting a
 * replacement spare does not slow down the next variant.
 *
 * <p>Options ({@code --name=value} or {@code name=value} arguments, else system property
 * {@code bench.name}): {@code rounds} (15), {@code warmup} (3), {@code seconds} (10, per variant and
 * in-flight count), {@code slice} (2, seconds per interleaved slice of the sustained phase),
 * {@code inflight} ({@code 1,2}), {@code variants} ({@code exec,create,fork,bare}), {@code java}
 * (the children's {@code java}; default the current one), {@code report} (also write the Markdown
 * report to this file).
 */
public final class SpawnBench {
    private SpawnBench() {}

    static final String FUNCTION = BenchChild.class.getName() + ".run";
    /** Per process: how long to wait for run-entered and for exit-seen (option {@code timeout}). */
    static long timeoutSeconds = 30;
    /** A variant that failed this often in the latency rounds is dropped from the rest of the run. */
    private static final int MAX_FAILURES = 3;
    static final String CHILD_MAIN = "dev.jfork.internal.child.ChildMain";

    // ------------------------------------------------------------------ options

    static final List<String> VARIANTS = List.of("exec", "create", "fork", "bare");

    /** The options of the latency rounds and the sustained phase, the same in SpawnBench and FastForkBench. */
    static class PhaseOptions {
        final int rounds;
        final int warmup;
        final double seconds;
        final double slice;
        final List<Integer> inflight;

        PhaseOptions(BenchArgs a) {
            rounds = a.integer("rounds", 15);
            warmup = a.integer("warmup", 3);
            seconds = a.decimal("seconds", 10);
            slice = a.decimal("slice", 2);
            inflight = a.ints("inflight", List.of(1, 2));
        }

        /** How many interleaved slices of about {@code slice} seconds the sustained phase's {@code seconds} make. */
        int slices() {
            return Math.max(1, (int) Math.round(seconds / slice));
        }
    }

    static final class Options extends PhaseOptions {
        final List<String> variants;
        final long timeout;
        final Path java;
        final String report;

        private Options(BenchArgs a) {
            super(a);
            variants = a.names("variants", VARIANTS, "variant", VARIANTS);
            timeout = a.longInteger("timeout", 30);
            java = a.path("java", null);
            report = a.string("report", null);
            if (rounds < 1 || warmup < 0 || seconds < 0 || slice <= 0 || timeout < 1) {
                throw new IllegalArgumentException("need rounds >= 1, warmup >= 0, seconds >= 0, slice > 0, timeout >= 1");
            }
        }

        static Options parse(String[] args) {
            return BenchArgs.parse(args, Options::new);
        }
    }

    // ------------------------------------------------------------------ variants

    /** One way of making a process; {@link #once} makes one and returns {run-entered, exit-seen} in ns. */
    abstract static class Variant {
        final String key;
        final String label;
        final List<Double> entered = new ArrayList<>();
        final List<Double> exited = new ArrayList<>();
        final Map<Integer, long[]> sustained = new LinkedHashMap<>(); // inflight -> {processes, nanos, failures}
        int failures;
        String firstFailure;

        Variant(String key, String label) {
            this.key = key;
            this.label = label;
        }

        abstract long[] once() throws Exception;

        /** Failed {@link SpawnBench#MAX_FAILURES} times: left out of the rest of the run. */
        boolean dropped() {
            return failures >= MAX_FAILURES;
        }

        /** {@link #once}, or null after a failure: counted, logged, and marked in the progress {@code line}. */
        long[] attempt(StringBuilder line) {
            try {
                return once();
            } catch (Exception e) {
                failures++;
                if (firstFailure == null) {
                    firstFailure = e.toString();
                }
                line.append("  ").append(key).append(" FAILED");
                log("FAILED: " + key + ": " + e + (dropped() ? " (dropping this variant)" : ""));
                return null;
            }
        }

        /** Keeps a measured (not warm-up) result of {@link #once}, in ms. */
        void record(long[] t) {
            entered.add(t[0] / 1e6);
            exited.add(t[1] / 1e6);
        }
    }

    /** A jfork variant: make the Fork, run the trivial function, wait for run entered and exit seen. */
    static final class JforkVariant extends Variant {
        private final java.util.function.Supplier<Fork> starter;

        JforkVariant(String key, String label, java.util.function.Supplier<Fork> starter) {
            super(key, label);
            this.starter = starter;
        }

        @Override
        long[] once() throws Exception {
            long t0 = System.nanoTime();
            Fork f = starter.get();
            CompletableFuture<Long> entered = f.run(FUNCTION).thenApply(SpawnBench::enteredAt);
            CompletableFuture<Long> exited = f.onExit().thenApply(SpawnBench::exitedAt);
            long tRun = await(entered, f);
            long tExit = await(exited, f);
            return new long[] {tRun - t0, tExit - t0};
        }
    }

    /** The bare JVM: ProcessBuilder with the child's command line and {@link BareMain}. */
    static final class BareVariant extends Variant {
        private final List<String> command;

        BareVariant(String label, List<String> command) {
            this("bare", label, command);
        }

        BareVariant(String key, String label, List<String> command) {
            super(key, label);
            this.command = command;
        }

        @Override
        long[] once() throws Exception {
            ProcessBuilder pb = new ProcessBuilder(command).redirectInput(new File("/dev/null"))
                    .redirectError(ProcessBuilder.Redirect.INHERIT);
            long t0 = System.nanoTime();
            Process p = pb.start();
            try (InputStream in = p.getInputStream()) {
                int b = in.read();
                long tOut = System.nanoTime();
                if (b < 0) {
                    throw new IOException("bare JVM wrote nothing (exit " + p.waitFor() + ")");
                }
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new TimeoutException("bare JVM did not exit within " + timeoutSeconds + " s");
                }
                long tExit = System.nanoTime();
                if (p.exitValue() != 0) {
                    throw new IOException("bare JVM exited with " + p.exitValue());
                }
                return new long[] {tOut - t0, tExit - t0};
            } finally {
                p.getErrorStream().close();
                p.getOutputStream().close();
            }
        }
    }

    static long enteredAt(ForkChannel channel) {
        long t = System.nanoTime();
        try {
            channel.close(); // our end; the child's function returns at once anyway
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return t;
    }

    static long exitedAt(ForkExit exit) {
        long t = System.nanoTime();
        if (!exit.isSuccess()) {
            throw new IllegalStateException("child " + exit);
        }
        return t;
    }

    static long await(CompletableFuture<Long> f, Fork fork) throws Exception {
        try {
            return f.get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof Exception ? (Exception) c : e;
        } catch (TimeoutException e) {
            throw new TimeoutException(fork + ": no answer within " + timeoutSeconds + " s");
        }
    }

    // ------------------------------------------------------------------ main

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        timeoutSeconds = o.timeout;
        String started = now();
        String loadStart = loadAverage();
        ChildJava child = new ChildJava(o.java);
        boolean customJava = child.other;
        JvmSpec spec = JvmSpec.builder().java(child.path).build();

        // the jfork child's real command line, read from /proc, and the bare command derived from it
        List<String> bare = childFlags(customJava, spec);
        bare.add(BareMain.class.getName());
        List<String> expected = expectedBareCommand(spec, child.feature);
        boolean matches = expected.equals(bare);
        if (!matches) {
            log("NOTE: the bare command built from JvmSpec + JvmCommand's rules differs from the child's /proc cmdline;"
                    + " using the /proc one.\n  built: " + expected + "\n  /proc: " + bare);
        }
        log("bare JVM command: " + abbreviate(bare));

        Fork template = null;
        List<Variant> variants = new ArrayList<>();
        for (String v : o.variants) {
            switch (v) {
                case "exec":
                    variants.add(new JforkVariant("exec", customJava ? "jfork `Fork.exec(spec).run(fn)`" : "jfork `Fork.exec().run(fn)`",
                            customJava ? () -> Fork.exec(spec) : Fork::exec));
                    break;
                case "create":
                    variants.add(new JforkVariant("create", "jfork `Fork.create().run(fn)`", Fork::create));
                    break;
                case "fork": {
                    Fork t = (customJava ? Fork.exec(spec) : Fork.exec()).require(BenchChild.class.getName());
                    template = t;
                    variants.add(new JforkVariant("fork", "jfork `template.fork().run(fn)`", t::fork));
                    break;
                }
                default:
                    variants.add(new BareVariant("bare JVM, `ProcessBuilder` (run-entered = first stdout byte)", bare));
                    break;
            }
        }

        try {
            latencyRounds(o, variants, true, SpawnBench::settle);
            sustainedPhase(o, variants, (v, k, seconds) -> {
                settle();
                return sustain(v, k, seconds);
            });
        } finally {
            shutdown(template, o.variants.contains("create"));
        }
        String loadEnd = loadAverage();
        int leftovers = awaitNoChildren(10_000);

        publish(report(o, started, loadStart, loadEnd, child.path, child.version, variants, bare, matches, leftovers), o.report);
        if (leftovers != 0) {
            System.exit(1);
        }
    }

    /** The time now, to the minute, UTC: when a run started. */
    static String now() {
        return ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"));
    }

    /** The children's {@code java} (option {@code java}, default the running JVM's) and its version; logged. */
    static final class ChildJava {
        final Path path;
        /** Not the running JVM's {@code java}. */
        final boolean other;
        final String version;
        final int feature;

        ChildJava(Path option) throws Exception {
            Path current = Paths.get(System.getProperty("java.home"), "bin", "java");
            path = option != null ? option : current;
            other = !path.equals(current);
            if (other) {
                // the default template (Fork.create) is started with JvmSpec.defaults(), which reads this
                System.setProperty("jfork.java", path.toString());
            }
            version = probeVersion(path);
            feature = featureOf(version);
            log("children: " + path + " = " + version);
        }
    }

    /**
     * Prints the report on stdout after a blank line and, if {@code file} is set, writes it there too
     * (making its directory).
     */
    static void publish(String report, String file) throws IOException {
        System.out.println();
        System.out.println(report);
        System.out.flush();
        if (file != null) {
            Path out = Paths.get(file);
            if (out.getParent() != null) {
                Files.createDirectories(out.getParent());
            }
            Files.write(out, report.getBytes(StandardCharsets.UTF_8));
            log("report written to " + out.toAbsolutePath());
        }
    }

    // ------------------------------------------------------------------ phases

    /** What to wait for before each measurement. */
    interface Ready {
        void await() throws InterruptedException;
    }

    /**
     * The latency rounds: the variants interleaved round-robin, {@code ready} awaited before each
     * measurement, warm-up rounds not recorded. One progress line per round: ms to run-entered, and
     * to exit-seen if {@code logExit}.
     */
    static void latencyRounds(PhaseOptions o, List<? extends Variant> variants, boolean logExit, Ready ready)
            throws InterruptedException {
        for (int r = 0; r < o.warmup + o.rounds; r++) {
            StringBuilder line = new StringBuilder(r < o.warmup ? "warm-up " + (r + 1) + "/" + o.warmup
                    : "round " + (r - o.warmup + 1) + "/" + o.rounds);
            line.append(logExit ? " (ms to run-entered / exit-seen):" : " (ms to run-entered):");
            for (Variant v : variants) {
                if (v.dropped()) {
                    continue;
                }
                ready.await();
                long[] t = v.attempt(line);
                if (t == null) {
                    continue;
                }
                if (r >= o.warmup) {
                    v.record(t);
                }
                line.append(logExit ? String.format(Locale.ROOT, "  %s %.1f/%.1f", v.key, t[0] / 1e6, t[1] / 1e6)
                        : String.format(Locale.ROOT, "  %s %.1f", v.key, t[0] / 1e6));
            }
            log(line.toString());
        }
    }

    /** One sustained run of a variant (see {@link #sustain}): {processes, elapsed ns, failures}. */
    interface Sustain {
        long[] run(Variant v, int inflight, double seconds) throws InterruptedException;
    }

    /**
     * The sustained phase: {@code o.seconds} per variant and in-flight count, in interleaved slices,
     * each run by {@code sustain}; nothing if {@code o.seconds} is 0 or {@code o.inflight} empty.
     */
    static void sustainedPhase(PhaseOptions o, List<? extends Variant> variants, Sustain sustain) throws InterruptedException {
        if (o.seconds <= 0 || o.inflight.isEmpty()) {
            return;
        }
        int slices = o.slices();
        double sliceSeconds = o.seconds / slices;
        log(String.format(Locale.ROOT, "sustained: %.1f s per variant and in-flight count, %d interleaved slice(s) of %.1f s",
                o.seconds, slices, sliceSeconds));
        for (int s = 0; s < slices; s++) {
            StringBuilder line = new StringBuilder("slice " + (s + 1) + "/" + slices + " (processes/s):");
            for (int k : o.inflight) {
                for (Variant v : variants) {
                    if (v.dropped()) {
                        continue;
                    }
                    long[] r = sustain.run(v, k, sliceSeconds);
                    long[] acc = v.sustained.computeIfAbsent(k, x -> new long[3]);
                    acc[0] += r[0];
                    acc[1] += r[1];
                    acc[2] += r[2];
                    line.append(String.format(Locale.ROOT, "  %s×%d %.1f", v.key, k, r[0] * 1e9 / r[1]));
                }
            }
            log(line.toString());
        }
    }

    /**
     * Waits (at most 30 s) until every jfork process of this run is idle: a template replaces a
     * spare it handed out at once, and that JVM's start would otherwise be timed as part of the
     * next variant (the bare JVM after {@code fork}, for example). Counted in {@link #unsettled}.
     */
    static void settle() throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (FastForkBench.quiet(ourChildren(), 200)) {
                return;
            }
        }
        unsettled++;
    }

    /** Measurements started although jfork processes were still busy after 30 s. */
    static int unsettled;

    /**
     * Runs {@code inflight} back-to-back loops of {@link Variant#once} until the deadline; loops
     * finish the process they have started. Returns {processes, elapsed ns until the last exit,
     * failures}.
     */
    static long[] sustain(Variant v, int inflight, double seconds) throws InterruptedException {
        AtomicLong done = new AtomicLong();
        AtomicInteger failures = new AtomicInteger();
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        Thread[] threads = new Thread[inflight];
        for (int i = 0; i < inflight; i++) {
            threads[i] = new Thread(() -> {
                while (System.nanoTime() < deadline) {
                    try {
                        v.once();
                        done.incrementAndGet();
                    } catch (Exception e) {
                        if (failures.incrementAndGet() <= MAX_FAILURES) {
                            log("FAILED in sustained " + v.key + ": " + e);
                        }
                        if (failures.get() > 2 * MAX_FAILURES) {
                            break;
                        }
                    }
                }
            }, "bench-" + v.key + "-" + i);
            threads[i].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        return new long[] {done.get(), System.nanoTime() - start, failures.get()};
    }

    private static void shutdown(Fork template, boolean usedDefault) throws InterruptedException {
        List<Fork> templates = new ArrayList<>();
        if (template != null) {
            templates.add(template);
        }
        if (usedDefault) {
            templates.add(Fork.defaultTemplate());
        }
        closeTemplates(templates, true);
    }

    /** Closes the templates, then waits for each to end ({@code logExit}: and logs how). */
    static void closeTemplates(List<Fork> templates, boolean logExit) throws InterruptedException {
        List<CompletableFuture<ForkExit>> ends = new ArrayList<>();
        for (Fork t : templates) {
            t.close();
            ends.add(t.onExit());
        }
        for (CompletableFuture<ForkExit> e : ends) {
            try {
                ForkExit exit = e.get(timeoutSeconds, TimeUnit.SECONDS);
                if (logExit) {
                    log("template " + exit);
                }
            } catch (TimeoutException | ExecutionException ex) {
                log("WARNING: a template did not end: " + ex);
            }
        }
    }

    // ------------------------------------------------------------------ command lines

    /** The command line of a process made with {@code Fork.exec}, read from {@code /proc}; it is closed unused. */
    static List<String> execChildCommandLine(boolean customJava, JvmSpec spec) throws Exception {
        Fork probe = customJava ? Fork.exec(spec) : Fork.exec();
        try {
            long pid = probe.pid().orElseThrow();
            return cmdline(pid);
        } finally {
            probe.close();
            probe.onExit().get(timeoutSeconds, TimeUnit.SECONDS);
        }
    }

    /**
     * The command line of a {@code Fork.exec} child up to its main class: the flags of every child
     * (and bare JVM). Without the class-data archive options of a program's first process (the
     * probe is one: it records its classes, or maps their archive): they are jfork's own
     * optimisation of that process, which the bare JVM should neither pay for nor get.
     */
    static List<String> childFlags(boolean customJava, JvmSpec spec) throws Exception {
        List<String> argv = execChildCommandLine(customJava, spec);
        int main = argv.indexOf(CHILD_MAIN);
        if (main < 0) {
            throw new IllegalStateException("no " + CHILD_MAIN + " in the child's command line " + argv);
        }
        List<String> flags = new ArrayList<>(argv.subList(0, main));
        flags.removeIf(a -> a.startsWith("-XX:DumpLoadedClassList=") || a.startsWith("-XX:SharedArchiveFile=") || a.startsWith("-Xlog:cds"));
        return flags;
    }

    /** What {@code JvmCommand.argv} gives for {@code spec}, up to the main class (here {@link BareMain}). */
    private static List<String> expectedBareCommand(JvmSpec spec, int feature) {
        List<String> c = new ArrayList<>();
        c.add(spec.java().toString());
        if (spec.leanFlags()) {
            c.add("-XX:-UsePerfData");
        }
        if (spec.fixedArchiveAddress()) {
            c.add("-XX:+UnlockDiagnosticVMOptions");
            c.add("-XX:ArchiveRelocationMode=0");
        }
        c.addAll(spec.jvmOptions());
        for (Map.Entry<String, String> p : spec.systemProperties().entrySet()) {
            c.add("-D" + p.getKey() + "=" + p.getValue());
        }
        c.add("--enable-native-access=ALL-UNNAMED");
        if (feature >= 23) {
            c.add("--sun-misc-unsafe-memory-access=allow");
        }
        c.add("-cp");
        c.add(String.join(File.pathSeparator, spec.classPath()));
        c.add(BareMain.class.getName());
        return c;
    }

    static List<String> cmdline(long pid) throws IOException {
        byte[] raw = Files.readAllBytes(Paths.get("/proc", String.valueOf(pid), "cmdline"));
        List<String> argv = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                argv.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return argv;
    }

    static String abbreviate(List<String> command) {
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < command.size(); i++) {
            String a = command.get(i);
            if (i > 0 && "-cp".equals(command.get(i - 1))) {
                int n = a.split(File.pathSeparator).length;
                shown.add("<" + n + " class path entries>");
            } else {
                shown.add(a);
            }
        }
        return String.join(" ", shown);
    }

    static String probeVersion(Path java) throws Exception {
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"), Probe.class.getName())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (InputStream in = p.getInputStream()) {
            String out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0 || out.isEmpty()) {
                throw new IOException("cannot run " + java + " (exit " + p.exitValue() + ")");
            }
            return out;
        }
    }

    static int featureOf(String vmVersion) {
        int end = 0;
        while (end < vmVersion.length() && Character.isDigit(vmVersion.charAt(end))) {
            end++;
        }
        return Integer.parseInt(vmVersion.substring(0, end));
    }

    // ------------------------------------------------------------------ machine and leftovers

    static String loadAverage() {
        try {
            String[] f = new String(Files.readAllBytes(Paths.get("/proc/loadavg")), StandardCharsets.US_ASCII).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException ignored) {
            // fall through
        }
        return System.getProperty("os.arch");
    }

    /** jfork processes (any {@code ChildMain}) whose owner is this JVM. */
    static List<Long> ourChildren() {
        return ownedBy(ProcessHandle.current().pid());
    }

    /** jfork processes ({@code ChildMain}) whose owner (the launch line's owner pid) is {@code pid}. */
    static List<Long> ownedBy(long pid) {
        List<Long> found = new ArrayList<>();
        String owner = String.valueOf(pid);
        File[] procs = new File("/proc").listFiles();
        if (procs == null) {
            return found;
        }
        for (File p : procs) {
            String name = p.getName();
            if (!name.chars().allMatch(Character::isDigit)) {
                continue;
            }
            try {
                List<String> argv = cmdline(Long.parseLong(name));
                int m = argv.indexOf(CHILD_MAIN);
                if (m >= 0 && m + 2 < argv.size() && owner.equals(argv.get(m + 2))) {
                    found.add(Long.parseLong(name));
                }
            } catch (IOException | RuntimeException ignored) {
                // gone meanwhile
            }
        }
        return found;
    }

    static int awaitNoChildren(long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        List<Long> left = ourChildren();
        while (!left.isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
            left = ourChildren();
        }
        if (!left.isEmpty()) {
            log("WARNING: jfork processes of this run still alive: " + left);
        }
        return left.size();
    }

    // ------------------------------------------------------------------ report

    private static String report(Options o, String started, String loadStart, String loadEnd, Path java, String childVm,
            List<Variant> variants, List<String> bare, boolean bareMatches, int leftovers) {
        StringBuilder b = new StringBuilder();
        b.append("### SpawnBench, ").append(started).append("\n\n");
        b.append("| item | value |\n|---|---|\n");
        b.append("| machine | ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs (nproc), ").append(cpuModel())
                .append(", Linux ").append(System.getProperty("os.version")).append(" |\n");
        b.append("| parent JVM | ").append(System.getProperty("java.vm.version")).append(" (").append(System.getProperty("java.home"))
                .append(") |\n");
        b.append("| fork-core | ").append(coreLocation()).append(" |\n");
        b.append("| children JVM | ").append(childVm).append(" (").append(java).append(") |\n");
        b.append("| load average (1/5/15 min) | start ").append(loadStart).append(", end ").append(loadEnd).append(" |\n");
        b.append("| latency | ").append(o.rounds).append(" rounds after ").append(o.warmup).append(" warm-up, variants interleaved (")
                .append(String.join(" ", o.variants)).append(" ...) |\n");
        if (o.seconds > 0 && !o.inflight.isEmpty()) {
            int slices = o.slices();
            b.append(String.format(Locale.ROOT, "| sustained | %.0f s per variant and in-flight count, in %d interleaved slices of %.1f s |\n",
                    o.seconds, slices, o.seconds / slices));
        }
        b.append("| before each measurement | waited until every jfork process of the run was idle (spares replaced);"
                + " not idle after 30 s: ").append(unsettled).append(" time(s) |\n");
        b.append("| leftover jfork processes | ").append(leftovers).append(" |\n\n");

        tableHead(b, "| variant | median ms to run-entered | min | median ms to exit seen | min | rate = 1/median exit (/s)", o.inflight,
                k -> " | processes/s " + k + " in flight", "|---|---:|---:|---:|---:|---:", "|---:");
        for (Variant v : variants) {
            double medExit = median(v.exited);
            b.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f | %.1f", v.label, median(v.entered), min(v.entered),
                    medExit, min(v.exited), 1000.0 / medExit));
            for (int k : o.inflight) {
                long[] s = v.sustained.get(k);
                if (s == null || s[1] == 0) {
                    b.append(" | –");
                } else {
                    b.append(String.format(Locale.ROOT, " | %.1f", s[0] * 1e9 / s[1]));
                    if (s[2] > 0) {
                        b.append(" (").append(s[2]).append(" failed)");
                    }
                }
            }
            b.append(" |\n");
        }
        for (Variant v : variants) {
            if (v.failures > 0) {
                b.append("\n").append(v.key).append(": ").append(v.failures).append(" failed latency round(s)")
                        .append(v.dropped() ? ", dropped" : "").append("; first failure: ").append(v.firstFailure).append('\n');
            }
        }
        Variant exec = find(variants, "exec");
        Variant bareV = find(variants, "bare");
        if (exec != null && bareV != null) {
            b.append('\n');
            b.append(String.format(Locale.ROOT,
                    "**jfork exec run-entered / bare JVM first output = %.2f×** (medians %.1f / %.1f ms; min %.1f / %.1f ms = %.2f×;"
                            + " median of the per-round ratios %.2f×). Target: ≤ 1.3×.%n",
                    median(exec.entered) / median(bareV.entered), median(exec.entered), median(bareV.entered), min(exec.entered),
                    min(bareV.entered), min(exec.entered) / min(bareV.entered), pairedRatio(exec.entered, bareV.entered)));
            b.append(String.format(Locale.ROOT, "Exit seen: jfork exec / bare JVM = %.2f× (medians %.1f / %.1f ms).%n",
                    median(exec.exited) / median(bareV.exited), median(exec.exited), median(bareV.exited)));
        }
        b.append("\nBare JVM command (the jfork child's own command line up to its main class")
                .append(bareMatches ? ", identical to what JvmSpec + JvmCommand's rules give" : ", read from /proc")
                .append("): `").append(abbreviate(bare)).append("`\n");
        return b.toString();
    }

    /**
     * The head of a Markdown table with columns per in-flight count: {@code head}, then
     * {@code columns(k)} for each; the alignment row {@code align}, then {@code alignPerCount} for each.
     */
    static void tableHead(StringBuilder b, String head, List<Integer> inflight, java.util.function.IntFunction<String> columns,
            String align, String alignPerCount) {
        b.append(head);
        for (int k : inflight) {
            b.append(columns.apply(k));
        }
        b.append(" |\n").append(align);
        for (int i = 0; i < inflight.size(); i++) {
            b.append(alignPerCount);
        }
        b.append("|\n");
    }

    /** Where fork-core was loaded from, with the jar's modification time (the core changes between runs). */
    static String coreLocation() {
        try {
            Path p = Paths.get(Fork.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return p + ", modified " + Files.getLastModifiedTime(p).toInstant().toString().replaceFirst("\\.\\d+Z$", "Z");
        } catch (Exception e) {
            return "unknown (" + e + ")";
        }
    }

    static <V extends Variant> V find(List<V> variants, String key) {
        for (V v : variants) {
            if (v.key.equals(key)) {
                return v;
            }
        }
        return null;
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] a = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        int n = a.length;
        return n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
    }

    static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    /** Median over rounds of a[i] / b[i] (the two were measured next to each other). */
    static double pairedRatio(List<Double> a, List<Double> b) {
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            r.add(a.get(i) / b.get(i));
        }
        return median(r);
    }

    static void log(String line) {
        System.err.println("[bench] " + line);
        System.err.flush();
    }
}
