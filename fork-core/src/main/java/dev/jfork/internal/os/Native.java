package dev.jfork.internal.os;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import dev.jfork.internal.concurrent.JforkThreads;


/**
 * The few libc calls jfork needs, as typed methods: this package is the only place that touches
 * libc, through a {@link NativeBackend} (the JDK's foreign function API on JDK 22+, jnr-ffi
 * before). Linux (glibc, 64-bit) only.
 *
 * <p>Binding libc costs a child JVM milliseconds (jnr-ffi: 100-300 ms), so a child touches this
 * class only when a descriptor arrives or it is asked to fork; the parent and the template
 * processes load it once.
 */
public final class Native {
    // Linux constants (identical on x86_64 and aarch64).
    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int O_CLOEXEC = 0x80000;
    public static final int F_GETFD = 1;
    public static final int F_SETFD = 2;
    public static final int F_GETFL = 3;
    public static final int FD_CLOEXEC = 1;
    public static final int F_DUPFD_CLOEXEC = 1030;
    public static final int MSG_NOSIGNAL = 0x4000;
    public static final int MSG_CTRUNC = 0x8;
    public static final int MSG_PEEK = 0x2;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;
    public static final int SOL_SOCKET = 1;
    public static final int SCM_RIGHTS = 1;
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;
    public static final int EINTR = 4;
    public static final int EBADF = 9;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    public static final int EMFILE = 24;
    public static final int ENFILE = 23;
    public static final int EPIPE = 32;
    public static final int RLIMIT_NOFILE = 7;
    public static final int ECONNRESET = 104;
    public static final int SO_TYPE = 3;
    public static final int SO_ACCEPTCONN = 30;
    public static final int SOCK_DGRAM = 2;
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0x40;
    public static final int O_EXCL = 0x80;
    public static final int O_TRUNC = 0x200;
    public static final int O_APPEND = 0x400;
    public static final int O_DSYNC = 0x1000;
    public static final int O_SYNC = 0x101000;
    /** Differs by architecture: 0100000 on arm64, 0400000 on x86-64 and the generic ABI. */
    public static final int O_NOFOLLOW = isArm(System.getProperty("os.arch", "")) ? 0x8000 : 0x20000;
    public static final int SIGKILL = 9;

    /**
     * The backend: the JDK's foreign function API on JDK 22+ where it was built in, else jnr-ffi.
     * {@code -Djfork.native=jnr} keeps jnr-ffi on JDK 22+ too (to compare them; children inherit
     * the property with the rest of the command line's {@code -D} options). Made by
     * {@link #loadInBackground()}'s thread if one was started.
     */
    private static final class Holder {
        static final NativeBackend BACKEND = made();

        static {
            LibcBound.set();
        }

        private static NativeBackend made() {
            CompletableFuture<NativeBackend> f;
            synchronized (Native.class) {
                f = early;
                if (f == null) {
                    early = MADE_HERE; // no background thread after this
                }
            }
            if (f != null) {
                try {
                    return f.join();
                } catch (CompletionException | CancellationException e) {
                    // made again on this thread, so that its error reaches the caller
                }
            }
            return choose();
        }
    }

    /** The binding being made on another thread ({@link #loadInBackground()}), or null. */
    private static volatile CompletableFuture<NativeBackend> early;
    /** {@link #early} once the binding was made without it. */
    private static final CompletableFuture<NativeBackend> MADE_HERE = new CompletableFuture<>();

    private static NativeBackend choose() {
        if (Runtime.version().feature() >= 22 && !"jnr".equals(System.getProperty("jfork.native"))) {
            try {
                Class<?> ffm = Class.forName("dev.jfork.internal.os.FfmBackend", true, Native.class.getClassLoader());
                return (NativeBackend) ffm.getDeclaredConstructor().newInstance();
            } catch (ClassNotFoundException e) {
                // a fork-core built without a JDK 22+: jnr-ffi it is
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                System.getLogger("dev.jfork").log(System.Logger.Level.DEBUG, "jfork: the FFM backend failed, using jnr-ffi", e);
            }
        }
        return new JnrBackend();
    }

    private Native() {}

    /** Not a regular expression: this class is initialised on a program's first {@code create()}, and java.util.regex costs a cold JVM milliseconds. */
    private static boolean isArm(String arch) {
        return arch.equals("aarch64") || arch.startsWith("arm");
    }

    static NativeBackend libc() {
        return Holder.BACKEND;
    }

    /** Which backend reaches libc: "ffm" or "jnr" (for diagnostics and tests). */
    public static String backend() {
        return libc() instanceof JnrBackend ? "jnr" : "ffm";
    }

    /**
     * Binds libc now, with everything a process that starts JVMs uses (a template and fork-remote's
     * agent warm up with it before their first fork is asked for).
     */
    public static void load() {
        libc().bindSpawning();
    }

    /**
     * Starts making the binding on another thread and returns at once, so that it overlaps what
     * the caller does before its first call here: a program's first {@code Fork.create()} or
     * {@code exec()} would otherwise wait for jnr-ffi (100-300 ms on JDK 17) before building the
     * child's command line. A failure is not reported there: the first call here makes the
     * binding again on its own thread (a failure costs the binding's time twice) and throws it. Once
     * per process; nothing if the binding is already made.
     */
    public static void loadInBackground() {
        if (early != null) {
            return;
        }
        synchronized (Native.class) {
            if (early != null) {
                return;
            }
            CompletableFuture<NativeBackend> f = new CompletableFuture<>();
            early = f;
            Runnable bind = () -> {
                NativeBackend b;
                try {
                    b = choose();
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                    return;
                }
                LibcBound.set(); // before the future: whoever sees it set and asks Holder waits for the future
                f.complete(b);
                try {
                    b.bindSpawning(); // a caller that gets there first waits for the group it needs, not for all
                } catch (Throwable e) {
                    // not reported here: the caller's own first use of that group throws it again
                }
            };
            try {
                JforkThreads.io("jfork-native-binding", bind);
            } catch (Throwable e) {
                f.completeExceptionally(e); // no thread (out of memory, say): the caller binds it itself
            }
        }
    }

    public static int errno() {
        return libc().lastErrno();
    }

    public static ErrnoException error(String operation) {
        int errno = errno();
        return new ErrnoException(operation, errno, describeErrno(errno));
    }

    /**
     * strerror, with what to do about running out of descriptors: EMFILE names this process's
     * limit (which needs no descriptor to find out), ENFILE the system's.
     */
    public static String describeErrno(int errno) {
        String text = libc().strerror(errno);
        if (errno == EMFILE) {
            long[] limit = new long[2];
            String soft = libc().getrlimit(RLIMIT_NOFILE, limit) == 0 ? String.valueOf(limit[0]) : "unknown";
            return text + " (EMFILE: this process has no free file descriptor; its limit, ulimit -n, is " + soft
                    + "; close descriptors or raise the limit)";
        }
        if (errno == ENFILE) {
            return text + " (ENFILE: the system-wide limit of open files, fs.file-max, is reached)";
        }
        return text;
    }

    /**
     * A failure in its own words for a message: its message, else its cause's (an
     * ExceptionInInitializerError from a binding has none of its own), else its class.
     */
    public static String describeFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null) {
                return t == e ? t.getMessage() : e.getClass().getSimpleName() + ": " + t;
            }
        }
        return e.toString();
    }

    /** An {@link IOException} that remembers the errno of the failed call. */
    public static final class ErrnoException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int errno;

        public ErrnoException(String operation, int errno, String description) {
            super(operation + ": " + description + " (errno " + errno + ")");
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }

        /** True if the peer is gone: EPIPE or ECONNRESET. */
        public boolean isPeerGone() {
            return errno == EPIPE || errno == ECONNRESET;
        }
    }

    /** A connected AF_UNIX stream socket pair, both ends close-on-exec. */
    public static int[] socketPair() throws IOException {
        int[] sv = new int[2];
        if (libc().socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
            throw error("socketpair");
        }
        return sv;
    }

    /** A pipe [read end, write end], both ends close-on-exec. */
    public static int[] pipe() throws IOException {
        int[] fds = new int[2];
        if (libc().pipe2(fds, O_CLOEXEC) != 0) {
            throw error("pipe2");
        }
        return fds;
    }

    /** Duplicates {@code fd} to a new close-on-exec descriptor numbered at least {@code minimum}. */
    public static int dupCloexec(int fd, int minimum) throws IOException {
        int r = libc().fcntl(fd, F_DUPFD_CLOEXEC, minimum);
        if (r < 0) {
            throw error("duplicating descriptor " + fd);
        }
        return r;
    }

    public static boolean isOpen(int fd) {
        return fd >= 0 && libc().fcntl(fd, F_GETFD, 0) >= 0;
    }

    public static void setCloexec(int fd) throws IOException {
        if (libc().fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
            throw error("fcntl(F_SETFD) on " + fd);
        }
    }

    /** Closes a descriptor, ignoring errors (used on cleanup paths). */
    public static void closeQuietly(int fd) {
        if (fd >= 0) {
            libc().close(fd);
        }
    }

    public static void shutdown(int fd) {
        libc().shutdown(fd, SHUT_RDWR);
    }

    /** Half-closes a socket: the peer reads end of stream. */
    public static void shutdownOutput(int fd) {
        libc().shutdown(fd, SHUT_WR);
    }

    /** One read(2), retried on EINTR; returns -1 at end of stream (and on ECONNRESET, which is EOF here). */
    public static int read(int fd, ByteBuffer dst) throws IOException {
        int want = dst.remaining();
        if (want == 0) {
            return 0;
        }
        while (true) {
            long n = libc().read(fd, dst, want);
            if (n > 0) {
                dst.position(dst.position() + (int) n);
                return (int) n;
            }
            if (n == 0) {
                return -1;
            }
            int errno = errno();
            if (errno == EINTR) {
                continue;
            }
            if (errno == ECONNRESET) {
                return -1;
            }
            throw new ErrnoException("read", errno, describeErrno(errno));
        }
    }

    /** One send(2) without SIGPIPE, retried on EINTR; returns the number of bytes written. */
    public static int write(int fd, ByteBuffer src) throws IOException {
        return send(fd, src, MSG_NOSIGNAL);
    }

    /**
     * One send(2) that does not block (MSG_DONTWAIT) and raises no SIGPIPE: the number of bytes
     * written, 0 if the socket buffer is full.
     */
    public static int writeNonBlocking(int fd, ByteBuffer src) throws IOException {
        return send(fd, src, MSG_NOSIGNAL | MSG_DONTWAIT);
    }

    private static int send(int fd, ByteBuffer src, int flags) throws IOException {
        int want = src.remaining();
        if (want == 0) {
            return 0;
        }
        while (true) {
            long n = libc().send(fd, src, want, flags);
            if (n >= 0) {
                src.position(src.position() + (int) n);
                return (int) n;
            }
            int errno = errno();
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN && (flags & MSG_DONTWAIT) != 0) {
                return 0;
            }
            throw new ErrnoException("write", errno, describeErrno(errno));
        }
    }

    /** Writes all of {@code bytes} to a socket (send(2) without SIGPIPE). */
    public static void sendFully(int fd, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(Math.max(1, bytes.length));
        b.put(bytes).flip();
        while (b.hasRemaining()) {
            write(fd, b);
        }
    }

    /** Where isIdlePeer's peeks land; never read, so threads may share it. */
    private static final ByteBuffer PEEKED = ByteBuffer.allocateDirect(1);

    /**
     * Whether the peer of a socket is still there and has sent nothing: a non-blocking peek that
     * returns true only on EAGAIN (end of stream, an error or pending data all mean "not idle").
     */
    public static boolean isIdlePeer(int fd) {
        long n = libc().recv(fd, PEEKED, 1, MSG_PEEK | MSG_DONTWAIT);
        return n < 0 && errno() == EAGAIN;
    }

    /** Writes all of {@code bytes} with write(2) (any descriptor, pipes included). */
    public static void writeFully(int fd, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(Math.max(1, bytes.length));
        b.put(bytes).flip();
        while (b.hasRemaining()) {
            long n = libc().write(fd, b, b.remaining());
            if (n >= 0) {
                b.position(b.position() + (int) n);
            } else if (errno() != EINTR) {
                throw error("write");
            }
        }
    }

    /** accept4(2) with close-on-exec, retried on EINTR. */
    public static int accept(int fd) throws IOException {
        while (true) {
            int r = libc().accept4(fd, SOCK_CLOEXEC);
            if (r >= 0) {
                return r;
            }
            if (errno() != EINTR) {
                throw error("accept on descriptor " + fd);
            }
        }
    }

    /** Blocks until {@code pid} (a child of this process) ends; returns the raw wait status. */
    public static int waitpid(int pid) throws IOException {
        int[] status = new int[1];
        while (true) {
            int r = libc().waitpid(pid, status, 0);
            if (r == pid) {
                return status[0];
            }
            if (r < 0 && errno() == EINTR) {
                continue;
            }
            throw error("waitpid(" + pid + ")");
        }
    }

    /** Opens a file as open(2) does, close-on-exec; the descriptor is the caller's. */
    public static int open(String path, int flags, int mode) throws IOException {
        while (true) {
            int fd = libc().open(path, flags | O_CLOEXEC, mode);
            if (fd >= 0) {
                return fd;
            }
            if (errno() != EINTR) {
                throw error("open " + path);
            }
        }
    }

    /** An int socket option ({@code SOL_SOCKET}), or -1 if {@code fd} is not a socket. */
    public static int socketOption(int fd, int option) {
        int[] v = new int[1];
        return libc().getsockoptInt(fd, SOL_SOCKET, option, v) == 0 ? v[0] : -1;
    }

    /**
     * The socket's own address ({@code getsockname}) or its peer's ({@code getpeername}), as
     * {@code sockaddr} bytes (the family, native-endian, in the first two); null if there is none.
     */
    public static byte[] socketAddress(int fd, boolean peer) {
        byte[] addr = new byte[128];
        int[] length = new int[1];
        if (libc().sockname(fd, peer, addr, length) != 0) {
            return null;
        }
        return java.util.Arrays.copyOf(addr, Math.min(addr.length, length[0]));
    }

    /**
     * Sets a process's nice value ({@code setpriority(PRIO_PROCESS, ...)}); returns false if it
     * could not (gone, or a nice value below the current one without the privilege).
     */
    public static boolean setNice(long pid, int nice) {
        return pid > 0 && libc().setpriority(0 /* PRIO_PROCESS */, (int) pid, nice) == 0;
    }

    /** A process's nice value (field 19 of {@code /proc/PID/stat}; no libc needed), 0 if it cannot be read. */
    public static int niceOf(long pid) {
        try {
            String stat = new String(java.nio.file.Files.readAllBytes(java.nio.file.Paths.get("/proc/" + pid + "/stat")),
                    java.nio.charset.StandardCharsets.US_ASCII);
            // after "pid (comm) ": field 3 (the state) first; comm may hold spaces and parentheses
            return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Sends a signal; returns false if the process does not exist any more. */
    public static boolean kill(long pid, int signal) {
        return pid > 0 && libc().kill((int) pid, signal) == 0;
    }
}
