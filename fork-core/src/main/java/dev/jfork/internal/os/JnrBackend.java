package dev.jfork.internal.os;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * libc through jnr-ffi (JDK 17-21, and wherever the FFM backend is missing). Loading it costs a
 * JVM 100-300 ms (jnr-ffi generates its stubs at run time), which is why a child touches the
 * native layer only when a descriptor arrives or it has to fork.
 */
final class JnrBackend implements NativeBackend {
    /** 64-bit Linux struct sizes: msghdr 56, iovec 16, cmsghdr header 16. */
    private static final int MSGHDR_SIZE = 56;
    private static final int CMSG_HEADER = 16;
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;

    /**
     * libc as jnr-ffi sees it; every call records errno. Public only because jnr-ffi implements it
     * in a class loader of its own; only this class has an instance.
     */
    public interface LibC {
        int socketpair(int domain, int type, int protocol, @Out int[] sv);

        int pipe2(@Out int[] fds, int flags);

        int close(int fd);

        int fcntl(int fd, int cmd, int arg);

        long read(int fd, @Out ByteBuffer buf, long count);

        long write(int fd, @In ByteBuffer buf, long count);

        long send(int fd, @In ByteBuffer buf, long count, int flags);

        long recv(int fd, @Out ByteBuffer buf, long count, int flags);

        long sendmsg(int fd, Pointer msg, int flags);

        long recvmsg(int fd, Pointer msg, int flags);

        int shutdown(int fd, int how);

        int accept4(int fd, Pointer addr, Pointer addrlen, int flags);

        int waitpid(int pid, @Out int[] status, int options);

        int kill(int pid, int sig);

        int setpriority(int which, int who, int prio);

        String strerror(int errnum);

        int getrlimit(int resource, @Out long[] rlim);

        int open(String path, int flags, int mode);

        int getsockopt(int fd, int level, int option, @Out int[] value, @In @Out int[] length);

        int getsockname(int fd, @Out byte[] addr, @In @Out int[] length);

        int getpeername(int fd, @Out byte[] addr, @In @Out int[] length);

        int posix_spawn(@Out int[] pid, String path, Pointer fileActions, Pointer attr, Pointer argv, Pointer envp);

        int posix_spawn_file_actions_init(Pointer fa);

        int posix_spawn_file_actions_destroy(Pointer fa);

        int posix_spawn_file_actions_adddup2(Pointer fa, int fd, int newfd);

        int posix_spawn_file_actions_addclose(Pointer fa, int fd);

        int posix_spawn_file_actions_addclosefrom_np(Pointer fa, int from);

        int posix_spawn_file_actions_addchdir_np(Pointer fa, String path);

        int posix_spawnattr_init(Pointer attr);

        int posix_spawnattr_destroy(Pointer attr);

        int posix_spawnattr_setflags(Pointer attr, short flags);

        int posix_spawnattr_setsigmask(Pointer attr, Pointer set);

        int posix_spawnattr_setsigdefault(Pointer attr, Pointer set);

        int sigemptyset(Pointer set);

        int sigfillset(Pointer set);
    }

    private final LibC libc = bind();
    private final Runtime runtime = Runtime.getRuntime(libc);
    private volatile Boolean closeFrom;

    /**
     * jnr-ffi implements {@link LibC} with a class it generates into a class loader of its own.
     * On the class path that class can see this package; when jfork is a named module (a program
     * on the module path) the package is not exported (it is not API), so the class loader jnr-ffi
     * will use is made here, this package is exported to its unnamed module alone, and jnr-ffi is
     * handed that loader through the slot it keeps for nested loads. jnr-ffi is an automatic
     * module, so its internals are open to this reflection.
     */
    private static LibC bind() {
        Module self = JnrBackend.class.getModule();
        if (!self.isNamed()) {
            return LibraryLoader.create(LibC.class).load("c");
        }
        ThreadLocal<Object> slot;
        try {
            Class<?> loaderClass = Class.forName("jnr.ffi.provider.jffi.AsmClassLoader");
            java.lang.reflect.Constructor<?> make = loaderClass.getDeclaredConstructor(ClassLoader.class);
            make.setAccessible(true);
            ClassLoader loader = (ClassLoader) make.newInstance(LibC.class.getClassLoader());
            self.addExports(JnrBackend.class.getPackageName(), loader.getUnnamedModule());
            java.lang.reflect.Field field = Class.forName("jnr.ffi.provider.jffi.AsmLibraryLoader").getDeclaredField("classLoader");
            field.setAccessible(true);
            @SuppressWarnings("unchecked")
            ThreadLocal<Object> s = (ThreadLocal<Object>) field.get(null);
            slot = s;
            slot.set(loader);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("jfork cannot bind libc with this jnr-ffi on the module path"
                    + " (run on the class path, or use the jnr-ffi version fork-core was built with)", e);
        }
        try {
            return LibraryLoader.create(LibC.class).load("c");
        } finally {
            slot.remove();
        }
    }

    @Override
    public int lastErrno() {
        return runtime.getLastError();
    }

    @Override
    public String strerror(int errno) {
        return libc.strerror(errno);
    }

    @Override
    public int socketpair(int domain, int type, int protocol, int[] sv) {
        return libc.socketpair(domain, type, protocol, sv);
    }

    @Override
    public int pipe2(int[] fds, int flags) {
        return libc.pipe2(fds, flags);
    }

    @Override
    public int close(int fd) {
        return libc.close(fd);
    }

    @Override
    public int fcntl(int fd, int cmd, int arg) {
        return libc.fcntl(fd, cmd, arg);
    }

    @Override
    public long read(int fd, ByteBuffer buf, long count) {
        return libc.read(fd, buf, count);
    }

    @Override
    public long write(int fd, ByteBuffer buf, long count) {
        return libc.write(fd, buf, count);
    }

    @Override
    public long send(int fd, ByteBuffer buf, long count, int flags) {
        return libc.send(fd, buf, count, flags);
    }

    @Override
    public long recv(int fd, ByteBuffer buf, long count, int flags) {
        return libc.recv(fd, buf, count, flags);
    }

    @Override
    public int shutdown(int fd, int how) {
        return libc.shutdown(fd, how);
    }

    @Override
    public int accept4(int fd, int flags) {
        return libc.accept4(fd, null, null, flags);
    }

    @Override
    public int waitpid(int pid, int[] status, int options) {
        return libc.waitpid(pid, status, options);
    }

    @Override
    public int kill(int pid, int sig) {
        return libc.kill(pid, sig);
    }

    @Override
    public int setpriority(int which, int who, int prio) {
        return libc.setpriority(which, who, prio);
    }

    @Override
    public int getrlimit(int resource, long[] rlim) {
        return libc.getrlimit(resource, rlim);
    }

    @Override
    public int open(String path, int flags, int mode) {
        return libc.open(path, flags, mode);
    }

    @Override
    public int getsockoptInt(int fd, int level, int option, int[] value) {
        return libc.getsockopt(fd, level, option, value, new int[] {4});
    }

    @Override
    public int sockname(int fd, boolean peer, byte[] addr, int[] length) {
        length[0] = addr.length;
        return peer ? libc.getpeername(fd, addr, length) : libc.getsockname(fd, addr, length);
    }

    private static int cmsgSpace(int dataBytes) {
        return CMSG_HEADER + ((dataBytes + 7) & ~7);
    }

    /** A msghdr over one data byte and a control buffer of {@code space} bytes. */
    private Pointer message(Pointer data, Pointer control, int space) {
        Pointer iov = Memory.allocateDirect(runtime, 16, true);
        iov.putAddress(0, data.address());
        iov.putLong(8, 1);
        Pointer msg = Memory.allocateDirect(runtime, MSGHDR_SIZE, true);
        msg.putAddress(16, iov.address());
        msg.putLong(24, 1);
        msg.putAddress(32, control.address());
        msg.putLong(40, space);
        return msg;
    }

    @Override
    public long sendFds(int socket, int[] fds, int flags) {
        Pointer data = Memory.allocateDirect(runtime, 1, true);
        int space = cmsgSpace(4 * fds.length);
        Pointer control = Memory.allocateDirect(runtime, space, true);
        control.putLong(0, CMSG_HEADER + 4L * fds.length);
        control.putInt(8, Native.SOL_SOCKET);
        control.putInt(12, Native.SCM_RIGHTS);
        for (int i = 0; i < fds.length; i++) {
            control.putInt(CMSG_HEADER + 4L * i, fds[i]);
        }
        return libc.sendmsg(socket, message(data, control, space), flags);
    }

    @Override
    public long recvFds(int socket, int controlSpace, int flags, int[] out, byte[] control) {
        Pointer data = Memory.allocateDirect(runtime, 1, true);
        Pointer c = Memory.allocateDirect(runtime, controlSpace, true);
        Pointer msg = message(data, c, controlSpace);
        long n = libc.recvmsg(socket, msg, flags);
        if (n >= 0) {
            int length = (int) Math.min(msg.getLong(40), control.length);
            out[0] = data.getByte(0);
            out[1] = msg.getInt(48);
            out[2] = length;
            c.get(0, control, 0, length);
        }
        return n;
    }

    @Override
    public boolean hasCloseFrom() {
        Boolean has = closeFrom;
        if (has == null) {
            Pointer fa = Memory.allocateDirect(runtime, 512, true);
            libc.posix_spawn_file_actions_init(fa);
            try {
                libc.posix_spawn_file_actions_addclosefrom_np(fa, 1 << 20);
                has = true;
            } catch (UnsatisfiedLinkError e) {
                has = false; // glibc < 2.34
            } finally {
                libc.posix_spawn_file_actions_destroy(fa);
            }
            closeFrom = has;
        }
        return has;
    }

    @Override
    public int spawn(List<String> argv, List<String> envp, String directory, int[] from, int closeFrom, int[] closeEach) throws IOException {
        Pointer fa = Memory.allocateDirect(runtime, 512, true);
        Pointer attr = Memory.allocateDirect(runtime, 1024, true);
        Pointer sigs = Memory.allocateDirect(runtime, 256, true);
        List<Pointer> keep = new ArrayList<>();
        boolean faInit = false;
        boolean attrInit = false;
        try {
            check(libc.posix_spawn_file_actions_init(fa), "posix_spawn_file_actions_init");
            faInit = true;
            for (int target = 0; target < from.length; target++) {
                if (from[target] >= 0) {
                    check(libc.posix_spawn_file_actions_adddup2(fa, from[target], target), "adddup2");
                } else {
                    check(libc.posix_spawn_file_actions_addclose(fa, target), "addclose");
                }
            }
            if (closeEach == null) {
                check(libc.posix_spawn_file_actions_addclosefrom_np(fa, closeFrom), "addclosefrom_np");
            } else {
                for (int fd : closeEach) {
                    check(libc.posix_spawn_file_actions_addclose(fa, fd), "addclose");
                }
            }
            if (directory != null) {
                check(libc.posix_spawn_file_actions_addchdir_np(fa, directory), "addchdir_np " + directory);
            }
            check(libc.posix_spawnattr_init(attr), "posix_spawnattr_init");
            attrInit = true;
            check(libc.posix_spawnattr_setflags(attr, (short) (POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)), "setflags");
            libc.sigemptyset(sigs);
            check(libc.posix_spawnattr_setsigmask(attr, sigs), "setsigmask");
            Pointer all = Memory.allocateDirect(runtime, 256, true);
            libc.sigfillset(all);
            check(libc.posix_spawnattr_setsigdefault(attr, all), "setsigdefault");
            int[] pid = new int[1];
            int r = libc.posix_spawn(pid, argv.get(0), fa, attr, stringArray(argv, keep), stringArray(envp, keep));
            if (r != 0) {
                throw new Native.ErrnoException("posix_spawn " + argv.get(0), r, Native.describeErrno(r));
            }
            return pid[0];
        } finally {
            if (faInit) {
                libc.posix_spawn_file_actions_destroy(fa);
            }
            if (attrInit) {
                libc.posix_spawnattr_destroy(attr);
            }
            keep.clear();
        }
    }

    private Pointer stringArray(List<String> strings, List<Pointer> keep) {
        Pointer array = Memory.allocateDirect(runtime, 8L * (strings.size() + 1), true);
        keep.add(array);
        for (int i = 0; i < strings.size(); i++) {
            byte[] b = strings.get(i).getBytes(StandardCharsets.UTF_8);
            Pointer p = Memory.allocateDirect(runtime, b.length + 1, true);
            p.put(0, b, 0, b.length);
            p.putByte(b.length, (byte) 0);
            keep.add(p);
            array.putAddress(8L * i, p.address());
        }
        array.putAddress(8L * strings.size(), 0L);
        return array;
    }

    private static void check(int result, String what) throws IOException {
        if (result != 0) {
            throw new Native.ErrnoException(what, result, Native.describeErrno(result));
        }
    }
}
