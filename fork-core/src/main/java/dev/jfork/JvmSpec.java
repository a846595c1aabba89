package dev.jfork;

import java.io.File;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import dev.jfork.internal.os.LauncherArguments;

/**
 * How to start a fresh child JVM with {@link Fork#exec(JvmSpec)}: which {@code java}, class path,
 * JVM options, system properties, environment and working directory, plus jfork's own limits for the
 * processes of that JVM line (forks of it inherit its spec).
 *
 * <p>{@link #defaults()} reproduces the current JVM: its {@code java} (or the one named by the system
 * property {@code jfork.java}), its class path (plus the module path, flattened onto the class
 * path), the JVM options that change what code sees ({@code -D}, {@code --add-opens},
 * {@code --add-exports}, {@code --add-reads}, {@code --add-modules}, {@code --enable-native-access},
 * {@code --enable-preview}, assertion switches) and its environment. Heap, GC, agent and debugger
 * options are not copied.
 *
 * <pre>{@code
 * JvmSpec spec = JvmSpec.builder()
 *         .jvmOptions("-Xmx256m")
 *         .systemProperty("app.mode", "worker")
 *         .build();
 * Fork.exec(spec).require("com.example.Worker").run("com.example.Worker.run");
 * }</pre>
 */
public final class JvmSpec {
    /** Default for {@link Builder#stderrLines(int)}. */
    public static final int DEFAULT_STDERR_LINES = 20;
    /** Default for {@link Builder#exitTimeout(Duration)}. */
    public static final Duration DEFAULT_EXIT_TIMEOUT = Duration.ofSeconds(10);
    /** Default for {@link Builder#spares(int)}. */
    public static final int DEFAULT_SPARES = 2;
    /** Default for {@link Builder#spareDelay(Duration)}. */
    public static final Duration DEFAULT_SPARE_DELAY = Duration.ofMillis(30);
    /** Default for {@link Builder#maxSpares(int)}. */
    public static final int DEFAULT_MAX_SPARES = 16;
    /** Default for {@link Builder#spareIdleTimeout(Duration)}. */
    public static final Duration DEFAULT_SPARE_IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** Default for {@link Builder#spareMemoryBudget(long)}: 384 MiB. */
    public static final long DEFAULT_SPARE_MEMORY_BUDGET = 384L << 20;
    /** Default for {@link Builder#cacheMaxAge(Duration)}: 30 days. */
    public static final Duration DEFAULT_CACHE_MAX_AGE = Duration.ofDays(30);
    /** Default for {@link Builder#maxFrameSize(int)}: 64 MiB. */
    public static final int DEFAULT_MAX_FRAME_SIZE = 64 << 20;

    private static final String[] COPIED_OPTION_PREFIXES = {"-D", "--add-opens", "--add-exports", "--add-reads",
        "--add-modules", "--enable-native-access", "--enable-preview", "-ea", "-da", "-esa", "-dsa", "-enableassertions",
        "-disableassertions", "-enablesystemassertions", "-disablesystemassertions"};

    private final Path java;
    private final List<String> classPath;
    private final List<String> jvmOptions;
    private final Map<String, String> systemProperties;
    private final Map<String, String> environment;
    private final Path workingDirectory;
    private final int stderrLines;
    private final Duration exitTimeout;
    private final int maxFrameSize;
    private final int spares;
    private final Duration spareDelay;
    private final int maxSpares;
    private final Duration spareIdleTimeout;
    private final long spareMemoryBudget;
    private final boolean classDataSharing;
    private final boolean fixedArchiveAddress;
    private final boolean leanFlags;
    private final Path cacheDirectory;
    private final Duration cacheMaxAge;
    private final OutputStream stderr;
    private final boolean discardStderr;

    private JvmSpec(Builder b) {
        this.java = b.java;
        this.classPath = List.copyOf(b.classPath);
        this.jvmOptions = List.copyOf(b.jvmOptions);
        this.systemProperties = Collections.unmodifiableMap(new LinkedHashMap<>(b.systemProperties));
        this.environment = Collections.unmodifiableMap(new LinkedHashMap<>(b.environment));
        this.workingDirectory = b.workingDirectory;
        this.stderrLines = b.stderrLines;
        this.exitTimeout = b.exitTimeout;
        this.maxFrameSize = b.maxFrameSize;
        this.spares = b.spares;
        this.spareDelay = b.spareDelay;
        this.maxSpares = b.spares == 0 ? 0 : Math.max(b.maxSpares, b.spares); // spares(0) turns them off, growth included
        this.spareIdleTimeout = b.spareIdleTimeout;
        this.spareMemoryBudget = b.spareMemoryBudget;
        this.classDataSharing = b.classDataSharing;
        this.fixedArchiveAddress = b.fixedArchiveAddress;
        this.leanFlags = b.leanFlags;
        this.cacheDirectory = b.cacheDirectory;
        this.cacheMaxAge = b.cacheMaxAge;
        this.stderr = b.stderr;
        this.discardStderr = b.discardStderr;
    }

    /**
     * A spec that reproduces the current JVM.
     *
     * @return a spec with every value at its default
     */
    public static JvmSpec defaults() {
        return builder().build();
    }

    /**
     * A builder that starts from {@link #defaults()}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder that starts from this spec.
     *
     * @return a new builder holding the values of this spec
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * The {@code java} executable.
     *
     * @return the path of the {@code java} executable
     */
    public Path java() {
        return java;
    }

    /**
     * Class path entries, in order.
     *
     * @return the class path entries (unmodifiable)
     */
    public List<String> classPath() {
        return classPath;
    }

    /**
     * JVM options, in order, before jfork's own.
     *
     * @return the JVM options (unmodifiable)
     */
    public List<String> jvmOptions() {
        return jvmOptions;
    }

    /**
     * System properties passed as {@code -Dname=value}.
     *
     * @return the system properties by name (unmodifiable)
     */
    public Map<String, String> systemProperties() {
        return systemProperties;
    }

    /**
     * The complete environment of the child.
     *
     * @return the environment variables by name (unmodifiable)
     */
    public Map<String, String> environment() {
        return environment;
    }

    /**
     * The child's working directory; null means the current one.
     *
     * @return the absolute working directory, or null
     */
    public Path workingDirectory() {
        return workingDirectory;
    }

    /**
     * How many of the last stderr lines a {@link ForkException} quotes.
     *
     * @return the number of lines, 0 or more
     */
    public int stderrLines() {
        return stderrLines;
    }

    /**
     * How long a closed or failed process may take to exit before it is killed.
     *
     * @return the timeout, not negative
     */
    public Duration exitTimeout() {
        return exitTimeout;
    }

    /**
     * The largest command frame (and so the largest single argument) a process accepts.
     *
     * @return the size limit in bytes, at least 1024
     */
    public int maxFrameSize() {
        return maxFrameSize;
    }

    /**
     * How many ready forks a process of this spec keeps once it is used as a template.
     *
     * @return the number of spares; 0 means none
     */
    public int spares() {
        return spares;
    }

    /**
     * How long a template waits after handing over a spare before it starts a replacement.
     *
     * @return the delay, not negative
     */
    public Duration spareDelay() {
        return spareDelay;
    }

    /**
     * The most spares a template of this spec keeps when demand grows (never fewer than
     * {@link #spares()}; 0 when {@code spares()} is 0).
     *
     * @return the limit, at least {@link #spares()}
     */
    public int maxSpares() {
        return maxSpares;
    }

    /**
     * How long a template keeps spares beyond {@link #spares()} once forks are no longer asked for.
     *
     * @return the timeout, positive
     */
    public Duration spareIdleTimeout() {
        return spareIdleTimeout;
    }

    /**
     * How much memory (proportional set size) a template's spares may take together before it stops
     * adding spares beyond {@link #spares()}.
     *
     * @return the budget in bytes
     */
    public long spareMemoryBudget() {
        return spareMemoryBudget;
    }

    /**
     * Whether the forks of a template boot from a class-data archive.
     *
     * @return true if class-data archives are used (see {@link Builder#classDataSharing(boolean)})
     */
    public boolean classDataSharing() {
        return classDataSharing;
    }

    /**
     * Whether class-data archives are mapped at the address they were built for (see the builder).
     *
     * @return true if {@link Builder#fixedArchiveAddress(boolean)} is on
     */
    public boolean fixedArchiveAddress() {
        return fixedArchiveAddress;
    }

    /**
     * Whether jfork adds its lean start-up flags to the child's command line (see the builder).
     *
     * @return true if {@link Builder#leanFlags(boolean)} is on
     */
    public boolean leanFlags() {
        return leanFlags;
    }

    /**
     * Where class-data archives are cached.
     *
     * @return the absolute path of the cache directory
     */
    public Path cacheDirectory() {
        return cacheDirectory;
    }

    /**
     * How long an unused class-data archive stays in the cache directory.
     *
     * @return the maximum age, not negative
     */
    public Duration cacheMaxAge() {
        return cacheMaxAge;
    }

    /**
     * Where the children's stderr is copied now: the stream set with {@link Builder#stderr}, else
     * {@code System.err} as it is at the time of the call; null with {@link Builder#discardStderr()}.
     *
     * @return the stream to copy to, or null if the children's stderr is discarded
     */
    public OutputStream stderrSink() {
        return discardStderr ? null : stderr != null ? stderr : System.err;
    }

    @Override
    public String toString() {
        return "JvmSpec[java=" + java + ", jvmOptions=" + jvmOptions + ", systemProperties=" + systemProperties
                + ", classPath=" + classPath.size() + " entries, workingDirectory=" + workingDirectory + "]";
    }

    /** Builder for {@link JvmSpec}; every setter replaces the previous value. */
    public static final class Builder {
        private Path java;
        private final List<String> classPath = new ArrayList<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private final Map<String, String> systemProperties = new LinkedHashMap<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private Path workingDirectory;
        private int stderrLines = DEFAULT_STDERR_LINES;
        private Duration exitTimeout = DEFAULT_EXIT_TIMEOUT;
        private int maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
        private int spares = DEFAULT_SPARES;
        private Duration spareDelay = DEFAULT_SPARE_DELAY;
        private int maxSpares = DEFAULT_MAX_SPARES;
        private Duration spareIdleTimeout = DEFAULT_SPARE_IDLE_TIMEOUT;
        private long spareMemoryBudget = DEFAULT_SPARE_MEMORY_BUDGET;
        private boolean classDataSharing = true;
        private boolean fixedArchiveAddress;
        private boolean leanFlags = true;
        private Path cacheDirectory = defaultCacheDirectory();
        private Duration cacheMaxAge = DEFAULT_CACHE_MAX_AGE;
        private OutputStream stderr;
        private boolean discardStderr;

        private Builder() {
            String override = System.getProperty("jfork.java");
            this.java = override != null && !override.isEmpty() ? Paths.get(override)
                    : Paths.get(System.getProperty("java.home"), "bin", "java");
            this.classPath.addAll(CurrentJvm.CLASS_PATH);
            this.jvmOptions.addAll(CurrentJvm.OPTIONS);
            this.environment.putAll(System.getenv());
        }

        private Builder(JvmSpec s) {
            this.java = s.java;
            this.classPath.addAll(s.classPath);
            this.jvmOptions.addAll(s.jvmOptions);
            this.systemProperties.putAll(s.systemProperties);
            this.environment.putAll(s.environment);
            this.workingDirectory = s.workingDirectory;
            this.stderrLines = s.stderrLines;
            this.exitTimeout = s.exitTimeout;
            this.maxFrameSize = s.maxFrameSize;
            this.spares = s.spares;
            this.spareDelay = s.spareDelay;
            this.maxSpares = s.maxSpares;
            this.spareIdleTimeout = s.spareIdleTimeout;
            this.spareMemoryBudget = s.spareMemoryBudget;
            this.classDataSharing = s.classDataSharing;
            this.fixedArchiveAddress = s.fixedArchiveAddress;
            this.leanFlags = s.leanFlags;
            this.cacheDirectory = s.cacheDirectory;
            this.cacheMaxAge = s.cacheMaxAge;
            this.stderr = s.stderr;
            this.discardStderr = s.discardStderr;
        }

        /**
         * The {@code java} executable to run (an absolute path).
         *
         * @param java the executable; a relative path is made absolute against the current directory
         * @return this builder, for chaining
         */
        public Builder java(Path java) {
            this.java = Objects.requireNonNull(java, "java").toAbsolutePath();
            return this;
        }

        /**
         * Replaces the class path. jfork's own jars are added if missing, so the child can boot.
         *
         * @param entries the new class path entries, in order
         * @return this builder, for chaining
         */
        public Builder classPath(List<String> entries) {
            classPath.clear();
            classPath.addAll(entries);
            return this;
        }

        /**
         * Appends class path entries.
         *
         * @param entries the entries to add after the current ones
         * @return this builder, for chaining
         */
        public Builder addClassPath(String... entries) {
            Collections.addAll(classPath, entries);
            return this;
        }

        /**
         * Replaces the JVM options (the defaults copied from the current JVM included).
         *
         * @param options the new JVM options, in order
         * @return this builder, for chaining
         */
        public Builder jvmOptions(List<String> options) {
            jvmOptions.clear();
            jvmOptions.addAll(options);
            return this;
        }

        /**
         * Appends JVM options, such as {@code -Xmx256m}.
         *
         * @param options the options to add after the current ones
         * @return this builder, for chaining
         */
        public Builder jvmOptions(String... options) {
            Collections.addAll(jvmOptions, options);
            return this;
        }

        /**
         * Sets a system property of the child.
         *
         * @param name  the property name, not null
         * @param value its value, not null
         * @return this builder, for chaining
         */
        public Builder systemProperty(String name, String value) {
            systemProperties.put(Objects.requireNonNull(name), Objects.requireNonNull(value));
            return this;
        }

        /**
         * Replaces the whole environment of the child (the default is a copy of the current one).
         *
         * @param env the variables by name; copied
         * @return this builder, for chaining
         */
        public Builder environment(Map<String, String> env) {
            environment.clear();
            environment.putAll(env);
            return this;
        }

        /**
         * Sets (or, with a null value, removes) one environment variable of the child.
         *
         * @param name  the variable's name
         * @param value its value, or null to remove it
         * @return this builder, for chaining
         */
        public Builder env(String name, String value) {
            if (value == null) {
                environment.remove(name);
            } else {
                environment.put(name, value);
            }
            return this;
        }

        /**
         * The child's working directory (default: the current one).
         *
         * @param dir the directory, made absolute against the current one; null for the current one
         * @return this builder, for chaining
         */
        public Builder workingDirectory(Path dir) {
            this.workingDirectory = dir == null ? null : dir.toAbsolutePath();
            return this;
        }

        /**
         * How many of a child's last stderr lines a {@link ForkException} quotes (default
         * {@value JvmSpec#DEFAULT_STDERR_LINES}; lines longer than 2000 characters are cut in the
         * quote, not in the copy).
         *
         * @param lines the number of lines, 0 for none
         * @return this builder, for chaining
         */
        public Builder stderrLines(int lines) {
            if (lines < 0) {
                throw new IllegalArgumentException("stderrLines < 0: " + lines);
            }
            this.stderrLines = lines;
            return this;
        }

        /**
         * How long a process that was closed before {@code run}, or that failed, may take to exit
         * before jfork kills it with SIGKILL (default 10 s).
         *
         * @param timeout the time to wait, not negative
         * @return this builder, for chaining
         */
        public Builder exitTimeout(Duration timeout) {
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("negative exitTimeout: " + timeout);
            }
            this.exitTimeout = timeout;
            return this;
        }

        /**
         * The largest command a process accepts, in bytes (default 64 MiB). A larger
         * {@code sendArg} fails at once in the caller; a larger frame arriving at a child is a
         * protocol error there.
         *
         * @param bytes the limit in bytes, at least 1024
         * @return this builder, for chaining
         */
        public Builder maxFrameSize(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("maxFrameSize below 1024: " + bytes);
            }
            this.maxFrameSize = bytes;
            return this;
        }

        /**
         * How many <em>spares</em> a process of this spec keeps once it is used as a template
         * (default {@value JvmSpec#DEFAULT_SPARES}; 0 turns them off). A spare is a fork started
         * ahead of time and already prepared with everything the template was sent, so
         * {@link Fork#fork()} can hand it over at once and start a replacement in the background.
         * Spares run the template's preparation ({@code require}, {@code eval}) but nothing else
         * before they are handed over; each idle spare is a JVM (30-45 MB); they exit with their
         * template. If three spares in a row end before they are used (the template's preparation
         * fails in a fresh JVM, say), the template stops keeping spares. The default template ({@link Fork#create()}) starts its spares at once, other
         * processes on their first fork.
         *
         * @param spares the number of spares, 0 or more
         * @return this builder, for chaining
         */
        public Builder spares(int spares) {
            if (spares < 0) {
                throw new IllegalArgumentException("spares < 0: " + spares);
            }
            this.spares = spares;
            return this;
        }

        /**
         * How long a template waits after handing over a spare before it starts the replacement
         * (default {@code 30 ms}; rounded down to whole milliseconds; {@link Duration#ZERO} starts
         * it at once). Starting a JVM takes both CPUs of a small machine for tens of milliseconds;
         * started at once, the replacement competes with the fork just handed over and with its
         * parent while they exchange the first frames, which on two vCPUs made a hand-over take
         * 2.6-4.7 ms instead of 1.4-2.4 ms (fork-bench, FastForkBench). Every hand-over restarts
         * the wait, so a burst of forks is not slowed by replacements being started in between.
         *
         * @param delay the delay, not negative
         * @return this builder, for chaining
         */
        public Builder spareDelay(Duration delay) {
            Objects.requireNonNull(delay, "delay");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("spareDelay < 0: " + delay);
            }
            this.spareDelay = delay;
            return this;
        }

        /**
         * The most spares a template keeps when forks are asked for faster than its
         * {@link #spares(int) spares} cover (default {@value JvmSpec#DEFAULT_MAX_SPARES}; a value
         * below {@code spares} means {@code spares}). A template counts how many forks it was asked
         * for within a second, and keeps that many spares ready (at least {@code spares}, at most
         * this, within {@link #spareMemoryBudget(long)}; none at all with {@code spares(0)}) until
         * no fork has been asked for during
         * {@link #spareIdleTimeout(Duration)}; then it returns to {@code spares}. A burst of forks
         * therefore costs JVM starts once, and the same burst again finds its spares ready. A
         * pool tells its template how many workers it may start ({@code ForkPool} calls
         * {@link Fork#keepSpares(int)}), so its spares are ready before the first burst.
         *
         * @param max the limit, 0 or more
         * @return this builder, for chaining
         * @throws IllegalArgumentException if {@code max} is negative
         */
        public Builder maxSpares(int max) {
            if (max < 0) {
                throw new IllegalArgumentException("maxSpares < 0: " + max);
            }
            this.maxSpares = max;
            return this;
        }

        /**
         * How long a template keeps the spares it added for a burst once no fork is asked for
         * (default 30 s); after that it ends those beyond {@link #spares(int)}.
         *
         * @param timeout the timeout, positive
         * @return this builder, for chaining
         * @throws IllegalArgumentException if {@code timeout} is not positive
         */
        public Builder spareIdleTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("spareIdleTimeout must be positive: " + timeout);
            }
            this.spareIdleTimeout = timeout;
            return this;
        }

        /**
         * The memory the spares of one template may take together, as proportional set size (the
         * kernel's share of each page counted once among the processes that map it; default
         * 384 MiB). An idle spare takes 20-30 MB on the development machine (fork-bench,
         * FastForkBench). The template measures its spares and adds none beyond
         * {@link #spares(int)} that would exceed the budget; the first {@code spares} are always
         * kept.
         *
         * @param bytes the budget, 0 or more
         * @return this builder, for chaining
         * @throws IllegalArgumentException if {@code bytes} is negative
         */
        public Builder spareMemoryBudget(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("spareMemoryBudget < 0: " + bytes);
            }
            this.spareMemoryBudget = bytes;
            return this;
        }

        /**
         * Whether the forks of a template boot from a class-data archive (default on): a static
         * AppCDS archive on JDK 17-24, an AOT cache ({@code -XX:AOTCache}) on JDK 25+, holding
         * jfork's child classes, the classes the template was told to {@code require} and the JDK
         * classes they use. It is built once
         * per distinct configuration (java build, class path with its jars' sizes and dates, JVM
         * options, required classes) by a training JVM in the background (at a lower CPU
         * priority: 10 nice levels below the template), kept in
         * {@link #cacheDirectory(Path)} and reused by later runs. Starts get faster and the mapped
         * class data is shared between the JVMs. Only jar files can be archived: with a directory
         * on the class path (an IDE or build output folder) there is no archive. A stale or
         * unusable archive is logged once and ignored; it never makes a fork fail. The training
         * JVM only loads the required classes (no {@code eval}) and is abandoned after 2 minutes.
         *
         * @param enabled true to use class-data archives
         * @return this builder, for chaining
         */
        public Builder classDataSharing(boolean enabled) {
            this.classDataSharing = enabled;
            return this;
        }

        /**
         * Whether the child JVMs map class-data archives (the JDK's own and a template's) at the
         * address they were built for instead of a random one (default off). At a random address
         * (the JDK's default since JDK 20, and in current JDK 17 builds such as 17.0.15) every
         * pointer in the mapped archive is relocated, which writes to its pages: each fork then
         * holds a private copy of the archive instead of sharing it. Mapped at its own address the
         * archive's read-only part stays shared between all forks: measured on JDK 17 and 25, an
         * idle fork of a prepared template drops from about 27-31 MB to 20-25 MB PSS
         * (fork-bench, FastForkBench). The price is that the archive's location is no longer
         * randomised (ASLR), which is why the JDK changed its default; the rest of the process
         * still is. Adds {@code -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0} before
         * the {@linkplain #jvmOptions(String...) JVM options} (so an explicit
         * {@code ArchiveRelocationMode} there wins). If the address is taken the JVM relocates as
         * usual: never a failure.
         *
         * @param fixed true to map archives at their own address
         * @return this builder, for chaining
         */
        public Builder fixedArchiveAddress(boolean fixed) {
            this.fixedArchiveAddress = fixed;
            return this;
        }

        /**
         * Whether jfork adds flags that make a child JVM start faster and leave less behind
         * (default on): {@code -XX:-UsePerfData}, which saves the JVM from creating, and on exit
         * deleting, its {@code /tmp/hsperfdata_<user>/<pid>} statistics file (a few ms per start;
         * a process killed with SIGKILL, as a cancelled pool job's worker is, leaves that file
         * behind otherwise). Without it {@code jps} and {@code jstat} do not see the children;
         * {@code jcmd <pid>} still works. The flags go before the
         * {@linkplain #jvmOptions(String...) JVM options}, so the user's own setting of the same
         * flag wins. Flags that would speed up start-up but slow down the work a child does
         * ({@code -XX:TieredStopAtLevel=1}) or do not help start-up (a different garbage collector)
         * are not added; set them with {@link #jvmOptions(String...)}. One of those is worth
         * knowing on JDK 18 and newer: {@code -Djdk.reflect.useNativeAccessorOnly=true}. There
         * the first reflective call in a JVM (jfork calls the {@code run} function reflectively)
         * generates method-handle classes, which a class-data archive cannot hold on JDK 25; the
         * flag saves 10-15 ms of CPU per child (a JDK 25 fork 42 instead of 55 ms; sustained forks
         * per second 1.12x instead of 0.89x a bare JVM, fork-bench) but makes every later
         * reflective call in the child ~18x slower (110 instead of 6 ns), so it is not a default.
         *
         * @param lean true to add the flags
         * @return this builder, for chaining
         */
        public Builder leanFlags(boolean lean) {
            this.leanFlags = lean;
            return this;
        }

        /**
         * Where class-data archives are kept (default {@code $XDG_CACHE_HOME/jfork/archives}, or
         * {@code ~/.cache/jfork/archives}); created with owner-only permissions.
         *
         * @param dir the directory, made absolute against the current one
         * @return this builder, for chaining
         */
        public Builder cacheDirectory(Path dir) {
            this.cacheDirectory = Objects.requireNonNull(dir, "dir").toAbsolutePath();
            return this;
        }

        /**
         * How long a class-data archive may go unused before it is deleted from the
         * {@linkplain #cacheDirectory(Path) cache directory} (default 30 days). Each configuration
         * has its own archive, and rebuilding a jar on the class path makes a new configuration, so
         * without this the cache would grow by an archive (6-17 MB) per build. An archive counts
         * as used when it is built, found by a template or mapped by a JVM; old ones are deleted
         * when this program starts its first process that may use the directory.
         *
         * @param maxAge the longest time an archive may go unused, not negative
         * @return this builder, for chaining
         */
        public Builder cacheMaxAge(Duration maxAge) {
            Objects.requireNonNull(maxAge, "maxAge");
            if (maxAge.isNegative()) {
                throw new IllegalArgumentException("cacheMaxAge < 0: " + maxAge);
            }
            this.cacheMaxAge = maxAge;
            return this;
        }

        /**
         * Where the children's standard error is copied (default: {@code System.err} as it is when
         * the bytes arrive). The last lines are kept for error reports either way.
         *
         * @param sink the stream the children's stderr is written to
         * @return this builder, for chaining
         */
        public Builder stderr(OutputStream sink) {
            this.stderr = Objects.requireNonNull(sink, "sink");
            this.discardStderr = false;
            return this;
        }

        /**
         * Do not copy the children's standard error anywhere (the last lines are still kept).
         *
         * @return this builder, for chaining
         */
        public Builder discardStderr() {
            this.stderr = null;
            this.discardStderr = true;
            return this;
        }

        /**
         * The spec with the values set so far. The builder stays usable; later changes do not
         * affect the spec.
         *
         * @return a new spec
         */
        public JvmSpec build() {
            return new JvmSpec(this);
        }
    }

    private static Path defaultCacheDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isEmpty() ? Paths.get(xdg) : Paths.get(System.getProperty("user.home"), ".cache");
        return base.resolve("jfork").resolve("archives").toAbsolutePath();
    }

    /**
     * A module option of this JVM as a child on the class path can take it: an option that names
     * only system modules is kept; a program on the module path has its own modules too, which a
     * child does not have (it would fail to start, or warn): {@code --add-opens} and
     * {@code --add-exports} of a system package to such a module are given to {@code ALL-UNNAMED}
     * (where the child's copy of that code lives), other options naming them are dropped (null).
     */
    static String forClassPath(String option) {
        int eq = option.indexOf('=');
        if (!(option.startsWith("--add-") || option.startsWith("--enable-native-access")) || eq < 0) {
            return option;
        }
        String name = option.substring(0, eq);
        String value = option.substring(eq + 1);
        if (name.equals("--enable-native-access")) {
            // jfork gives its children ALL-UNNAMED itself; the program's own modules are unnamed there
            List<String> kept = new ArrayList<>();
            for (String m : value.split(",")) {
                if (isSystemModule(m) && !m.equals("ALL-UNNAMED")) {
                    kept.add(m);
                }
            }
            return kept.isEmpty() ? null : name + "=" + String.join(",", kept);
        }
        if (name.equals("--add-modules")) {
            for (String m : value.split(",")) {
                if (!isSystemModule(m)) {
                    return null;
                }
            }
            return option;
        }
        int to = value.indexOf('=');
        if (to < 0) {
            return option;
        }
        String source = value.substring(0, to);
        int slash = source.indexOf('/');
        if (!isSystemModule(slash < 0 ? source : source.substring(0, slash))) {
            return null;
        }
        StringBuilder targets = new StringBuilder();
        boolean rewritten = false;
        for (String t : value.substring(to + 1).split(",")) {
            String target = t;
            if (!isSystemModule(t)) {
                if (name.equals("--add-reads")) {
                    return null;
                }
                target = "ALL-UNNAMED";
                rewritten = true;
            }
            if (targets.indexOf(target) < 0) {
                targets.append(targets.length() == 0 ? "" : ",").append(target);
            }
        }
        return rewritten ? name + "=" + source + "=" + targets : option;
    }

    private static boolean isSystemModule(String name) {
        return name.startsWith("ALL-") || ModuleFinder.ofSystem().find(name).isPresent();
    }

    /** What the current JVM looks like, computed once. */
    private static final class CurrentJvm {
        static final List<String> CLASS_PATH = classPath();
        static final List<String> OPTIONS = options();

        private static List<String> classPath() {
            Set<String> entries = new LinkedHashSet<>();
            for (String property : new String[] {"java.class.path", "jdk.module.path"}) {
                String value = System.getProperty(property, "");
                for (String e : value.split(File.pathSeparator)) {
                    if (!e.isEmpty()) {
                        entries.add(e);
                    }
                }
            }
            return new ArrayList<>(entries);
        }

        private static List<String> options() {
            List<String> copied = new ArrayList<>();
            List<String> given = LauncherArguments.ofThisJvm(); // the command line itself: JMX costs a cold program tens of ms
            if (given == null) {
                given = ManagementFactory.getRuntimeMXBean().getInputArguments();
            }
            for (String option : given) {
                for (String prefix : COPIED_OPTION_PREFIXES) {
                    // -Djdk.module.* are how the launcher passes -m/-p/--upgrade-module-path on: a child
                    // runs on the class path, where they name modules it does not have
                    if (option.startsWith(prefix) && !option.startsWith("-Djava.class.path=") && !option.startsWith("-Djdk.module.")) {
                        String o = forClassPath(option);
                        if (o != null) {
                            copied.add(o);
                        }
                        break;
                    }
                }
            }
            return copied;
        }
    }
}
