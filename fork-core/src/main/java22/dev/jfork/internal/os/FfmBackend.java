package dev.jfork.internal.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * libc through the JDK's foreign function API (JDK 22+): no native library of its own and no
 * {@code sun.misc.Unsafe}, so nothing is printed (with {@code --enable-native-access} for the
 * program, as for any native access). Chosen by {@link Native} on JDK 22+; compiled only when the
 * build has a JDK 22+ at hand (fork-core's pom), else jfork uses {@link JnrBackend} everywhere.
 *
 * <p>Every handle captures {@code errno} into a segment of the calling thread, which
 * {@link #lastErrno()} reads. Struct layouts are 64-bit Linux's, as in {@link JnrBackend}.
 */
final class FfmBackend implements NativeBackend {
    private static final int MSGHDR_SIZE = 56;
    private static final int CMSG_HEADER = 16;
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    /** glibc's posix_spawn_file_actions_t is 80 bytes, posix_spawnattr_t 336, sigset_t 128: with room to spare. */
    private static final long FILE_ACTIONS_SIZE = 512;
    private static final long ATTR_SIZE = 1024;
    private static final long SIGSET_SIZE = 256;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> STATE = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    // The handles, bound group by group on first use (a holder class each, so that they stay
    // constants for the JIT): the first downcall handle costs the JVM ~100 ms and each further
    // signature ~9 ms, and most processes need only some groups; a program's first create() waits
    // for the groups it uses.

    /**
     * Descriptors, and what an error message needs: bound with the backend (a process out of
     * descriptors can still describe that, but could not load a class to do it).
     */
    private static final class Fds {
        static final MethodHandle SOCKETPAIR = fn("socketpair", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
        static final MethodHandle PIPE2 = fn("pipe2", JAVA_INT, ADDRESS, JAVA_INT);
        static final MethodHandle CLOSE = fn("close", JAVA_INT, JAVA_INT);
        static final MethodHandle FCNTL = fn("fcntl", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
        static final MethodHandle STRERROR = fn("strerror", ADDRESS, JAVA_INT);
        static final MethodHandle GETRLIMIT = fn("getrlimit", JAVA_INT, JAVA_INT, ADDRESS);
    }

    /** Reading and writing a socket or pipe. */
    private static final class Io {
        static final MethodHandle READ = fn("read", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
        static final MethodHandle WRITE = fn("write", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
        static final MethodHandle SEND = fn("send", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
        static final MethodHandle RECV = fn("recv", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
        static final MethodHandle SHUTDOWN = fn("shutdown", JAVA_INT, JAVA_INT, JAVA_INT);
    }

    /** Descriptor passing and socket inspection (sendFd, received descriptors). */
    private static final class Sockets {
        static final MethodHandle SENDMSG = fn("sendmsg", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
        static final MethodHandle RECVMSG = fn("recvmsg", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
        static final MethodHandle ACCEPT4 = fn("accept4", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
        static final MethodHandle GETSOCKOPT = fn("getsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
        static final MethodHandle GETSOCKNAME = fn("getsockname", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
        static final MethodHandle GETPEERNAME = fn("getpeername", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    }

    /** posix_spawn and its attributes: only processes that start JVMs. */
    private static final class Spawning {
        static final MethodHandle SPAWN = fn("posix_spawn", JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
        static final MethodHandle FA_INIT = fn("posix_spawn_file_actions_init", JAVA_INT, ADDRESS);
        static final MethodHandle FA_DESTROY = fn("posix_spawn_file_actions_destroy", JAVA_INT, ADDRESS);
        static final MethodHandle FA_DUP2 = fn("posix_spawn_file_actions_adddup2", JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
        static final MethodHandle FA_CLOSE = fn("posix_spawn_file_actions_addclose", JAVA_INT, ADDRESS, JAVA_INT);
        static final MethodHandle FA_CLOSEFROM = LIBC.find("posix_spawn_file_actions_addclosefrom_np").isPresent()
                ? fn("posix_spawn_file_actions_addclosefrom_np", JAVA_INT, ADDRESS, JAVA_INT) : null;
        static final MethodHandle FA_CHDIR = fn("posix_spawn_file_actions_addchdir_np", JAVA_INT, ADDRESS, ADDRESS);
        static final MethodHandle ATTR_INIT = fn("posix_spawnattr_init", JAVA_INT, ADDRESS);
        static final MethodHandle ATTR_DESTROY = fn("posix_spawnattr_destroy", JAVA_INT, ADDRESS);
        static final MethodHandle ATTR_FLAGS = fn("posix_spawnattr_setflags", JAVA_INT, ADDRESS, JAVA_SHORT);
        static final MethodHandle ATTR_SIGMASK = fn("posix_spawnattr_setsigmask", JAVA_INT, ADDRESS, ADDRESS);
        static final MethodHandle ATTR_SIGDEFAULT = fn("posix_spawnattr_setsigdefault", JAVA_INT, ADDRESS, ADDRESS);
        static final MethodHandle SIGEMPTYSET = fn("sigemptyset", JAVA_INT, ADDRESS);
        static final MethodHandle SIGFILLSET = fn("sigfillset", JAVA_INT, ADDRESS);
    }

    /** Reaping and signalling. */
    private static final class Processes {
        static final MethodHandle WAITPID = fn("waitpid", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
        static final MethodHandle KILL = fn("kill", JAVA_INT, JAVA_INT, JAVA_INT);
        static final MethodHandle SETPRIORITY = fn("setpriority", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    }

    /** Opening files. */
    private static final class Opening {
        static final MethodHandle OPEN = LINKER.downcallHandle(LIBC.find("open").orElseThrow(() -> new UnsatisfiedLinkError("libc has no open")),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2),
                Linker.Option.captureCallState("errno"));
    }

    private static MethodHandle fn(String name, MemoryLayout result, MemoryLayout... args) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name)),
                FunctionDescriptor.of(result, args), Linker.Option.captureCallState("errno"));
    }

    /**
     * Fails now, not at a group's first use, if this libc is too old (no
     * {@code posix_spawn_file_actions_addchdir_np}) or this JVM refuses jfork native access (binding
     * the first group asks), so that {@link Native} falls back to jnr-ffi.
     */
    FfmBackend() {
        // the one function here that not every glibc jfork runs on has (2.29+); the others are decades old
        if (LIBC.find("posix_spawn_file_actions_addchdir_np").isEmpty()) {
            throw new UnsatisfiedLinkError("libc has no posix_spawn_file_actions_addchdir_np (glibc 2.29+)");
        }
        bind(Fds.class); // every process that binds libc uses it
    }

    private static void bind(Class<?> group) {
        try {
            MethodHandles.lookup().ensureInitialized(group);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e); // a nested class of this one: cannot happen
        } catch (ExceptionInInitializerError e) {
            // the linker's own error (IllegalCallerException: no native access, say), not the wrapper
            if (e.getCause() instanceof RuntimeException) {
                throw (RuntimeException) e.getCause();
            }
            throw e;
        }
    }

    @Override
    public void bindSpawning() {
        // in the order a spawn uses them: whatever the caller reaches first waits for less
        for (Class<?> group : List.of(Spawning.class, Processes.class, Io.class)) {
            bind(group);
        }
    }

    private static MemorySegment state() {
        return STATE.get();
    }

    /** A MethodHandle call that cannot throw anything but an Error (downcalls do not). */
    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof Error) {
            throw (Error) t;
        }
        return new IllegalStateException(t);
    }

    @Override
    public int lastErrno() {
        return (int) ERRNO.get(state(), 0L);
    }

    @Override
    public String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) Fds.STRERROR.invokeExact(state(), errno);
            return s.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int socketpair(int domain, int type, int protocol, int[] sv) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT, 2);
            int r = (int) Fds.SOCKETPAIR.invokeExact(state(), domain, type, protocol, out);
            sv[0] = out.getAtIndex(JAVA_INT, 0);
            sv[1] = out.getAtIndex(JAVA_INT, 1);
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int pipe2(int[] fds, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT, 2);
            int r = (int) Fds.PIPE2.invokeExact(state(), out, flags);
            fds[0] = out.getAtIndex(JAVA_INT, 0);
            fds[1] = out.getAtIndex(JAVA_INT, 1);
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int close(int fd) {
        try {
            return (int) Fds.CLOSE.invokeExact(state(), fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int fcntl(int fd, int cmd, int arg) {
        try {
            return (int) Fds.FCNTL.invokeExact(state(), fd, cmd, arg);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A direct buffer as a segment from its position; a heap buffer is the caller's to avoid. */
    private static MemorySegment at(ByteBuffer buf) {
        if (!buf.isDirect()) {
            throw new IllegalArgumentException("jfork passes direct buffers to libc");
        }
        return MemorySegment.ofBuffer(buf);
    }

    @Override
    public long read(int fd, ByteBuffer buf, long count) {
        try {
            return (long) Io.READ.invokeExact(state(), fd, at(buf), count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long write(int fd, ByteBuffer buf, long count) {
        try {
            return (long) Io.WRITE.invokeExact(state(), fd, at(buf), count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long send(int fd, ByteBuffer buf, long count, int flags) {
        try {
            return (long) Io.SEND.invokeExact(state(), fd, at(buf), count, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long recv(int fd, ByteBuffer buf, long count, int flags) {
        try {
            return (long) Io.RECV.invokeExact(state(), fd, at(buf), count, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int shutdown(int fd, int how) {
        try {
            return (int) Io.SHUTDOWN.invokeExact(state(), fd, how);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int accept4(int fd, int flags) {
        try {
            return (int) Sockets.ACCEPT4.invokeExact(state(), fd, MemorySegment.NULL, MemorySegment.NULL, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int waitpid(int pid, int[] status, int options) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            int r = (int) Processes.WAITPID.invokeExact(state(), pid, out, options);
            status[0] = out.get(JAVA_INT, 0);
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int kill(int pid, int sig) {
        try {
            return (int) Processes.KILL.invokeExact(state(), pid, sig);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int setpriority(int which, int who, int prio) {
        try {
            return (int) Processes.SETPRIORITY.invokeExact(state(), which, who, prio);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int getrlimit(int resource, long[] rlim) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_LONG, 2);
            int r = (int) Fds.GETRLIMIT.invokeExact(state(), resource, out);
            rlim[0] = out.getAtIndex(JAVA_LONG, 0);
            rlim[1] = out.getAtIndex(JAVA_LONG, 1);
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int open(String path, int flags, int mode) {
        try (Arena a = Arena.ofConfined()) {
            return (int) Opening.OPEN.invokeExact(state(), a.allocateFrom(path), flags, mode);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int getsockoptInt(int fd, int level, int option, int[] value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            MemorySegment len = a.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, 4);
            int r = (int) Sockets.GETSOCKOPT.invokeExact(state(), fd, level, option, v, len);
            value[0] = v.get(JAVA_INT, 0);
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int sockname(int fd, boolean peer, byte[] addr, int[] length) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(addr.length);
            MemorySegment len = a.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, addr.length);
            int r = peer ? (int) Sockets.GETPEERNAME.invokeExact(state(), fd, buf, len) : (int) Sockets.GETSOCKNAME.invokeExact(state(), fd, buf, len);
            length[0] = len.get(JAVA_INT, 0);
            MemorySegment.copy(buf, JAVA_BYTE, 0, addr, 0, Math.min(addr.length, Math.max(0, length[0])));
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static int cmsgSpace(int dataBytes) {
        return CMSG_HEADER + ((dataBytes + 7) & ~7);
    }

    /** A msghdr over one data byte and a control buffer, allocated in {@code a}. */
    private static MemorySegment message(Arena a, MemorySegment data, MemorySegment control) {
        MemorySegment iov = a.allocate(16, 8);
        iov.set(ADDRESS, 0, data);
        iov.set(JAVA_LONG, 8, 1L);
        MemorySegment msg = a.allocate(MSGHDR_SIZE, 8);
        msg.set(ADDRESS, 16, iov);
        msg.set(JAVA_LONG, 24, 1L);
        msg.set(ADDRESS, 32, control);
        msg.set(JAVA_LONG, 40, control.byteSize());
        return msg;
    }

    @Override
    public long sendFds(int socket, int[] fds, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment data = a.allocate(1);
            MemorySegment control = a.allocate(cmsgSpace(4 * fds.length), 8);
            control.set(JAVA_LONG, 0, CMSG_HEADER + 4L * fds.length);
            control.set(JAVA_INT, 8, Native.SOL_SOCKET);
            control.set(JAVA_INT, 12, Native.SCM_RIGHTS);
            for (int i = 0; i < fds.length; i++) {
                control.set(JAVA_INT, CMSG_HEADER + 4L * i, fds[i]);
            }
            return (long) Sockets.SENDMSG.invokeExact(state(), socket, message(a, data, control), flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long recvFds(int socket, int controlSpace, int flags, int[] out, byte[] control) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment data = a.allocate(1);
            MemorySegment c = a.allocate(controlSpace, 8);
            MemorySegment msg = message(a, data, c);
            long n = (long) Sockets.RECVMSG.invokeExact(state(), socket, msg, flags);
            if (n >= 0) {
                int length = (int) Math.min(msg.get(JAVA_LONG, 40), control.length);
                out[0] = data.get(JAVA_BYTE, 0);
                out[1] = msg.get(JAVA_INT, 48);
                out[2] = length;
                MemorySegment.copy(c, JAVA_BYTE, 0, control, 0, length);
            }
            return n;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public boolean hasCloseFrom() {
        return Spawning.FA_CLOSEFROM != null;
    }

    @Override
    public int spawn(List<String> argv, List<String> envp, String directory, int[] from, int closeFrom, int[] closeEach) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fa = a.allocate(FILE_ACTIONS_SIZE, 16);
            MemorySegment attr = a.allocate(ATTR_SIZE, 16);
            check((int) Spawning.FA_INIT.invokeExact(state(), fa), "posix_spawn_file_actions_init");
            boolean attrInit = false;
            try {
                for (int target = 0; target < from.length; target++) {
                    if (from[target] >= 0) {
                        check((int) Spawning.FA_DUP2.invokeExact(state(), fa, from[target], target), "adddup2");
                    } else {
                        check((int) Spawning.FA_CLOSE.invokeExact(state(), fa, target), "addclose");
                    }
                }
                if (closeEach == null) {
                    check((int) Spawning.FA_CLOSEFROM.invokeExact(state(), fa, closeFrom), "addclosefrom_np");
                } else {
                    for (int fd : closeEach) {
                        check((int) Spawning.FA_CLOSE.invokeExact(state(), fa, fd), "addclose");
                    }
                }
                if (directory != null) {
                    check((int) Spawning.FA_CHDIR.invokeExact(state(), fa, a.allocateFrom(directory)), "addchdir_np " + directory);
                }
                check((int) Spawning.ATTR_INIT.invokeExact(state(), attr), "posix_spawnattr_init");
                attrInit = true;
                check((int) Spawning.ATTR_FLAGS.invokeExact(state(), attr, (short) (POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)), "setflags");
                MemorySegment empty = a.allocate(SIGSET_SIZE, 8);
                int ignored = (int) Spawning.SIGEMPTYSET.invokeExact(state(), empty);
                check((int) Spawning.ATTR_SIGMASK.invokeExact(state(), attr, empty), "setsigmask");
                MemorySegment all = a.allocate(SIGSET_SIZE, 8);
                ignored = (int) Spawning.SIGFILLSET.invokeExact(state(), all);
                check((int) Spawning.ATTR_SIGDEFAULT.invokeExact(state(), attr, all), "setsigdefault");
                MemorySegment pid = a.allocate(JAVA_INT);
                int r = (int) Spawning.SPAWN.invokeExact(state(), pid, a.allocateFrom(argv.get(0)), fa, attr, strings(a, argv), strings(a, envp));
                if (r != 0) {
                    throw new Native.ErrnoException("posix_spawn " + argv.get(0), r, Native.describeErrno(r));
                }
                return pid.get(JAVA_INT, 0);
            } finally {
                int ignored = (int) Spawning.FA_DESTROY.invokeExact(state(), fa);
                if (attrInit) {
                    ignored = (int) Spawning.ATTR_DESTROY.invokeExact(state(), attr);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A NULL-terminated array of C strings. */
    private static MemorySegment strings(Arena a, List<String> values) {
        MemorySegment array = a.allocate(ADDRESS, values.size() + 1);
        for (int i = 0; i < values.size(); i++) {
            array.setAtIndex(ADDRESS, i, a.allocateFrom(values.get(i)));
        }
        array.setAtIndex(ADDRESS, values.size(), MemorySegment.NULL);
        return array;
    }

    private static void check(int result, String what) throws IOException {
        if (result != 0) {
            throw new Native.ErrnoException(what, result, Native.describeErrno(result));
        }
    }
}
