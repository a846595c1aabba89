package dev.jfork.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import dev.jfork.Fork;
import dev.jfork.ForkChannel;
import dev.jfork.ForkExit;
import dev.jfork.JvmSpec;

/**
 * jfork next to Perl's AnyEvent::Fork, in one run: time from create/fork to the first byte the
 * child writes, read by the parent (issue "Fork as fast as Perl's").
 *
 * <p>Every sample is: make a process, run a function that writes one byte, until the parent has
 * read that byte. Variants:
 * <ul>
 *   <li>{@code perl-fork}: {@code $template->fork->run("main::child", $cb)} in Perl
 *       ({@code src/main/perl/first-byte.pl}, driven over its stdin; it times itself with
 *       Time::HiRes), template {@code AnyEvent::Fork->new->eval(...)};
 *   <li>{@code jfork-create}: {@code Fork.create().run(BenchChild::writeByte)}, timed until the
 *       byte was read from the {@code ForkChannel} (not until the run future completed);
 *   <li>{@code jfork-fork}: {@code template.fork().run(BenchChild::writeByte)}, template
 *       {@code Fork.exec().require(BenchChild.class)};
 *   <li>{@code bare}: {@code ProcessBuilder} running {@link BareMain} with a jfork child's flags,
 *       to its first stdout byte;
 *   <li>{@code first-create}: a fresh JVM ({@link FirstCreateMain}) timing its own first
 *       {@code Fork.create()} to the first byte, next to a fresh JVM ({@link FirstBareMain}) timing
 *       its first {@code ProcessBuilder} start of the bare JVM to the first byte.
 * </ul>
 * Bursts of k samples (k = 1, 3, 10) start after a pause (everything idle, then 1.5 s); the samples
 * of a burst run back to back (each starts when the previous one's byte was read; option
 * {@code burst=all}: all started at once), each timed from its own create/fork call. Rounds
 * interleave the variants and burst sizes; the first {@code warmup} rounds are not counted. Then
 * the sustained rate, 1 in flight: back-to-back samples, each process gone before the next starts.
 * The report (Markdown) and four SVG charts go to the {@code out} directory. See README.md.
 */
public final class FirstByteBench {
    private FirstByteBench() {}

    static final List<String> VARIANTS = List.of("perl-fork", "jfork-create", "jfork-fork", "bare", "first-create");
    static final String PERL_PACKAGES = "libanyevent-fork-perl libev-perl";
    static final String PERL_INSTALL = "apt-get install -y " + PERL_PACKAGES;
    static final String PERL_RESOURCE = "/dev/jfork/bench/perl/first-byte.pl";

    static long timeoutSeconds = 30;

    // ------------------------------------------------------------------ options

    static final class Options {
        final int rounds;
        final int warmup;
        final List<Integer> bursts;
        final double pause;
        final boolean concurrent;
        final int samples;
        final int firstWarmup;
        final double seconds;
        final double slice;
        final List<String> variants;
        final Path java;
        final long timeout;
        final Path out;
        final String perl;
        final Path perlScript;

        private Options(BenchArgs a) {
            rounds = a.integer("rounds", 10);
            warmup = a.integer("warmup", 1);
            bursts = a.ints("bursts", List.of(1, 3, 10));
            pause = a.decimal("pause", 1.5);
            String mode = a.string("burst", "seq");
            if (!mode.equals("seq") && !mode.equals("all")) {
                throw new IllegalArgumentException("option burst: expected seq or all, got \"" + mode + "\"");
            }
            concurrent = mode.equals("all");
            samples = a.integer("samples", 10);
            firstWarmup = a.integer("firstwarmup", 1);
            seconds = a.decimal("seconds", 10);
            slice = a.decimal("slice", 2);
            variants = a.names("variants", VARIANTS, "variant", VARIANTS);
            java = a.path("java", null);
            timeout = a.longInteger("timeout", 30);
            out = a.path("out", Paths.get("target", "first-byte").toAbsolutePath());
            perl = a.string("perl", "perl");
            perlScript = a.path("perlscript", null);
            if (rounds < 1 || warmup < 0 || pause < 0 || samples < 0 || firstWarmup < 0 || seconds < 0 || slice <= 0 || timeout < 1
                    || bursts.isEmpty() || bursts.stream().anyMatch(k -> k < 1)) {
                throw new IllegalArgumentException("need rounds >= 1, warmup >= 0, pause >= 0, samples >= 0, firstwarmup >= 0,"
                        + " seconds >= 0, slice > 0, timeout >= 1, bursts >= 1");
            }
        }

        int slices() {
            return Math.max(1, (int) Math.round(seconds / slice));
        }

        String burstMode() {
            return concurrent ? "all" : "seq";
        }
    }

    // ------------------------------------------------------------------ variants

    /** One way of making a process whose first byte is timed. */
    abstract static class Variant {
        final String key;
        final String label;
        /** Burst size -> ms to first byte of every counted sample. */
        final Map<Integer, List<Double>> samples = new TreeMap<>();
        /** Burst size -> ms of the warm-up rounds' samples. */
        final Map<Integer, List<Double>> warm = new TreeMap<>();
        long sustainedCount;
        long sustainedNanos;
        long sustainedFailed;
        int failures;
        String firstFailure;

        Variant(String key, String label) {
            this.key = key;
            this.label = label;
        }

        /** A burst of {@code k} samples: ms to first byte of each, NaN for a sample that failed. */
        abstract double[] burst(int k, boolean concurrent) throws Exception;

        /** Back-to-back samples for {@code seconds}, 1 in flight: {processes, ns, failed}. */
        abstract long[] sustain(double seconds) throws Exception;

        void failed(Exception e) {
            failures++;
            if (firstFailure == null) {
                firstFailure = e.toString();
            }
            log("FAILED: " + key + ": " + e);
        }

        double rate() {
            return sustainedNanos == 0 ? Double.NaN : sustainedCount * 1e9 / sustainedNanos;
        }
    }

    /** A sample started in this JVM. */
    interface Started {
        /** ns from the start call to the first byte read (waits for it). */
        long firstByte() throws Exception;

        /** Waits until the process is gone (exit seen) and releases what the sample holds. */
        void gone() throws Exception;
    }

    /** A variant whose samples start in this JVM: bursts and sustained loops in Java. */
    abstract static class JavaVariant extends Variant {
        /** Reader threads for {@code burst=all}: one per sample of the largest burst, started ahead. */
        static ThreadPoolExecutor readers;

        JavaVariant(String key, String label) {
            super(key, label);
        }

        /** Starts a sample; its first byte is read by a {@code readers} thread, or by {@link Started#firstByte} if null. */
        abstract Started start(ThreadPoolExecutor readers) throws Exception;

        @Override
        double[] burst(int k, boolean concurrent) throws Exception {
            double[] ms = new double[k];
            Arrays.fill(ms, Double.NaN);
            List<Started> all = new ArrayList<>();
            try {
                if (concurrent) {
                    for (int i = 0; i < k; i++) {
                        all.add(start(readers));
                    }
                    for (int i = 0; i < k; i++) {
                        try {
                            ms[i] = all.get(i).firstByte() / 1e6;
                        } catch (Exception e) {
                            failed(e);
                        }
                    }
                } else {
                    for (int i = 0; i < k; i++) {
                        Started s = start(null);
                        all.add(s);
                        try {
                            ms[i] = s.firstByte() / 1e6;
                        } catch (Exception e) {
                            failed(e);
                        }
                    }
                }
            } finally {
                for (Started s : all) {
                    try {
                        s.gone();
                    } catch (Exception e) {
                        failed(e);
                    }
                }
            }
            return ms;
        }

        @Override
        long[] sustain(double seconds) {
            long n = 0;
            long failed = 0;
            long t0 = System.nanoTime();
            long deadline = t0 + (long) (seconds * 1e9);
            while (System.nanoTime() < deadline) {
                try {
                    Started s = start(null);
                    try {
                        s.firstByte();
                    } finally {
                        s.gone();
                    }
                    n++;
                } catch (Exception e) {
                    if (++failed <= 3) {
                        failed(e);
                    }
                    if (failed > 6) {
                        break;
                    }
                }
            }
            return new long[] {n, System.nanoTime() - t0, failed};
        }
    }

    /** {@code Fork.create()} or {@code template.fork()}, then {@code run(BenchChild::writeByte)}. */
    static final class JforkVariant extends JavaVariant {
        private final Supplier<Fork> starter;
        /** The template its processes come from (for its spares' memory). */
        final Supplier<Fork> template;
        /** Idle spares after the bursts: how many, PSS per spare and in all (bytes); -1 until measured. */
        int spares = -1;
        long sparePss;
        long sparesPss;

        JforkVariant(String key, String label, Supplier<Fork> starter, Supplier<Fork> template) {
            super(key, label);
            this.starter = starter;
            this.template = template;
        }

        /** Measures the template's idle spares: its children, once nothing of the run uses the CPU. */
        void measureSpares() {
            try {
                long pid = template.get().pid().orElseThrow();
                List<Long> kids = ProcessHandle.of(pid).orElseThrow().children().map(ProcessHandle::pid).collect(Collectors.toList());
                long total = 0;
                int n = 0;
                for (long k : kids) {
                    long pss = FastForkBench.smapsRollup(k).getOrDefault("Pss", 0L) * 1024; // kB
                    if (pss > 0) {
                        total += pss;
                        n++;
                    }
                }
                spares = n;
                sparesPss = total;
                sparePss = n == 0 ? 0 : total / n;
                log(String.format(Locale.ROOT, "idle spares of %s's template: %d, PSS %.1f MB each, %.1f MB in all", key, n,
                        sparePss / 1048576.0, total / 1048576.0));
            } catch (IOException | RuntimeException e) {
                log("cannot measure the spares of " + key + ": " + e);
            }
        }

        @Override
        Started start(ThreadPoolExecutor readers) {
            long t0 = System.nanoTime();
            Fork f = starter.get();
            CompletableFuture<ForkChannel> run = f.run(BenchChild::writeByte);
            return new Started() {
                private volatile ForkChannel channel;
                private final CompletableFuture<Long> read = readers == null ? null : CompletableFuture.supplyAsync(this::readUnchecked, readers);

                private long read() throws Exception {
                    ForkChannel ch = get(run, f + ": run");
                    channel = ch;
                    int b = ch.inputStream().read();
                    long t = System.nanoTime();
                    if (b < 0) {
                        throw new IOException(f + ": end of stream before the first byte");
                    }
                    return t;
                }

                private long readUnchecked() {
                    try {
                        return read();
                    } catch (RuntimeException e) {
                        throw e;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }

                @Override
                public long firstByte() throws Exception {
                    return (read == null ? read() : get(read, f + ": first byte")) - t0;
                }

                @Override
                public void gone() throws Exception {
                    if (read != null) {
                        try {
                            read.get(timeoutSeconds, TimeUnit.SECONDS);
                        } catch (ExecutionException | TimeoutException ignored) {
                            // reported by firstByte
                        }
                    }
                    if (channel == null) {
                        f.close(); // never entered: end it
                    }
                    ForkExit exit = get(f.onExit(), f + ": exit");
                    ForkChannel ch = channel;
                    if (ch != null) {
                        ch.close();
                    }
                    if (!exit.isSuccess()) {
                        throw new IllegalStateException(f + " " + exit);
                    }
                }
            };
        }
    }

    /** A {@code ProcessBuilder} start of {@link BareMain}, to its first stdout byte. */
    static final class BareVariant extends JavaVariant {
        private final ProcessBuilder pb;

        BareVariant(String label, List<String> command) {
            super("bare", label);
            pb = new ProcessBuilder(command).redirectInput(new File("/dev/null")).redirectError(ProcessBuilder.Redirect.INHERIT);
        }

        @Override
        Started start(ThreadPoolExecutor readers) throws IOException {
            long t0 = System.nanoTime();
            Process p = pb.start();
            return new Started() {
                private final CompletableFuture<Long> read = readers == null ? null : CompletableFuture.supplyAsync(() -> {
                    try {
                        return read();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }, readers);

                private long read() throws IOException {
                    int b = p.getInputStream().read();
                    long t = System.nanoTime();
                    if (b < 0) {
                        throw new IOException("bare JVM wrote nothing");
                    }
                    return t;
                }

                @Override
                public long firstByte() throws Exception {
                    return (read == null ? read() : get(read, "bare JVM: first byte")) - t0;
                }

                @Override
                public void gone() throws Exception {
                    try {
                        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                            p.destroyForcibly();
                            throw new TimeoutException("bare JVM did not exit within " + timeoutSeconds + " s");
                        }
                        if (p.exitValue() != 0) {
                            throw new IOException("bare JVM exited with " + p.exitValue());
                        }
                    } finally {
                        p.getInputStream().close();
                        p.getOutputStream().close();
                        p.getErrorStream().close();
                    }
                }
            };
        }
    }

    /** AnyEvent::Fork, in a Perl process driven over its stdin; it times its samples itself. */
    static final class PerlVariant extends Variant {
        private final Process process;
        private final Writer commands;
        private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final String versions;

        PerlVariant(String perl, Path script) throws Exception {
            super("perl-fork", "Perl AnyEvent::Fork `$template->fork->run(\"main::child\", $cb)`");
            process = new ProcessBuilder(perl, script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII);
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
                    for (String l; (l = r.readLine()) != null;) {
                        lines.add(l);
                    }
                } catch (IOException ignored) {
                    // end of the process
                }
                lines.add("<eof>");
            }, "perl-reader");
            reader.setDaemon(true);
            reader.start();
            String ready = next(timeoutSeconds);
            if (!ready.startsWith("ready ")) {
                throw new IOException("first-byte.pl: expected \"ready ...\", got \"" + ready + "\"");
            }
            versions = ready.substring(6);
            log("perl: pid " + process.pid() + ", " + versions);
        }

        private String next(double seconds) throws Exception {
            String l = lines.poll((long) (seconds * 1000), TimeUnit.MILLISECONDS);
            if (l == null) {
                throw new TimeoutException("first-byte.pl: no answer within " + seconds + " s");
            }
            if (l.equals("<eof>")) {
                lines.add(l);
                throw new IOException("first-byte.pl ended" + (process.isAlive() ? "" : " with status " + process.waitFor()));
            }
            if (l.startsWith("error")) {
                throw new IOException("first-byte.pl: " + l);
            }
            return l;
        }

        private void send(String command) throws IOException {
            commands.write(command + "\n");
            commands.flush();
        }

        @Override
        double[] burst(int k, boolean concurrent) throws Exception {
            send("burst " + k + " " + (concurrent ? "all" : "seq"));
            double[] ms = new double[k];
            Arrays.fill(ms, Double.NaN);
            for (String l; !(l = next(timeoutSeconds + k)).equals("done");) {
                String[] f = l.split(" ");
                if (f.length != 3 || !f[0].equals("sample")) {
                    throw new IOException("first-byte.pl: unexpected line \"" + l + "\"");
                }
                long ns = Long.parseLong(f[2]);
                if (ns < 0) {
                    failed(new IOException("perl child " + f[1] + " of the burst wrote nothing"));
                } else {
                    ms[Integer.parseInt(f[1])] = ns / 1e6;
                }
            }
            return ms;
        }

        @Override
        long[] sustain(double seconds) throws Exception {
            send("sustain " + seconds);
            String l = next(seconds + timeoutSeconds);
            String[] f = l.split(" ");
            if (f.length != 4 || !f[0].equals("sustained")) {
                throw new IOException("first-byte.pl: unexpected line \"" + l + "\"");
            }
            return new long[] {Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])};
        }

        void quit() throws InterruptedException {
            try {
                send("quit");
                commands.close();
            } catch (IOException ignored) {
                // already gone
            }
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                log("WARNING: first-byte.pl did not quit; killing it");
                process.destroyForcibly();
            }
        }
    }

    /** Whether {@code perl -MAnyEvent::Fork -MEV -e1} works; null if so, else why not. */
    static String perlProblem(String perl) {
        try {
            Process p = new ProcessBuilder(perl, "-MAnyEvent::Fork", "-MEV", "-e1").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() == 0) {
                return null;
            }
            String first = out.isEmpty() ? "exit " + p.exitValue() : out.lines().findFirst().orElse(out);
            return "`" + perl + " -MAnyEvent::Fork -MEV -e1` failed (" + first + ")";
        } catch (IOException | InterruptedException e) {
            return "cannot run " + perl + " (" + e.getMessage() + ")";
        }
    }

    /** The Perl script: option {@code perlscript}, else the copy in this jar, written to a temporary file. */
    static Path perlScript(Options o) throws IOException {
        if (o.perlScript != null) {
            return o.perlScript;
        }
        Path tmp = Files.createTempFile("first-byte", ".pl");
        tmp.toFile().deleteOnExit();
        try (InputStream in = FirstByteBench.class.getResourceAsStream(PERL_RESOURCE)) {
            if (in == null) {
                throw new IOException("no " + PERL_RESOURCE + " on the class path (built without src/main/perl?)");
            }
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        return tmp;
    }

    // ------------------------------------------------------------------ first create() of a fresh program

    /** Fresh JVMs: {@link FirstCreateMain} and {@link FirstBareMain}, alternately. */
    static final class FirstCreate {
        final List<Double> create = new ArrayList<>();
        final List<Double> entered = new ArrayList<>();
        final List<Double> bare = new ArrayList<>();
        final List<String> prefix;
        final List<String> bareCommand;
        int failures;
        int leftovers;
        String firstFailure;

        FirstCreate(Path java, int feature, List<String> bareCommand) {
            prefix = new ArrayList<>(List.of(java.toString()));
            if (feature >= 22) {
                prefix.add("--enable-native-access=ALL-UNNAMED");
            }
            prefix.add("-cp");
            prefix.add(jarsOnly(System.getProperty("java.class.path")));
            this.bareCommand = bareCommand;
        }

        /**
         * The bench's class path without its directories: the fresh programs run from jars, as a
         * deployed program does (Maven's {@code target/classes} comes after the bench's own jar,
         * which holds the same classes). A program with a directory on its class path gets no
         * class-data archive for its first process: the JVM archives classes from jars only.
         */
        static String jarsOnly(String classPath) {
            List<String> jars = new ArrayList<>();
            for (String e : classPath.split(File.pathSeparator)) {
                if (!e.isEmpty() && !new File(e).isDirectory()) {
                    jars.add(e);
                }
            }
            return String.join(File.pathSeparator, jars);
        }

        List<String> createCommand() {
            List<String> c = new ArrayList<>(prefix);
            c.add(FirstCreateMain.class.getName());
            return c;
        }

        List<String> bareCommandLine() {
            List<String> c = new ArrayList<>(prefix);
            c.add(FirstBareMain.class.getName());
            List<String> bare = new ArrayList<>(bareCommand);
            int cp = bare.indexOf("-cp");
            if (cp >= 0 && cp + 1 < bare.size()) {
                bare.set(cp + 1, jarsOnly(bare.get(cp + 1))); // the class path a FirstCreateMain's child gets
            }
            c.addAll(bare);
            return c;
        }

        /** Runs a fresh JVM, returns the numbers after {@code tag} on its output line. */
        long[] run(List<String> command, String tag) throws Exception {
            Process p = new ProcessBuilder(command).redirectInput(new File("/dev/null"))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            long pid = p.pid();
            String out;
            try (InputStream in = p.getInputStream()) {
                CompletableFuture<String> all = CompletableFuture.supplyAsync(() -> {
                    try {
                        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                out = get(all, tag);
            }
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new TimeoutException(tag + " JVM did not exit");
            }
            int left = awaitNoneOwnedBy(pid, 10_000);
            if (left > 0) {
                leftovers += left;
                log("WARNING: " + left + " jfork process(es) of " + tag + " JVM " + pid + " still alive");
            }
            if (p.exitValue() != 0) {
                throw new IOException(tag + " JVM exited with " + p.exitValue() + ", output: " + out.trim());
            }
            for (String line : out.split("\n")) {
                String[] f = line.trim().split(" ");
                if (f[0].equals(tag)) {
                    long[] r = new long[f.length - 1];
                    for (int i = 1; i < f.length; i++) {
                        r[i - 1] = Long.parseLong(f[i]);
                    }
                    return r;
                }
            }
            throw new IOException(tag + " JVM printed no \"" + tag + "\" line: " + out.trim());
        }

        void sample(boolean counted, StringBuilder line) {
            try {
                long[] c = run(createCommand(), "first-create");
                if (counted) {
                    create.add(c[0] / 1e6);
                    entered.add(c[1] / 1e6);
                }
                line.append(String.format(Locale.ROOT, "  first-create %.1f (run-entered %.1f)", c[0] / 1e6, c[1] / 1e6));
            } catch (Exception e) {
                fail(e, line, "first-create");
            }
            rest();
            try {
                long[] b = run(bareCommandLine(), "first-bare");
                if (counted) {
                    bare.add(b[0] / 1e6);
                }
                line.append(String.format(Locale.ROOT, "  first-bare %.1f", b[0] / 1e6));
            } catch (Exception e) {
                fail(e, line, "first-bare");
            }
        }

        private void fail(Exception e, StringBuilder line, String what) {
            failures++;
            if (firstFailure == null) {
                firstFailure = e.toString();
            }
            line.append("  ").append(what).append(" FAILED");
            log("FAILED: " + what + ": " + e);
        }
    }

    /** jfork processes ({@code ChildMain}) whose owner is {@code pid}. */
    static List<Long> ownedBy(long pid) {
        return SpawnBench.ownedBy(pid);
    }

    static int awaitNoneOwnedBy(long pid, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        List<Long> left = ownedBy(pid);
        while (!left.isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
            left = ownedBy(pid);
        }
        return left.size();
    }

    // ------------------------------------------------------------------ pauses and the machine

    static long pauseMillis;
    /** Pauses after which this run's processes were still busy after 30 s. */
    static int unsettled;
    /** Pauses taken, and those during which processes of other people's builds or benchmarks ran. */
    static int pauses;
    static int disturbedPauses;
    static final Set<String> disturbers = new LinkedHashSet<>();
    /** What marks another build or benchmark on this machine: Maven, surefire, other benches. */
    static final List<String> DISTURBER_MARKS = List.of("plexus-classworlds", "surefire", "bench-ffm", "bench-old", "jmh");

    /**
     * The pause before a burst (or a slice, or a fresh JVM): until every process of this run (the
     * descendants of this JVM: jfork templates and spares, the Perl side) used no CPU for 200 ms,
     * then {@code pause} seconds. Also notes other people's builds and benchmarks seen running.
     */
    static void rest() {
        try {
            long deadline = System.nanoTime() + 30_000_000_000L;
            boolean quiet = false;
            while (!quiet && System.nanoTime() < deadline) {
                List<Long> pids = ProcessHandle.current().descendants().map(ProcessHandle::pid).collect(Collectors.toList());
                quiet = FastForkBench.quiet(pids, 200);
            }
            if (!quiet) {
                unsettled++;
            }
            Thread.sleep(pauseMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pauses++;
        List<String> others = foreignProcesses();
        if (!others.isEmpty()) {
            disturbedPauses++;
            if (disturbers.size() < 8) {
                disturbers.addAll(others);
            }
        }
    }

    /** Processes of other builds or benchmarks: not this JVM's ancestors or descendants. */
    static List<String> foreignProcesses() {
        Set<Long> mine = new LinkedHashSet<>();
        for (ProcessHandle h = ProcessHandle.current(); h != null; h = h.parent().orElse(null)) {
            mine.add(h.pid());
        }
        ProcessHandle.current().descendants().forEach(h -> mine.add(h.pid()));
        List<String> found = new ArrayList<>();
        File[] procs = new File("/proc").listFiles();
        if (procs == null) {
            return found;
        }
        for (File p : procs) {
            String name = p.getName();
            if (!name.chars().allMatch(Character::isDigit) || mine.contains(Long.parseLong(name))) {
                continue;
            }
            try {
                String cmd = String.join(" ", SpawnBench.cmdline(Long.parseLong(name)));
                for (String mark : DISTURBER_MARKS) {
                    if (cmd.contains(mark)) {
                        found.add(mark);
                        break;
                    }
                }
            } catch (IOException | RuntimeException ignored) {
                // gone meanwhile
            }
        }
        return found;
    }

    static <T> T get(CompletableFuture<T> f, String what) throws Exception {
        try {
            return f.get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IllegalStateException && c.getCause() instanceof Exception) {
                c = c.getCause();
            }
            throw c instanceof Exception ? (Exception) c : e;
        } catch (TimeoutException e) {
            throw new TimeoutException(what + ": nothing within " + timeoutSeconds + " s");
        }
    }

    // ------------------------------------------------------------------ main

    public static void main(String[] args) throws Exception {
        Options o = BenchArgs.parse(args, Options::new);
        timeoutSeconds = o.timeout;
        SpawnBench.timeoutSeconds = o.timeout;
        pauseMillis = Math.round(o.pause * 1000);
        String started = SpawnBench.now();
        String loadStart = SpawnBench.loadAverage();
        List<String> foreignAtStart = foreignProcesses();
        SpawnBench.ChildJava child = new SpawnBench.ChildJava(o.java);
        JvmSpec spec = JvmSpec.builder().java(child.path).build();

        List<String> bare = SpawnBench.childFlags(child.other, spec);
        bare.add(BareMain.class.getName());
        log("bare JVM command: " + SpawnBench.abbreviate(bare));

        String perlSkipped = null;
        PerlVariant perl = null;
        Fork template = null;
        List<Variant> variants = new ArrayList<>();
        FirstCreate first = null;
        for (String v : o.variants) {
            switch (v) {
                case "perl-fork": {
                    perlSkipped = perlProblem(o.perl);
                    if (perlSkipped != null) {
                        log("SKIPPING perl-fork: Perl's AnyEvent::Fork or EV is missing: " + perlSkipped + ".\n"
                                + "  Install them (Debian/Ubuntu, as root): " + PERL_INSTALL);
                        break;
                    }
                    perl = new PerlVariant(o.perl, perlScript(o));
                    variants.add(perl);
                    break;
                }
                case "jfork-create":
                    variants.add(new JforkVariant(v, "jfork `Fork.create().run(BenchChild::writeByte)`", Fork::create, Fork::defaultTemplate));
                    break;
                case "jfork-fork": {
                    Fork t = (child.other ? Fork.exec(spec) : Fork.exec()).require(BenchChild.class);
                    template = t;
                    variants.add(new JforkVariant(v, "jfork `template.fork().run(BenchChild::writeByte)`", t::fork, () -> t));
                    break;
                }
                case "bare":
                    variants.add(new BareVariant("bare JVM, `ProcessBuilder` → `BareMain` (first stdout byte)", bare));
                    break;
                default:
                    first = new FirstCreate(child.path, child.feature, bare);
                    break;
            }
        }
        int maxBurst = o.bursts.stream().mapToInt(Integer::intValue).max().orElse(1);
        JavaVariant.readers = new ThreadPoolExecutor(maxBurst, maxBurst, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "first-byte-reader");
            t.setDaemon(true);
            return t;
        });
        JavaVariant.readers.prestartAllCoreThreads();

        int leftovers;
        try {
            burstRounds(o, variants);
            sparesPhase(variants);
            if (first != null) {
                firstCreatePhase(o, first);
            }
            sustainedPhase(o, variants);
        } finally {
            if (perl != null) {
                perl.quit();
            }
            List<Fork> templates = new ArrayList<>();
            if (template != null) {
                templates.add(template);
            }
            if (o.variants.contains("jfork-create")) {
                templates.add(Fork.defaultTemplate());
            }
            SpawnBench.closeTemplates(templates, true);
            JavaVariant.readers.shutdownNow();
        }
        String loadEnd = SpawnBench.loadAverage();
        awaitArchiveBuilds(); // this run's own first process's, detached but still this JVM's descendants
        leftovers = SpawnBench.awaitNoChildren(10_000);
        long descendants = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count();
        if (descendants > 0) {
            log("WARNING: processes of this run still alive: "
                    + ProcessHandle.current().descendants().map(h -> String.valueOf(h.pid())).collect(Collectors.joining(" ")));
        }
        Results r = new Results(o, started, loadStart, loadEnd, foreignAtStart, child, perl, perlSkipped, variants, first, bare,
                leftovers + (first == null ? 0 : first.leftovers), descendants);
        String report = r.markdown();
        Files.createDirectories(o.out);
        String base = "first-byte-jdk" + child.feature;
        Path md = o.out.resolve(base + ".md");
        System.out.println();
        System.out.println(report);
        System.out.flush();
        Files.write(md, report.getBytes(StandardCharsets.UTF_8));
        log("report written to " + md);
        for (Map.Entry<String, SvgChart> c : r.charts().entrySet()) {
            Path svg = o.out.resolve(base + "-" + c.getKey() + ".svg");
            c.getValue().write(svg);
            log("chart written to " + svg);
        }
        if (leftovers != 0 || descendants > 0) {
            System.exit(1);
        }
        List<String> empty = new ArrayList<>();
        for (Variant v : variants) {
            if (v.samples.values().stream().allMatch(List::isEmpty) && v.sustainedCount == 0) {
                empty.add(v.key);
            }
        }
        if (first != null && (first.create.isEmpty() || first.bare.isEmpty())) {
            empty.add("first-create");
        }
        if (!empty.isEmpty()) {
            log("FAILED: no result at all for " + String.join(", ", empty) + " (see the failures above)");
            System.exit(2);
        }
    }

    /** The first 12 hex digits of the SHA-256 of the fork-core jar: which build was measured. */
    static String coreDigest() {
        try {
            Path p = Paths.get(Fork.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!Files.isRegularFile(p)) {
                return "– (a directory)";
            }
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
            StringBuilder h = new StringBuilder();
            for (int i = 0; i < 6; i++) {
                h.append(String.format(Locale.ROOT, "%02x", d[i]));
            }
            return h.toString();
        } catch (Exception e) {
            return "unknown (" + e + ")";
        }
    }

    /** Rounds: for each burst size, each variant (order rotated per round): pause, burst. */
    static void burstRounds(Options o, List<Variant> variants) {
        if (variants.isEmpty()) {
            return;
        }
        for (int r = 0; r < o.warmup + o.rounds; r++) {
            boolean counted = r >= o.warmup;
            String round = counted ? "round " + (r - o.warmup + 1) + "/" + o.rounds : "warm-up " + (r + 1) + "/" + o.warmup;
            for (int k : o.bursts) {
                StringBuilder line = new StringBuilder(round + ", burst of " + k + " (" + o.burstMode() + "), ms to first byte p50/max:");
                for (int i = 0; i < variants.size(); i++) {
                    Variant v = variants.get((i + r) % variants.size());
                    rest();
                    double[] ms;
                    try {
                        ms = v.burst(k, o.concurrent);
                    } catch (Exception e) {
                        v.failed(e);
                        line.append("  ").append(v.key).append(" FAILED");
                        continue;
                    }
                    List<Double> got = new ArrayList<>();
                    for (double m : ms) {
                        if (!Double.isNaN(m)) {
                            got.add(m);
                        }
                    }
                    (counted ? v.samples : v.warm).computeIfAbsent(k, x -> new ArrayList<>()).addAll(got);
                    line.append(String.format(Locale.ROOT, "  %s %.2f/%.2f", v.key, SpawnBench.median(got), SpawnBench.max(got)));
                    if (k > 1 && k <= 10) {
                        line.append(" [").append(Arrays.stream(ms).mapToObj(m -> String.format(Locale.ROOT, "%.1f", m))
                                .collect(Collectors.joining(" "))).append("]");
                    }
                }
                log(line.toString());
            }
        }
    }

    /** After the bursts (the largest one last seen): the memory of the spares each jfork template keeps. */
    static void sparesPhase(List<Variant> variants) {
        rest();
        for (Variant v : variants) {
            if (v instanceof JforkVariant) {
                ((JforkVariant) v).measureSpares();
            }
        }
    }

    static void firstCreatePhase(Options o, FirstCreate first) {
        log("first create(): " + SpawnBench.abbreviate(first.createCommand()) + "  vs  "
                + SpawnBench.abbreviate(first.bareCommandLine().subList(0, first.prefix.size() + 1)) + " <bare JVM command>");
        for (int i = 0; i < o.firstWarmup + o.samples; i++) {
            boolean counted = i >= o.firstWarmup;
            StringBuilder line = new StringBuilder(counted ? "fresh JVM " + (i - o.firstWarmup + 1) + "/" + o.samples
                    : "fresh JVM warm-up " + (i + 1) + "/" + o.firstWarmup).append(", ms to first byte:");
            if (i == o.firstWarmup) {
                awaitArchiveBuilds(); // counted programs find their configuration's archive, as a program's later runs do
            }
            rest();
            first.sample(counted, line);
            log(line.toString());
        }
    }

    /** The name the class-data archive builds of programs' first processes run under ({@code FirstProcessArchive}). */
    static final String ARCHIVE_BUILD = "jfork-first-process-archive";

    /**
     * Waits, at most 120 s, until no class-data archive of a program's first process is being
     * built on this machine: such a build runs at nice +10, detached from the program that
     * started it, and takes seconds where the machine is busy (a bench run is).
     */
    static void awaitArchiveBuilds() {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(120);
        boolean waited = false;
        while (!archiveBuilds().isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                log("WARNING: first-process archive builds still running after 120 s: " + archiveBuilds());
                return;
            }
            waited = true;
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (waited) {
            log(String.format(Locale.ROOT, "waited %.1f s for first-process archive builds to end", (System.nanoTime() - start) / 1e9));
        }
    }

    /** Pids of the first-process archive builds running now (their shell's command line names them). */
    static List<Long> archiveBuilds() {
        List<Long> found = new ArrayList<>();
        File[] procs = new File("/proc").listFiles();
        if (procs == null) {
            return found;
        }
        for (File p : procs) {
            if (!p.getName().chars().allMatch(Character::isDigit)) {
                continue;
            }
            try {
                String cmd = new String(Files.readAllBytes(p.toPath().resolve("cmdline")), StandardCharsets.UTF_8);
                if (cmd.contains(ARCHIVE_BUILD)) {
                    found.add(Long.parseLong(p.getName()));
                }
            } catch (IOException | RuntimeException ignored) {
                // gone meanwhile
            }
        }
        return found;
    }

    static void sustainedPhase(Options o, List<Variant> variants) {
        if (o.seconds <= 0 || variants.isEmpty()) {
            return;
        }
        int slices = o.slices();
        double sliceSeconds = o.seconds / slices;
        log(String.format(Locale.ROOT, "sustained, 1 in flight: %.1f s per variant in %d interleaved slice(s) of %.1f s", o.seconds,
                slices, sliceSeconds));
        for (int s = 0; s < slices; s++) {
            StringBuilder line = new StringBuilder("slice " + (s + 1) + "/" + slices + " (processes/s):");
            for (int i = 0; i < variants.size(); i++) {
                Variant v = variants.get((i + s) % variants.size());
                rest();
                try {
                    long[] r = v.sustain(sliceSeconds);
                    v.sustainedCount += r[0];
                    v.sustainedNanos += r[1];
                    v.sustainedFailed += r[2];
                    line.append(String.format(Locale.ROOT, "  %s %.1f", v.key, r[0] * 1e9 / r[1]));
                } catch (Exception e) {
                    v.failed(e);
                    line.append("  ").append(v.key).append(" FAILED");
                }
            }
            log(line.toString());
        }
    }

    // ------------------------------------------------------------------ report and charts

    /** What a run measured, as Markdown and as charts. */
    static final class Results {
        final Options o;
        final String started;
        final String loadStart;
        final String loadEnd;
        final List<String> foreignAtStart;
        final SpawnBench.ChildJava child;
        final PerlVariant perl;
        final String perlSkipped;
        final List<Variant> variants;
        final FirstCreate first;
        final List<String> bare;
        final int leftovers;
        final long descendants;

        Results(Options o, String started, String loadStart, String loadEnd, List<String> foreignAtStart, SpawnBench.ChildJava child,
                PerlVariant perl, String perlSkipped, List<Variant> variants, FirstCreate first, List<String> bare, int leftovers,
                long descendants) {
            this.o = o;
            this.started = started;
            this.loadStart = loadStart;
            this.loadEnd = loadEnd;
            this.foreignAtStart = foreignAtStart;
            this.child = child;
            this.perl = perl;
            this.perlSkipped = perlSkipped;
            this.variants = variants;
            this.first = first;
            this.bare = bare;
            this.leftovers = leftovers;
            this.descendants = descendants;
        }

        Variant v(String key) {
            return variants.stream().filter(v -> v.key.equals(key)).findFirst().orElse(null);
        }

        static List<Double> of(Variant v, int k) {
            return v == null ? List.of() : v.samples.getOrDefault(k, List.of());
        }

        static double p50(Variant v, int k) {
            return SpawnBench.median(of(v, k));
        }

        static double max(Variant v, int k) {
            List<Double> l = of(v, k);
            return l.isEmpty() ? Double.NaN : SpawnBench.max(l);
        }

        static double rate(Variant v) {
            return v == null ? Double.NaN : v.rate();
        }

        static String num(double v, String fmt) {
            return Double.isNaN(v) || Double.isInfinite(v) ? "–" : String.format(Locale.ROOT, fmt, v);
        }

        static String ratio(double a, double b) {
            return num(a / b, "%.2f×");
        }

        String jdk() {
            return "JDK " + child.feature;
        }

        String markdown() {
            StringBuilder b = new StringBuilder();
            b.append("### FirstByteBench, children on JDK ").append(child.feature).append(" (").append(child.version).append("), ")
                    .append(started).append("\n\n");
            b.append("| item | value |\n|---|---|\n");
            b.append("| machine | ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs (nproc), ").append(SpawnBench.cpuModel())
                    .append(", Linux ").append(System.getProperty("os.version")).append(" |\n");
            b.append("| parent JVM | ").append(System.getProperty("java.vm.version")).append(" (").append(System.getProperty("java.home"))
                    .append(") |\n");
            b.append("| children JVM | ").append(child.version).append(" (").append(child.path).append(") |\n");
            b.append("| fork-core | ").append(SpawnBench.coreLocation()).append(", sha256 ").append(coreDigest()).append(" |\n");
            b.append("| Perl | ").append(perl != null ? perl.versions : "skipped: " + perlSkipped + "; install: `" + PERL_INSTALL + "`")
                    .append(" |\n");
            b.append("| load average (1/5/15 min) | start ").append(loadStart).append(", end ").append(loadEnd).append(" |\n");
            b.append(String.format(Locale.ROOT, "| bursts | sizes %s, %s; %d counted rounds after %d warm-up, variants and sizes interleaved;"
                    + " before each burst: all processes of the run idle (200 ms without CPU), then a %.1f s pause |\n",
                    o.bursts.stream().map(String::valueOf).collect(Collectors.joining(", ")),
                    o.concurrent ? "all samples of a burst started at once (`burst=all`)"
                            : "samples back to back (each starts when the previous one's byte was read)",
                    o.rounds, o.warmup, o.pause));
            if (first != null) {
                b.append(String.format(Locale.ROOT, "| first create() | %d fresh JVMs of each kind after %d warm-up, alternating |\n",
                        o.samples, o.firstWarmup));
            }
            if (o.seconds > 0) {
                b.append(String.format(Locale.ROOT, "| sustained | 1 in flight, each process gone before the next starts; %.0f s per variant in"
                        + " %d interleaved slices |\n", o.seconds, o.slices()));
            }
            b.append("| not idle after 30 s | ").append(unsettled).append(" of ").append(pauses).append(" pauses |\n");
            b.append("| other builds or benchmarks running | ")
                    .append(disturbedPauses == 0 && foreignAtStart.isEmpty() ? "none seen"
                            : "at start: " + (foreignAtStart.isEmpty() ? "none" : String.join(", ", new LinkedHashSet<>(foreignAtStart)))
                                    + "; during " + disturbedPauses + " of " + pauses + " pauses"
                                    + (disturbers.isEmpty() ? "" : " (" + String.join(", ", disturbers) + ")")
                                    + ": **disturbed run**")
                    .append(" |\n");
            b.append("| leftover processes | ").append(leftovers + descendants).append(" |\n\n");

            // bursts
            b.append("Milliseconds from the create/fork call to the first byte read by the parent (p50 / p90 / max over the counted samples):\n\n");
            b.append("| variant");
            for (int k : o.bursts) {
                b.append(" | burst of ").append(k).append(": p50 | p90 | max");
            }
            b.append(" |\n|---");
            for (int i = 0; i < o.bursts.size(); i++) {
                b.append("|---:|---:|---:");
            }
            b.append("|\n");
            for (Variant v : variants) {
                b.append("| ").append(v.label);
                for (int k : o.bursts) {
                    List<Double> l = of(v, k);
                    b.append(" | ").append(num(p50(v, k), "%.2f")).append(" | ").append(num(FastForkBench.percentile(l, 0.9), "%.2f"))
                            .append(" | ").append(num(max(v, k), "%.2f"));
                }
                b.append(" |\n");
            }
            if (o.warmup > 0) {
                b.append("\nWarm-up round (the first burst of each size, not counted above; it also makes the jfork templates' class-data"
                        + " archives if they are not cached), p50 / max ms:");
                for (Variant v : variants) {
                    b.append(" ").append(v.key);
                    for (int k : o.bursts) {
                        List<Double> l = v.warm.getOrDefault(k, List.of());
                        b.append(String.format(Locale.ROOT, " %d: %s / %s;", k, num(SpawnBench.median(l), "%.1f"),
                                num(l.isEmpty() ? Double.NaN : SpawnBench.max(l), "%.1f")));
                    }
                }
                b.append("\n");
            }
            Variant p = v("perl-fork");
            Variant cr = v("jfork-create");
            Variant fk = v("jfork-fork");
            Variant ba = v("bare");
            b.append("\n| ratio to Perl (burst of k: p50 ratio, max ratio)");
            for (int k : o.bursts) {
                b.append(" | ").append(k).append(": p50 | max");
            }
            b.append(" |\n|---");
            for (int i = 0; i < o.bursts.size(); i++) {
                b.append("|---:|---:");
            }
            b.append("|\n");
            for (Variant v : new Variant[] {cr, fk, ba}) {
                if (v == null) {
                    continue;
                }
                b.append("| ").append(v.key).append(" / perl-fork");
                for (int k : o.bursts) {
                    b.append(" | ").append(ratio(p50(v, k), p50(p, k))).append(" | ").append(ratio(max(v, k), max(p, k)));
                }
                b.append(" |\n");
            }

            // first create
            double fc = Double.NaN;
            double fb = Double.NaN;
            if (first != null) {
                fc = SpawnBench.median(first.create);
                fb = SpawnBench.median(first.bare);
                b.append("\nFirst `Fork.create()` of a fresh program (timed inside the fresh JVM, from just before the call to the first byte"
                        + " read), next to a fresh program's first `ProcessBuilder` start of the bare JVM (same `java`, flags and class path), ms:\n\n");
                b.append("| fresh JVM | p50 | min | max | n |\n|---|---:|---:|---:|---:|\n");
                b.append(String.format(Locale.ROOT, "| `FirstCreateMain`: first `Fork.create().run(...)` to first byte | %s | %s | %s | %d |\n",
                        num(fc, "%.1f"), num(SpawnBench.min(first.create), "%.1f"), num(SpawnBench.max(first.create), "%.1f"), first.create.size()));
                b.append(String.format(Locale.ROOT, "| (the same, to run-entered: `run` future completed) | %s | %s | %s | %d |\n",
                        num(SpawnBench.median(first.entered), "%.1f"), num(SpawnBench.min(first.entered), "%.1f"),
                        num(SpawnBench.max(first.entered), "%.1f"), first.entered.size()));
                b.append(String.format(Locale.ROOT, "| `FirstBareMain`: first `ProcessBuilder.start()` of the bare JVM to first byte | %s | %s | %s | %d |\n",
                        num(fb, "%.1f"), num(SpawnBench.min(first.bare), "%.1f"), num(SpawnBench.max(first.bare), "%.1f"), first.bare.size()));
                b.append("\n**first create / bare = ").append(ratio(fc, fb)).append("** (target ≤ 1.5×)");
                if (first.failures > 0) {
                    b.append("; ").append(first.failures).append(" failed, first: ").append(first.firstFailure);
                }
                b.append("\n");
            }

            // sustained
            if (o.seconds > 0 && !variants.isEmpty()) {
                b.append("\n| sustained, 1 in flight | processes/s | ratio to bare JVM | ratio to Perl | failed |\n|---|---:|---:|---:|---:|\n");
                for (Variant v : variants) {
                    b.append("| ").append(v.label).append(" | ").append(num(v.rate(), "%.1f")).append(" | ").append(ratio(v.rate(), rate(ba)))
                            .append(" | ").append(ratio(v.rate(), rate(p))).append(" | ").append(v.sustainedFailed).append(" |\n");
                }
            }

            // spares
            boolean sparesMeasured = variants.stream().anyMatch(v -> v instanceof JforkVariant && ((JforkVariant) v).spares >= 0);
            if (sparesMeasured) {
                b.append("\n| idle spares after the bursts (default JvmSpec: spares ").append(JvmSpec.DEFAULT_SPARES)
                        .append(", maxSpares ").append(JvmSpec.DEFAULT_MAX_SPARES).append(", budget ")
                        .append(JvmSpec.DEFAULT_SPARE_MEMORY_BUDGET >> 20).append(" MiB) | spares | PSS per spare | PSS in all |\n|---|---:|---:|---:|\n");
                for (Variant v : variants) {
                    if (v instanceof JforkVariant && ((JforkVariant) v).spares >= 0) {
                        JforkVariant j = (JforkVariant) v;
                        b.append("| ").append(j.label).append(" | ").append(j.spares).append(" | ")
                                .append(num(j.sparePss / 1048576.0, "%.1f MB")).append(" | ").append(num(j.sparesPss / 1048576.0, "%.1f MB"))
                                .append(" |\n");
                    }
                }
            }

            // targets
            b.append("\n| target (issue \"Fork as fast as Perl's\") | jfork `create()` | jfork `template.fork()` |\n|---|---|---|\n");
            for (int k : o.bursts) {
                if (k <= 3) {
                    b.append("| burst of ").append(k).append(": p50 ≤ 1.0× Perl's (")
                            .append(num(p50(p, k), "%.2f")).append(" ms) | ").append(verdict(p50(cr, k), p50(p, k), 1.0, true))
                            .append(" | ").append(verdict(p50(fk, k), p50(p, k), 1.0, true)).append(" |\n");
                } else {
                    b.append("| burst of ").append(k).append(": p50 ≤ 2× Perl's (").append(num(p50(p, k), "%.2f")).append(" ms) | ")
                            .append(verdict(p50(cr, k), p50(p, k), 2.0, true)).append(" | ").append(verdict(p50(fk, k), p50(p, k), 2.0, true))
                            .append(" |\n");
                    b.append("| burst of ").append(k).append(": max ≤ 10 ms | ").append(verdictAbs(max(cr, k), 10)).append(" | ")
                            .append(verdictAbs(max(fk, k), 10)).append(" |\n");
                }
            }
            if (first != null) {
                b.append("| first `create()` of a fresh program ≤ 1.5× a bare JVM's first byte (").append(num(fb, "%.1f")).append(" ms) | ")
                        .append(verdict(fc, fb, 1.5, true)).append(" | |\n");
            }
            if (o.seconds > 0) {
                b.append("| sustained ≥ 0.9× a bare JVM (").append(num(rate(ba), "%.1f")).append("/s) | ")
                        .append(verdict(rate(cr), rate(ba), 0.9, false)).append(" | ").append(verdict(rate(fk), rate(ba), 0.9, false))
                        .append(" |\n");
            }

            for (Variant v : variants) {
                if (v.failures > 0) {
                    b.append("\n").append(v.key).append(": ").append(v.failures).append(" failure(s); first: ").append(v.firstFailure).append('\n');
                }
            }
            b.append("\nBare JVM command (a jfork child's own command line up to its main class): `").append(SpawnBench.abbreviate(bare))
                    .append("`\n");
            return b.toString();
        }

        /** "**met**: 0.8× (1.1 ms)" or "missed: 3.2×": {@code value / ref} against {@code limit}. */
        static String verdict(double value, double ref, double limit, boolean atMost) {
            double r = value / ref;
            if (Double.isNaN(r) || Double.isInfinite(r)) {
                return "not measured";
            }
            boolean met = atMost ? r <= limit : r >= limit;
            return String.format(Locale.ROOT, "%s: %.2f× (%s)", met ? "**met**" : "missed", r, value >= 100 ? num(value, "%.0f") : num(value, "%.2f"));
        }

        static String verdictAbs(double value, double limit) {
            if (Double.isNaN(value)) {
                return "not measured";
            }
            return String.format(Locale.ROOT, "%s: %.1f ms", value <= limit ? "**met**" : "missed", value);
        }

        /** The charts, by file name suffix. */
        Map<String, SvgChart> charts() {
            Map<String, SvgChart> m = new LinkedHashMap<>();
            List<String> groups = o.bursts.stream().map(k -> "burst of " + k).collect(Collectors.toList());
            String where = String.format(Locale.ROOT, "%d vCPUs, children on %s (%s), %s; %d rounds", Runtime.getRuntime().availableProcessors(),
                    jdk(), child.version, started, o.rounds);
            String[] keys = {"perl-fork", "jfork-create", "jfork-fork", "bare"};
            String[] names = {"Perl AnyEvent::Fork fork->run", "jfork Fork.create().run", "jfork template.fork().run", "bare JVM (ProcessBuilder)"};
            String[] colors = {SvgChart.BLUE, SvgChart.RED, SvgChart.ORANGE, SvgChart.GREY};
            Variant p = v("perl-fork");

            SvgChart p50 = new SvgChart("Create/fork to first byte read, p50 (lower is better)", "ms", groups).logScale(true)
                    .subtitle("each sample: make a process, run a function that writes one byte, until the parent read it;"
                            + (o.concurrent ? " all of a burst at once" : " a burst's samples back to back") + ", after a "
                            + SvgChart.label(o.pause) + " s pause")
                    .note(where);
            SvgChart max = new SvgChart("Create/fork to first byte read, max of each burst size (lower is better)", "ms", groups)
                    .logScale(true).subtitle("the slowest sample over all counted bursts of that size").note(where);
            for (int i = 0; i < keys.length; i++) {
                Variant v = v(keys[i]);
                if (v == null) {
                    continue;
                }
                double[] a = new double[o.bursts.size()];
                double[] x = new double[o.bursts.size()];
                for (int g = 0; g < a.length; g++) {
                    a[g] = p50(v, o.bursts.get(g));
                    x[g] = max(v, o.bursts.get(g));
                }
                p50.series(names[i], colors[i], a);
                max.series(names[i], colors[i], x);
            }
            for (int g = 0; g < o.bursts.size(); g++) {
                int k = o.bursts.get(g);
                double pp = p50(p, k);
                p50.target(g, k <= 3 ? pp : 2 * pp, k <= 3 ? "≤ 1.0× Perl" : "≤ 2× Perl");
                if (k > 3) {
                    max.target(g, 10, "≤ 10 ms");
                }
            }
            m.put("bursts-p50", p50);
            m.put("bursts-max", max);

            if (first != null) {
                double fb = SpawnBench.median(first.bare);
                SvgChart fc = new SvgChart("A fresh program's first process, to its first byte: p50 (lower is better)", "ms",
                        List.of("jfork: first create() to first byte", "(first create() to run-entered)", "bare JVM: first start to first byte"))
                        .subtitle("timed inside a fresh JVM from just before its first Fork.create() / ProcessBuilder.start(); "
                                + first.create.size() + " fresh JVMs each")
                        .note(where.replaceFirst("; \\d+ rounds$", ""))
                        .bars(new double[] {SpawnBench.median(first.create), SpawnBench.median(first.entered), fb},
                                SvgChart.RED, SvgChart.PURPLE, SvgChart.GREY)
                        .target(0, 1.5 * fb, "≤ 1.5× bare");
                m.put("first-create", fc);
            }
            if (o.seconds > 0 && !variants.isEmpty()) {
                String[] shortNames = {"Perl fork->run", "jfork create().run", "jfork template.fork().run", "bare JVM"};
                List<String> sg = new ArrayList<>();
                List<Double> vals = new ArrayList<>();
                List<String> cols = new ArrayList<>();
                for (int i = 0; i < keys.length; i++) {
                    Variant v = v(keys[i]);
                    if (v != null) {
                        sg.add(shortNames[i]);
                        vals.add(v.rate());
                        cols.add(colors[i]);
                    }
                }
                SvgChart s = new SvgChart("Sustained processes per second, 1 in flight (higher is better)", "processes/s", sg).logScale(true)
                        .subtitle("back to back: make a process, read its byte, wait until it is gone; " + SvgChart.label(o.seconds)
                                + " s per variant")
                        .note(where.replaceFirst("; \\d+ rounds$", ""))
                        .bars(vals.stream().mapToDouble(Double::doubleValue).toArray(), cols.toArray(new String[0]));
                Variant ba = v("bare");
                if (ba != null) {
                    for (int g = 0; g < sg.size(); g++) {
                        if (sg.get(g).startsWith("jfork")) {
                            s.target(g, 0.9 * ba.rate(), "≥ 0.9× bare");
                        }
                    }
                }
                m.put("sustained", s);
            }
            return m;
        }
    }

    static void log(String line) {
        SpawnBench.log(line);
    }
}
