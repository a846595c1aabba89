package dev.jfork.remote;

import java.io.File;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How a remote template is started: the command that reaches the other host ({@code ssh} and its
 * options), the {@code java} there, its JVM options, the remote cache of class-path jars, the
 * class path to make available there, and the template's spares. Immutable; made with
 * {@link #builder()}.
 *
 * <pre>{@code
 * RemoteSpec spec = RemoteSpec.builder()
 *         .sshOptions("-p", "2222", "-i", "/home/me/.ssh/build_key")
 *         .java("/opt/jdk-21/bin/java")
 *         .jvmOptions("-Xmx2g")
 *         .build();
 * Fork template = ForkRemote.ssh("build@worker7", spec);
 * }</pre>
 */
public final class RemoteSpec {
    /** Default for {@link Builder#cacheDirectory(String)}: under the remote user's home. */
    public static final String DEFAULT_CACHE_DIRECTORY = "$HOME/.cache/jfork/remote";
    /** Default for {@link Builder#connectTimeout(Duration)}. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(60);
    /** Default for {@link Builder#closeTimeout(Duration)}. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** Default for {@link Builder#spares(int)}. */
    public static final int DEFAULT_SPARES = 2;
    /** Default for {@link Builder#channelWindow(int)}: 256 KiB. */
    public static final int DEFAULT_CHANNEL_WINDOW = 256 * 1024;

    private final List<String> sshCommand;
    private final List<String> sshOptions;
    private final String java;
    private final List<String> jvmOptions;
    private final String cacheDirectory;
    private final List<Path> classPath;
    private final Duration connectTimeout;
    private final Duration closeTimeout;
    private final int spares;
    private final int channelWindow;

    private RemoteSpec(Builder b) {
        this.sshCommand = List.copyOf(b.sshCommand);
        this.sshOptions = List.copyOf(b.sshOptions);
        this.java = b.java;
        this.jvmOptions = List.copyOf(b.jvmOptions);
        this.cacheDirectory = b.cacheDirectory;
        this.classPath = List.copyOf(b.classPath != null ? b.classPath : localClassPath());
        this.connectTimeout = b.connectTimeout;
        this.closeTimeout = b.closeTimeout;
        this.spares = b.spares;
        this.channelWindow = b.channelWindow;
    }

    /**
     * The defaults: {@code ssh}, the remote {@code java} on its PATH, this JVM's class path.
     *
     * @return the default spec
     */
    public static RemoteSpec defaults() {
        return builder().build();
    }

    /**
     * A builder with the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The ssh client and its fixed arguments, before {@link #sshOptions()} and the destination
     * (default {@code ssh}).
     *
     * @return the command, never empty
     */
    public List<String> sshCommand() {
        return sshCommand;
    }

    /**
     * Options given to ssh before the destination (default none: the user's ssh configuration,
     * keys and known hosts decide). jfork adds {@code -T -e none -o BatchMode=yes}: no terminal,
     * no escape character (the connection carries binary data), no password prompt.
     *
     * @return the options
     */
    public List<String> sshOptions() {
        return sshOptions;
    }

    /**
     * The {@code java} executable on the remote host (default {@code java}, found on the remote
     * PATH); Java 17 or newer.
     *
     * @return the executable
     */
    public String java() {
        return java;
    }

    /**
     * Options of the remote template's JVM (and so of its forks), such as {@code -Xmx2g}.
     *
     * @return the options
     */
    public List<String> jvmOptions() {
        return jvmOptions;
    }

    /**
     * Where the remote host keeps the class-path jars it was sent, by content hash (a shell word:
     * {@code $HOME} is expanded there; default {@value #DEFAULT_CACHE_DIRECTORY}). Made with mode
     * 0700; jars are written 0600 and reused by every later connection.
     *
     * @return the remote directory
     */
    public String cacheDirectory() {
        return cacheDirectory;
    }

    /**
     * The class path made available on the remote host: jar files are sent as they are, class
     * directories as jars made of them (default: this JVM's class path).
     *
     * @return the entries, in order
     */
    public List<Path> classPath() {
        return classPath;
    }

    /**
     * How long starting the remote template may take, connection and the jars sent included
     * (default 60 s).
     *
     * @return the timeout
     */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /**
     * How long closing the connection waits for the remote side to end by itself once its input
     * is closed, before the local command (ssh) is killed (default 5 s).
     *
     * @return the timeout
     */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /**
     * Spares the remote template keeps ready, as {@code JvmSpec.Builder.spares} does locally
     * (default {@value #DEFAULT_SPARES}).
     *
     * @return the count
     */
    public int spares() {
        return spares;
    }

    /**
     * How many bytes one stream of the connection (a process's socket or stderr, each way) may
     * carry ahead of its reader (default 256 KiB). Every process there shares one connection: a
     * stream whose reader is slow fills its own window and holds up no other. A larger window
     * suits fast bulk transfers over links with a long round trip, at that much memory per stream
     * on each side.
     *
     * @return the window in bytes
     */
    public int channelWindow() {
        return channelWindow;
    }

    /** This JVM's class path entries. */
    private static List<Path> localClassPath() {
        List<Path> entries = new ArrayList<>();
        for (String e : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!e.isEmpty()) {
                entries.add(Paths.get(e).toAbsolutePath());
            }
        }
        return entries;
    }

    @Override
    public String toString() {
        return "RemoteSpec[ssh " + String.join(" ", sshCommand) + " " + String.join(" ", sshOptions) + ", java " + java
                + (jvmOptions.isEmpty() ? "" : " " + String.join(" ", jvmOptions)) + ", cache " + cacheDirectory + ", "
                + classPath.size() + " class path entries]";
    }

    /** Builds a {@link RemoteSpec}. */
    public static final class Builder {
        private List<String> sshCommand = List.of("ssh");
        private List<String> sshOptions = List.of();
        private String java = "java";
        private List<String> jvmOptions = List.of();
        private String cacheDirectory = DEFAULT_CACHE_DIRECTORY;
        private List<Path> classPath;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
        private int spares = DEFAULT_SPARES;
        private int channelWindow = DEFAULT_CHANNEL_WINDOW;

        private Builder() {}

        /**
         * The window of each stream of the connection (default 256 KiB; at least 64 KiB).
         *
         * @param bytes the window
         * @return this builder, for chaining
         * @throws IllegalArgumentException if {@code bytes} is below 64 KiB
         */
        public Builder channelWindow(int bytes) {
            if (bytes < 64 * 1024) {
                throw new IllegalArgumentException("channelWindow below 64 KiB: " + bytes);
            }
            this.channelWindow = bytes;
            return this;
        }

        /**
         * The ssh client and its fixed arguments (default {@code ssh}).
         *
         * @param command the command, not empty
         * @return this builder, for chaining
         */
        public Builder sshCommand(String... command) {
            if (command.length == 0) {
                throw new IllegalArgumentException("sshCommand: empty");
            }
            this.sshCommand = List.of(command);
            return this;
        }

        /**
         * Options given to ssh before the destination, e.g. {@code "-p", "2222"}.
         *
         * @param options the options
         * @return this builder, for chaining
         */
        public Builder sshOptions(String... options) {
            this.sshOptions = List.of(options);
            return this;
        }

        /**
         * The remote {@code java} (default {@code java} on the remote PATH).
         *
         * @param java the executable's path or name
         * @return this builder, for chaining
         */
        public Builder java(String java) {
            this.java = Objects.requireNonNull(java, "java");
            return this;
        }

        /**
         * Options of the remote template's JVM.
         *
         * @param options the options
         * @return this builder, for chaining
         */
        public Builder jvmOptions(String... options) {
            this.jvmOptions = List.of(options);
            return this;
        }

        /**
         * The remote jar cache (default {@value RemoteSpec#DEFAULT_CACHE_DIRECTORY}).
         *
         * @param directory a remote path; {@code $HOME} is expanded by the remote shell
         * @return this builder, for chaining
         */
        public Builder cacheDirectory(String directory) {
            if (directory.isEmpty() || directory.indexOf('\'') >= 0 || directory.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("cacheDirectory: empty, or with a quote or newline: " + directory);
            }
            this.cacheDirectory = directory;
            return this;
        }

        /**
         * The class path to make available remotely (default: this JVM's).
         *
         * @param entries jar files and class directories, in order
         * @return this builder, for chaining
         */
        public Builder classPath(List<Path> entries) {
            this.classPath = List.copyOf(entries);
            return this;
        }

        /**
         * How long starting the remote template may take (default 60 s).
         *
         * @param timeout positive
         * @return this builder, for chaining
         */
        public Builder connectTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout must be positive: " + timeout);
            }
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * How long closing the connection waits for the remote side to end by itself once its
         * input is closed, before the local command (ssh) is killed (default 5 s). The remote
         * processes end anyway when their connection does.
         *
         * @param timeout positive
         * @return this builder, for chaining
         */
        public Builder closeTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("closeTimeout must be positive: " + timeout);
            }
            this.closeTimeout = timeout;
            return this;
        }

        /**
         * Spares the remote template keeps (default {@value RemoteSpec#DEFAULT_SPARES}).
         *
         * @param spares 0 or more
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
         * The spec.
         *
         * @return a new immutable spec
         */
        public RemoteSpec build() {
            return new RemoteSpec(this);
        }
    }
}
