package dev.jfork.internal.parent;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.jfork.ForkException;
import dev.jfork.ForkExit;
import dev.jfork.JvmSpec;
import dev.jfork.internal.concurrent.JforkThreads;
import dev.jfork.internal.events.JforkEvents;
import dev.jfork.internal.os.ChannelStreams;
import dev.jfork.internal.os.FdChannel;
import dev.jfork.internal.os.Native;
import dev.jfork.internal.os.OrderedWriter;
import dev.jfork.internal.os.ProcSockets;
import dev.jfork.internal.template.ArchiveCachePruner;
import dev.jfork.internal.wire.Protocol;

/**
 * Starts a fresh JVM with the JDK alone, for the processes a program starts before libc is bound
 * (its first {@code Fork.create()} or {@code exec()}): binding libc costs 100-300 ms cold, longer
 * than the JVM takes to boot, and nothing here waits for it ({@code docs/PROTOCOL.md}, "Started
 * without libc").
 *
 * <p>{@link ProcessBuilder} starts the child with a pipe as standard input, this program's
 * standard output, and a pipe for standard error. There is no socketpair: only the command line is
 * made before the start; while the child boots, this program listens on a Unix socket in a new
 * directory only its user can enter (mode 0700), then writes a one-time token (and the selector
 * provider the child is to use, see {@link #header}) into the child's standard input, and takes the
 * one connection that sends the token back. The listener and its directory are gone as
 * soon as that connection is made, or the process ended. The standard input pipe stays open,
 * never written again, as the child's lifeline; the JDK reaps the process and reports its exit.
 */
final class ConnectBackLauncher {
    /** The longest socket path the kernel takes ({@code sun_path} is 108 bytes with its NUL). */
    private static final int MAX_SOCKET_PATH = 107;
    /** The largest exit status the JDK reports for a signal: it reports death by signal N as 128 + N. */
    private static final int LAST_SIGNAL_STATUS = 128 + 64;

    private ConnectBackLauncher() {}

    /**
     * Whether this path can start processes here: a Linux {@code /proc} (both sides find their
     * socket's descriptor there), a temporary directory that can be written, and a name in it short
     * enough for a socket path. Checked once.
     */
    static boolean usable() {
        return Usable.VALUE;
    }

    private static final class Usable {
        static final boolean VALUE = check();
    }

    private static boolean check() {
        Path tmp = temporaryDirectory();
        return Files.isDirectory(Paths.get("/proc/self/fd")) && Files.isReadable(Paths.get("/proc/net/unix"))
                && Files.isDirectory(tmp) && Files.isWritable(tmp)
                && socketPath(tmp.resolve("jfork-" + "0".repeat(2 * Protocol.CONNECT_TOKEN_BYTES))).getBytes(StandardCharsets.UTF_8).length
                        <= MAX_SOCKET_PATH;
    }

    /** {@code java.io.tmpdir}, absolute (the child may run in another working directory). */
    private static Path temporaryDirectory() {
        return Paths.get(System.getProperty("java.io.tmpdir")).toAbsolutePath();
    }

    /**
     * The new process; its control socket is attached once it connects back.
     *
     * @throws ForkException if it cannot be started
     */
    static ProcessLink exec(JvmSpec spec, String role) {
        Object event = JforkEvents.spawnBegin();
        Listener listener;
        try {
            listener = Listener.named();
        } catch (IOException | RuntimeException e) {
            throw new ForkException("cannot start a child JVM with " + spec.java() + ": " + e.getMessage(), null, null, null, e);
        }
        Process process = null;
        FirstProcessArchive recording = null;
        ProcessLink link;
        CompletableFuture<ProcessLink> linked = new CompletableFuture<>();
        try {
            // only the command line before the start: the rest (the listener first) is done while the child boots
            List<String> argv = JvmCommand.argv(spec, OwnPid.VALUE, Protocol.FD_CONTROL, role, listener.path);
            FirstProcessArchive archive = FirstProcessArchive.of(spec, argv, OwnPid.VALUE);
            argv.addAll(1, archive.options());
            recording = archive;
            ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.INHERIT);
            Map<String, String> env = pb.environment();
            env.clear();
            env.putAll(spec.environment());
            if (spec.workingDirectory() != null) {
                pb.directory(spec.workingDirectory().toFile());
            }
            process = pb.start();
            Process started = process;
            // the JDK's first Unix socket costs tens of milliseconds: made on another thread, started
            // first; the child learns of the listener from the token
            JforkThreads.io("jfork-connect-back", () -> connect(listener, started, linked, spec, archive.mapped()));
            link = new ProcessLink(spec, false, null);
            linked.complete(link);
            OutputStream lifeline = process.getOutputStream();
            link.pumpStderr(StderrTail.start(process.getErrorStream(), spec.stderrLines(), spec::stderrSink));
            link.started(Math.toIntExact(process.pid()));
            process.onExit().whenComplete((p, e) -> {
                listener.close(); // wakes the accept below if it still waits
                closeQuietly(lifeline);
                linked.join().ended(e == null ? exitOf(p.exitValue()) : ForkExit.unknown("waiting for the process failed: " + e));
            });
            long pid = process.pid();
            link.settled().thenRun(() -> afterBoot(spec, pid, archive));
        } catch (IOException | RuntimeException | Error e) {
            if (process != null) {
                process.destroyForcibly(); // the connect thread, if started, sees it end and closes the listener
            } else if (recording != null) {
                recording.abandon();
            }
            linked.completeExceptionally(e);
            listener.close();
            throw new ForkException("cannot start a child JVM with " + spec.java() + ": " + e.getMessage(), null, null, null, e);
        }
        JforkEvents.spawnEnd(event, process.pid(), role, spec.java().toString());
        return link;
    }

    /**
     * What follows a start once the process no longer boots (it entered its function, was closed
     * or ended): nothing before, as the child's boot competes for the CPUs with whatever this
     * program does meanwhile (measured on 2 CPUs: 100 ms of this program's CPU made a JVM's first
     * byte ~30 ms later). First what concerns this process's own class-data archive
     * ({@link FirstProcessArchive#settled}: the build of a recording, which a short program must
     * not miss); the class-data archive cache's pruning, as {@link Launcher} does before its starts
     * (this process reads or builds a template's archive only if it becomes a template, on its
     * first fork); the debug log line (the logging backend's set-up alone costs a cold program
     * 25-30 ms of CPU); and libc for the processes after this one (the default template first).
     */
    private static void afterBoot(JvmSpec spec, long pid, FirstProcessArchive archive) {
        JforkThreads.io("jfork-after-start", () -> {
            archive.settled(pid); // first: a short program may end soon after
            if (spec.classDataSharing()) {
                ArchiveCachePruner.pruneOnce(spec.cacheDirectory(), spec.cacheMaxAge());
            }
            Log.LOG.log(Level.DEBUG, "started process {0} (it connected back)", pid);
        });
        Native.loadInBackground();
    }

    /**
     * This JVM's pid, from {@code /proc/self}: {@code ProcessHandle.current()} sets up the JDK's
     * process handles first (a thread pool, lambdas: 3-7 ms in a cold program), which
     * {@code ProcessBuilder.start()} does anyway, but after the child is started, not before.
     */
    private static final class OwnPid {
        static final long VALUE = read();

        private static long read() {
            try {
                return Long.parseLong(Paths.get("/proc/self").toRealPath().getFileName().toString());
            } catch (IOException | RuntimeException e) {
                return ProcessHandle.current().pid();
            }
        }
    }

    /** A wait status as the JDK gives it: 128 + N for death by signal N. */
    static ForkExit exitOf(int status) {
        return status > 128 && status <= LAST_SIGNAL_STATUS ? ForkExit.killed(status - 128) : ForkExit.exited(status);
    }

    /**
     * Listens, tells the child (the token, and the selector provider to use) and waits for its
     * connection: attaches it, or tells the link it will not come.
     */
    private static void connect(Listener listener, Process process, CompletableFuture<ProcessLink> linked, JvmSpec spec,
            boolean mapped) {
        ProcessLink link = null;
        try {
            listener.listen();
            OutputStream lifeline = process.getOutputStream();
            lifeline.write(header(listener.token, JvmCommand.jdkSelectorProvider(spec), mapped));
            lifeline.flush();
            warmUp(listener);
            link = linked.join(); // made by the starting thread meanwhile
            SocketChannel ch = listener.accept(); // the listener is closed from here on
            int fd;
            try {
                fd = ProcSockets.descriptorBoundTo(listener.path); // the accepted socket carries the listener's name
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
            link.attach(FdChannel.of(ch, fd));
        } catch (IOException | RuntimeException | Error e) {
            boolean alive = process.isAlive();
            if (alive) {
                process.destroyForcibly(); // alive but unreachable: of no use to anyone
            }
            if (link == null) {
                link = linked.exceptionally(x -> null).join(); // null: its start failed, and the caller reports that
            }
            if (link != null) {
                link.neverConnected(alive ? "could not be reached: " + e : "ended before connecting to this program");
            }
        } finally {
            listener.close();
        }
    }

    /**
     * What the child reads from its standard input before it connects ({@code docs/PROTOCOL.md},
     * "Started without libc"): the token, then the length (one byte) and ASCII name of the selector
     * provider class it is to use, or 0 for none, then one byte of flags
     * ({@link Protocol#CONNECT_MAPPED}: it maps a class-data archive, see {@link FirstProcessArchive}).
     * Nothing follows: the pipe is its lifeline.
     */
    static byte[] header(byte[] token, String selector, boolean mapped) {
        byte[] name = selector == null ? new byte[0] : selector.getBytes(StandardCharsets.US_ASCII);
        if (name.length > Protocol.CONNECT_SELECTOR_MAX) {
            name = new byte[0]; // never a JDK class name; the child looks for a provider itself
        }
        byte[] h = Arrays.copyOf(token, token.length + 2 + name.length);
        h[token.length] = (byte) name.length;
        System.arraycopy(name, 0, h, token.length + 1, name.length);
        h[h.length - 1] = (byte) (mapped ? Protocol.CONNECT_MAPPED : 0);
        return h;
    }

    /**
     * Runs what follows the child's connection once while the child still boots, so that its
     * first run is not the cold one: the token check and the descriptor lookup (which finds the
     * listener itself here, the one socket bound to its name so far), and the link's classes.
     */
    private static void warmUp(Listener listener) {
        MessageDigest.isEqual(listener.token, listener.token.clone());
        try {
            ProcSockets.descriptorBoundTo(listener.path);
        } catch (IOException | RuntimeException e) {
            // only a warm-up: the real lookup reports its own failure
        }
        // the classes of the link's channel, reader and writer, made once the child connects
        for (Class<?> c : new Class<?>[] {FdChannel.class, ChannelStreams.class, ReplyReader.class, OrderedWriter.class, Listener.Check.class}) {
            try {
                Class.forName(c.getName(), true, c.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                // reported where the class is used
            }
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closed all the same
        }
    }

    private static String socketPath(Path directory) {
        return directory.resolve("s").toString();
    }

    /**
     * The private listening socket of one process: its directory, the socket, the token. Each
     * connection's token is read on a thread of its own, so that a connection that sends nothing
     * holds up nobody; the first that sends the token is taken.
     */
    static final class Listener {
        final Path directory;
        final String path;
        final byte[] token;
        private final CompletableFuture<SocketChannel> taken = new CompletableFuture<>();
        // guarded by this
        private ServerSocketChannel server;
        private boolean made;
        private boolean closed;
        private final List<SocketChannel> checking = new ArrayList<>();

        private Listener(Path directory, byte[] token) {
            this.directory = directory;
            this.path = socketPath(directory);
            this.token = token;
        }

        /** A listener not made yet: its token and the name of its directory. */
        static Listener named() throws IOException {
            // from /dev/urandom itself: SecureRandom's provider set-up would cost a cold program tens of milliseconds
            byte[] random = new byte[2 * Protocol.CONNECT_TOKEN_BYTES];
            try (FileInputStream in = new FileInputStream("/dev/urandom")) {
                int got = 0;
                while (got < random.length) {
                    int n = in.read(random, got, random.length - got);
                    if (n < 0) {
                        throw new IOException("/dev/urandom ended");
                    }
                    got += n;
                }
            }
            StringBuilder name = new StringBuilder("jfork-");
            for (int i = Protocol.CONNECT_TOKEN_BYTES; i < random.length; i++) {
                name.append(Character.forDigit((random[i] >> 4) & 0xf, 16)).append(Character.forDigit(random[i] & 0xf, 16));
            }
            return new Listener(temporaryDirectory().resolve(name.toString()), Arrays.copyOf(random, Protocol.CONNECT_TOKEN_BYTES));
        }

        /**
         * Makes the directory (with its mode, never more than 0700 whatever the umask, so nobody
         * else can ever reach in; if it exists, someone else made it, and this fails) and listens
         * in it. What it makes is removed on close, or when this JVM exits first.
         */
        synchronized void listen() throws IOException {
            if (closed) {
                throw new IOException("the process ended before its parent listened");
            }
            Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            made = true;
            // deleted in reverse order of registration: the socket files, then the directory
            directory.toFile().deleteOnExit();
            directory.resolve(Protocol.CONNECT_CLIENT_NAME).toFile().deleteOnExit();
            Paths.get(path).toFile().deleteOnExit();
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path), Protocol.CONNECT_BACKLOG);
        }

        /**
         * The first connection that sends the token; the listener is closed when it returns.
         *
         * @throws IOException once the listener is closed without one
         */
        SocketChannel accept() throws IOException {
            ServerSocketChannel listening;
            synchronized (this) {
                listening = server;
            }
            while (!taken.isDone()) {
                SocketChannel ch;
                try {
                    ch = listening.accept();
                } catch (IOException e) {
                    if (taken.isDone()) {
                        break; // closed because a connection was taken
                    }
                    throw e;
                }
                synchronized (this) {
                    if (closed) {
                        closeQuietly(ch);
                        break;
                    }
                    checking.add(ch);
                }
                JforkThreads.io("jfork-connect-back-check", new Check(ch));
            }
            close(); // the winner's check closes it too; whoever is first
            SocketChannel ch = taken.getNow(null);
            if (ch == null) {
                throw new IOException("the listener was closed");
            }
            return ch;
        }

        /**
         * {@link #check} of one connection, as a class of its own rather than a lambda, so that
         * {@link ConnectBackLauncher#warmUp} can load it before the child connects (a lambda is
         * made where its expression first runs: here, on the way to the child's run).
         */
        final class Check implements Runnable {
            private final SocketChannel ch;

            Check(SocketChannel ch) {
                this.ch = ch;
            }

            @Override
            public void run() {
                check(ch);
            }
        }

        /** Reads a connection's token: takes it if it is the first with the token, else closes it. */
        private void check(SocketChannel ch) {
            ByteBuffer got = ByteBuffer.allocate(token.length);
            try {
                while (got.hasRemaining() && ch.read(got) >= 0) {
                    // the child writes the token at once; a stranger's connection may wait here until close
                }
            } catch (IOException e) {
                got.clear(); // closed by close(), or it went away
            }
            boolean ok = !got.hasRemaining() && MessageDigest.isEqual(got.array(), token);
            synchronized (this) {
                checking.remove(ch);
                ok = ok && !closed && taken.complete(ch);
            }
            if (ok) {
                close(); // no other connection from here on; wakes the accept loop
            } else {
                if (!got.hasRemaining()) {
                    Log.LOG.log(Level.WARNING, "jfork: a connection to {0} without the token was refused", path);
                }
                closeQuietly(ch);
            }
        }

        /** Closes the listener and the connections still being checked, and removes what listen() made (once). */
        void close() {
            List<SocketChannel> pending;
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                pending = new ArrayList<>(checking);
                checking.clear();
                if (server != null) {
                    closeQuietly(server);
                }
            }
            pending.forEach(ConnectBackLauncher::closeQuietly);
            taken.complete(null); // nothing more is taken
            if (made) {
                try {
                    Files.deleteIfExists(Paths.get(path));
                    Files.deleteIfExists(directory.resolve(Protocol.CONNECT_CLIENT_NAME));
                    Files.deleteIfExists(directory);
                } catch (IOException e) {
                    Log.LOG.log(Level.DEBUG, "jfork: cannot remove {0}: {1}", directory, e);
                }
            }
        }
    }
}
