package dev.jfork.internal.os;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;


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
        int first = fdMap.length;
        int[] high = new int[fdMap.length];
        java.util.Arrays.fill(high, -1);
        try {
            // Move every source above the target range first, so no dup2 clobbers a later source
            // (and so a source equal to its target still gets its close-on-exec flag cleared).
            for (int target = 0; target < fdMap.length; target++) {
                if (fdMap[target] >= 0) {
                    high[target] = Native.dupCloexec(fdMap[target], first);
                }
            }
            return Native.libc().spawn(argv, envp, directory == null ? null : directory.getPath(), high, first,
                    Native.libc().hasCloseFrom() ? null : openAbove(first));
        } finally {
            for (int fd : high) {
                Native.closeQuietly(fd);
            }
        }
    }

    /**
     * glibc < 2.34 has no closefrom file action: the descriptors open now above {@code first}
     * (racy against other threads' opens, which is why closefrom is preferred).
     */
    private static int[] openAbove(int first) throws IOException {
        String[] open = new File("/proc/self/fd").list();
        if (open == null) {
            throw new IOException("cannot list /proc/self/fd to close inherited descriptors");
        }
        List<Integer> above = new ArrayList<>();
        for (String name : open) {
            int fd = Integer.parseInt(name);
            if (fd >= first) {
                above.add(fd);
            }
        }
        int[] out = new int[above.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = above.get(k);
        }
        return out;
    }
}
