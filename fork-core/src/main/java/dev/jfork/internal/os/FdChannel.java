package dev.jfork.internal.os;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.util.function.BooleanSupplier;

import dev.jfork.ForkChannel;
import dev.jfork.internal.concurrent.JforkThreads;


/**
 * A {@link ForkChannel} over a raw socket descriptor, used in the parent (which must know the
 * descriptor number to pass descriptors with SCM_RIGHTS, so it cannot use a JDK channel), or over
 * a JDK socket channel whose number is known ({@link #of}).
 *
 * <p>Reads and writes hold a use count; {@link #close()} while a read is blocked shuts the socket
 * down to wake it, and the descriptor is closed only when the last user leaves, so a descriptor
 * number is never reused under a running call. An unreachable channel is closed by a cleaner.
 */
public final class FdChannel extends ChannelBase {
    /**
     * Whether libc is bound, made once with the class: a lambda is made where its expression is
     * first run, and the first {@link #of} runs on the way of a program's first process to its run.
     */
    private static final BooleanSupplier LIBC_NOW = LibcBound::now;

    /** The descriptor and its use count; shared with the cleaner, so it must not reference the channel. */
    private static final class State implements Runnable {
        final int fd;
        /** The JDK channel that owns the socket (it closes it), or null for a raw descriptor this object owns. */
        final SocketChannel jdk;
        int users;
        boolean closed;
        boolean released;

        /** Whether libc is bound ({@link LibcBound#now()}; another answer in tests). */
        private final BooleanSupplier libcReady;

        State(int fd, SocketChannel jdk, BooleanSupplier libcReady) {
            this.fd = fd;
            this.jdk = jdk;
            this.libcReady = libcReady;
        }

        /** Whether bytes go through the JDK channel: until libc is bound, after that by the descriptor. */
        boolean viaJdk() {
            return jdk != null && !libcReady.getAsBoolean();
        }

        synchronized void acquire() throws ClosedChannelException {
            if (closed) {
                throw new ClosedChannelException();
            }
            users++;
        }

        synchronized void release() {
            users--;
            if (closed && users == 0) {
                releaseFd();
            }
        }

        @Override
        public synchronized void run() {
            if (closed) {
                return;
            }
            closed = true;
            if (users > 0) {
                shutdown(true);
            } else {
                releaseFd();
            }
        }

        /**
         * Shuts down both directions (wakes a blocked reader and tells the peer, without giving the
         * descriptor number up), or only output: through the JDK channel if there is one (no libc needed).
         */
        void shutdown(boolean input) {
            if (jdk == null) {
                if (input) {
                    Native.shutdown(fd);
                } else {
                    Native.shutdownOutput(fd);
                }
                return;
            }
            try {
                if (input) {
                    jdk.shutdownInput();
                }
                jdk.shutdownOutput();
            } catch (IOException e) {
                // not connected any more: the peer has seen the end already
            }
        }

        private void releaseFd() {
            if (!released) {
                released = true;
                if (jdk == null) {
                    Native.closeQuietly(fd);
                } else {
                    try {
                        jdk.close();
                    } catch (IOException e) {
                        // closed all the same
                    }
                }
            }
        }
    }

    private final State state;
    private final JforkThreads.Cleanable cleanable;
    private final Object readLock = new Object();
    private final Object writeLock = new Object();
    /** Native memory for heap-buffer I/O, one per direction, allocated on first use. */
    private ByteBuffer readBuffer;
    private ByteBuffer writeBuffer;

    /** Largest size of the per-channel transfer buffers (larger transfers loop). */
    private static final int BUFFER_SIZE = 32 * 1024;
    /** Their first size: most channels only ever carry a few small frames (a fork's commands, its RUNNING). */
    private static final int FIRST_BUFFER_SIZE = 512;

    /**
     * {@code current}, or a larger buffer when {@code wanted} bytes do not fit and it may grow:
     * buffers start small (at full size every fork's channel allocated and zeroed 64 KiB of native
     * memory, on the way of its first command and its first reply) and grow to
     * {@link #BUFFER_SIZE} when the traffic needs it.
     */
    private static ByteBuffer sized(ByteBuffer current, int wanted) {
        if (current != null && (current.capacity() >= wanted || current.capacity() == BUFFER_SIZE)) {
            return current;
        }
        int size = FIRST_BUFFER_SIZE;
        while (size < wanted && size < BUFFER_SIZE) {
            size *= 2;
        }
        return ByteBuffer.allocateDirect(size);
    }

    public FdChannel(int fd) {
        this(new State(fd, null, LIBC_NOW));
    }

    private FdChannel(State state) {
        this.state = state;
        this.cleanable = JforkThreads.cleanWhenUnreachable(this, state);
    }

    /**
     * A channel over a connected JDK socket channel whose descriptor is {@code fd} (the socket of a
     * process started without libc, see {@link ProcSockets}). Until libc is bound, bytes go through
     * the JDK channel, with the calling thread's interrupt status set aside for the call (an
     * interrupted thread's I/O would close the channel: fork-rpc cancels calls by interrupting) and
     * writes that must not block left to the caller's background writer; from then on through the
     * descriptor, as for any other channel. The JDK channel shuts the socket down and closes it.
     */
    public static FdChannel of(SocketChannel channel, int fd) {
        return of(channel, fd, LIBC_NOW);
    }

    static FdChannel of(SocketChannel channel, int fd, BooleanSupplier libcReady) {
        return new FdChannel(new State(fd, channel, libcReady));
    }

    @Override
    public int fd() {
        return state.fd;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        synchronized (readLock) {
            state.acquire();
            try {
                if (state.viaJdk()) {
                    return readJdk(dst);
                }
                if (dst.isDirect()) {
                    return Native.read(state.fd, dst);
                }
                ByteBuffer tmp = readBuffer = sized(readBuffer, dst.remaining());
                tmp.clear().limit(Math.min(dst.remaining(), tmp.capacity()));
                int n = Native.read(state.fd, tmp);
                if (n > 0) {
                    tmp.flip();
                    dst.put(tmp);
                }
                return n;
            } finally {
                state.release();
            }
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        synchronized (writeLock) {
            state.acquire();
            try {
                if (state.viaJdk()) {
                    return writeJdk(src);
                }
                int total = 0;
                if (src.isDirect()) {
                    while (src.hasRemaining()) {
                        total += Native.write(state.fd, src);
                    }
                    return total;
                }
                ByteBuffer tmp = writeBuffer = sized(writeBuffer, src.remaining());
                while (src.hasRemaining()) {
                    int chunk = Math.min(tmp.capacity(), src.remaining());
                    ByteBuffer slice = src.duplicate();
                    slice.limit(slice.position() + chunk);
                    tmp.clear();
                    tmp.put(slice).flip();
                    while (tmp.hasRemaining()) {
                        int n = Native.write(state.fd, tmp);
                        total += n;
                        src.position(src.position() + n);
                    }
                }
                return total;
            } finally {
                state.release();
            }
        }
    }

    private int readJdk(ByteBuffer dst) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            return state.jdk.read(dst);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private int writeJdk(ByteBuffer src) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            int total = 0;
            while (src.hasRemaining()) {
                total += state.jdk.write(src);
            }
            return total;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Writes all bytes. */
    public void writeFully(byte[] bytes) throws IOException {
        write(ByteBuffer.wrap(bytes));
    }

    /** One write that does not block: the bytes written, 0 if the socket buffer is full. */
    int writeNonBlocking(ByteBuffer src) throws IOException {
        synchronized (writeLock) {
            state.acquire();
            try {
                if (state.viaJdk()) {
                    return 0; // a blocking JDK channel cannot try: the background writer writes it
                }
                ByteBuffer direct = src;
                if (!src.isDirect()) {
                    direct = writeBuffer = sized(writeBuffer, src.remaining());
                    direct.clear();
                    ByteBuffer slice = src.duplicate();
                    slice.limit(slice.position() + Math.min(direct.capacity(), src.remaining()));
                    direct.put(slice).flip();
                }
                int n = Native.writeNonBlocking(state.fd, direct);
                if (direct != src) {
                    src.position(src.position() + n);
                }
                return n;
            } finally {
                state.release();
            }
        }
    }

    /** {@link #sendFds} that does not block: false (nothing sent) if the socket buffer is full. */
    boolean sendFdsNonBlocking(int[] fds) throws IOException {
        synchronized (writeLock) {
            state.acquire();
            try {
                return !state.viaJdk() && FdPassing.send(state.fd, fds, true); // else sent in the background
            } finally {
                state.release();
            }
        }
    }

    /** Sends descriptors with one SCM_RIGHTS byte, ordered with the other writes on this channel. */
    public void sendFds(int[] fds) throws IOException {
        synchronized (writeLock) {
            state.acquire();
            try {
                FdPassing.send(state.fd, fds);
            } catch (RuntimeException | LinkageError e) {
                throw new IOException("cannot send descriptors: " + Native.describeFailure(e), e); // libc could not be bound
            } finally {
                state.release();
            }
        }
    }

    /** Half-closes: the peer reads end of stream, replies can still be read. */
    public void shutdownOutput() {
        synchronized (state) {
            if (!state.closed) {
                state.shutdown(false);
            }
        }
    }

    /** Receives the descriptor byte of a frame just read (see {@link FdPassing#receive}). */
    public int[] receiveFds(int count) throws IOException {
        synchronized (readLock) {
            state.acquire();
            try {
                return FdPassing.receive(state.fd, count);
            } catch (RuntimeException | LinkageError e) {
                throw new IOException("cannot receive descriptors: " + Native.describeFailure(e), e); // libc could not be bound
            } finally {
                state.release();
            }
        }
    }

    @Override
    public boolean isOpen() {
        synchronized (state) {
            return !state.closed;
        }
    }

    @Override
    public void close() {
        cleanable.clean();
    }
}
