package dev.jfork.internal.os;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * How the os layer reaches libc: {@link JnrBackend} (jnr-ffi, JDK 17-21) or, on JDK 22+,
 * {@code FfmBackend} (the JDK's own foreign function API, which needs neither a native library
 * of its own nor {@code sun.misc.Unsafe}, so it prints no warning). Calls mirror libc: they return
 * what libc returns, and {@link #lastErrno()} is the errno of the last failed call on this thread.
 * Buffers are direct and used from their position.
 */
interface NativeBackend {
    /**
     * Binds now what a process that starts JVMs uses (descriptors, spawning, reaping, I/O), where a
     * backend binds lazily; called on {@link Native#loadInBackground()}'s thread.
     */
    default void bindSpawning() {}

    int lastErrno();

    String strerror(int errno);

    int socketpair(int domain, int type, int protocol, int[] sv);

    int pipe2(int[] fds, int flags);

    int close(int fd);

    int fcntl(int fd, int cmd, int arg);

    long read(int fd, ByteBuffer buf, long count);

    long write(int fd, ByteBuffer buf, long count);

    long send(int fd, ByteBuffer buf, long count, int flags);

    long recv(int fd, ByteBuffer buf, long count, int flags);

    int shutdown(int fd, int how);

    int accept4(int fd, int flags);

    int waitpid(int pid, int[] status, int options);

    int kill(int pid, int sig);

    /** {@code setpriority(PRIO_PROCESS, pid, nice)}. */
    int setpriority(int which, int who, int prio);

    /** {@code getrlimit}: {@code rlim[0]} the soft, {@code rlim[1]} the hard limit. */
    int getrlimit(int resource, long[] rlim);

    /** {@code open(path, flags, mode)}. */
    int open(String path, int flags, int mode);

    /** {@code getsockopt} of an int option. */
    int getsockoptInt(int fd, int level, int option, int[] value);

    /** {@code getsockname} (or {@code getpeername} with {@code peer}) into {@code addr}; {@code length[0]} is the address's length. */
    int sockname(int fd, boolean peer, byte[] addr, int[] length);

    /** {@code sendmsg} of one byte {@code 0x00} with an {@code SCM_RIGHTS} message carrying {@code fds}. */
    long sendFds(int socket, int[] fds, int flags);

    /**
     * {@code recvmsg} of one byte with {@code controlSpace} bytes of room for control messages.
     * Fills {@code out}: [data byte, msg_flags, control length] and copies the control bytes into
     * {@code control}; returns what recvmsg returned.
     */
    long recvFds(int socket, int controlSpace, int flags, int[] out, byte[] control);

    /** Whether glibc has {@code posix_spawn_file_actions_addclosefrom_np} (2.34+). */
    boolean hasCloseFrom();

    /**
     * {@code posix_spawn} of {@code argv} with file actions: for each target number {@code t},
     * {@code dup2(from[t], t)} or, where {@code from[t] < 0}, {@code close(t)}; then every
     * descriptor from {@code closeFrom} on (or each of {@code closeEach} without closefrom); then
     * {@code chdir(directory)} if not null. Signal mask emptied, every signal's disposition reset.
     *
     * @return the pid
     * @throws IOException with the failing step and its errno
     */
    int spawn(List<String> argv, List<String> envp, String directory, int[] from, int closeFrom, int[] closeEach) throws IOException;
}
