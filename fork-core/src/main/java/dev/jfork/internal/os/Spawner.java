package dev.jfork.internal.os;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Starts a program with {@code posix_spawn} and <em>exact</em> descriptor inheritance: the new
 * process gets the descriptors named in the map at the given numbers and nothing else, whatever the
 * rest of the JVM has open (the JDK opens almost everything without close-on-exec).
 *
 * <p>glibc's {@code posix_spawn} uses {@code clone(CLONE_VM|CLONE_VFORK)}, so spawning costs the
 * same from a 50 MB or a 4 GB JVM and is safe from a multi-threaded process.
 */
public final class Spawner {
    private Spawner() {}

    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;

    private static volatile boolean closefromMissing;

    /**
     * Spawns {@code argv[0]}.
     *
     * @param argv      program path and arguments
     * @param envp      environment as {@code NAME=value} strings
     * @param directory working directory, or null for the current one
     * @param fdMap     {@code fdMap[n]} is the descriptor of this process that becomes descriptor
     *                  {@code n} in the child, or -1 for "closed"; everything above is closed too
     * @return the pid
     */
    public static int spawn(List<String> argv, List<String> envp, File directory, int[] fdMap) throws IOException {
        Native.LibC c = Native.libc();
        jnr.ffi.Runtime rt = Native.runtime();
        int first = fdMap.length;
        int[] high = new int[fdMap.length];
        java.util.Arrays.fill(high, -1);
        Pointer fa = Memory.allocateDirect(rt, 512, true);
        Pointer attr = Memory.allocateDirect(rt, 1024, true);
        Pointer sigs = Memory.allocateDirect(rt, 256, true);
        List<Pointer> keep = new ArrayList<>();
        boolean faInit = false;
        boolean attrInit = false;
        try {
            // Move every source above the target range first, so no dup2 clobbers a later source
            // (and so a source equal to its target still gets its close-on-exec flag cleared).
            for (int target = 0; target < fdMap.length; target++) {
                if (fdMap[target] >= 0) {
                    high[target] = Native.dupCloexec(fdMap[target], first);
                }
            }
            check(c.posix_spawn_file_actions_init(fa), "posix_spawn_file_actions_init");
            faInit = true;
            for (int target = 0; target < fdMap.length; target++) {
                if (high[target] >= 0) {
                    check(c.posix_spawn_file_actions_adddup2(fa, high[target], target), "adddup2");
                } else {
                    check(c.posix_spawn_file_actions_addclose(fa, target), "addclose");
                }
            }
            addCloseFrom(fa, first);
            if (directory != null) {
                check(c.posix_spawn_file_actions_addchdir_np(fa, directory.getPath()), "addchdir_np " + directory);
            }
            check(c.posix_spawnattr_init(attr), "posix_spawnattr_init");
            attrInit = true;
            check(c.posix_spawnattr_setflags(attr, (short) (POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)), "setflags");
            c.sigemptyset(sigs);
            check(c.posix_spawnattr_setsigmask(attr, sigs), "setsigmask");
            Pointer all = Memory.allocateDirect(rt, 256, true);
            c.sigfillset(all);
            check(c.posix_spawnattr_setsigdefault(attr, all), "setsigdefault");
            Pointer argvArray = stringArray(argv, keep);
            Pointer envArray = stringArray(envp, keep);
            int[] pid = new int[1];
            int r = c.posix_spawn(pid, argv.get(0), fa, attr, argvArray, envArray);
            if (r != 0) {
                throw new Native.ErrnoException("posix_spawn " + argv.get(0), r, c.strerror(r));
            }
            return pid[0];
        } finally {
            if (faInit) {
                c.posix_spawn_file_actions_destroy(fa);
            }
            if (attrInit) {
                c.posix_spawnattr_destroy(attr);
            }
            for (int fd : high) {
                Native.closeQuietly(fd);
            }
            keep.clear();
        }
    }

    private static void addCloseFrom(Pointer fa, int first) throws IOException {
        if (!closefromMissing) {
            try {
                check(Native.libc().posix_spawn_file_actions_addclosefrom_np(fa, first), "addclosefrom_np");
                return;
            } catch (UnsatisfiedLinkError e) {
                // glibc < 2.34: fall back to closing what is open now (racy against other threads'
                // opens, which is why closefrom is preferred)
                closefromMissing = true;
            }
        }
        String[] open = new File("/proc/self/fd").list();
        if (open == null) {
            throw new IOException("cannot list /proc/self/fd to close inherited descriptors");
        }
        for (String name : open) {
            int fd = Integer.parseInt(name);
            if (fd >= first) {
                check(Native.libc().posix_spawn_file_actions_addclose(fa, fd), "addclose");
            }
        }
    }

    private static Pointer stringArray(List<String> strings, List<Pointer> keep) {
        Pointer array = Memory.allocateDirect(Native.runtime(), 8L * (strings.size() + 1), true);
        keep.add(array);
        for (int i = 0; i < strings.size(); i++) {
            Pointer s = Native.cString(strings.get(i));
            keep.add(s);
            array.putAddress(8L * i, s.address());
        }
        array.putAddress(8L * strings.size(), 0L);
        return array;
    }

    private static void check(int result, String what) throws IOException {
        if (result != 0) {
            throw new Native.ErrnoException(what, result, Native.libc().strerror(result));
        }
    }
}
