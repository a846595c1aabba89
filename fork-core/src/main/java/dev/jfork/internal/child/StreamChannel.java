package dev.jfork.internal.child;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;

import dev.jfork.ForkChannel;
import dev.jfork.internal.os.ChannelBase;
import dev.jfork.internal.os.FileDescriptors;
import dev.jfork.internal.os.Native;


/**
 * A {@link ForkChannel} over a descriptor in a child JVM, built on {@code java.io} file streams so
 * that the child's boot path loads no NIO and no native library. {@code read(2)} and
 * {@code write(2)} work on sockets and pipes alike; reads never read ahead of what is asked.
 *
 * <p>Closing while another thread is blocked reading first shuts the socket down so that reader
 * wakes up (a plain close would leave it blocked and the peer would not see end of stream).
 */
public final class StreamChannel extends ChannelBase {
    private final int fd;
    private final FileInputStream in;
    private final FileOutputStream out;
    private final Object readLock = new Object();
    private final Object writeLock = new Object();
    private volatile boolean open = true;
    private volatile int readers;

    public StreamChannel(int fd) {
        this(fd, FileDescriptors.of(fd));
    }

    /** A channel over an open {@code FileDescriptor} whose number is {@code fd} (-1 if unknown: a spare's warm-up). */
    StreamChannel(int fd, java.io.FileDescriptor d) {
        this.fd = fd;
        this.in = new FileInputStream(d);
        this.out = new FileOutputStream(d);
    }

    @Override
    public int fd() {
        return fd;
    }

    /** Raw stream used by the child server before run (exact reads, shared with the channel). */
    FileInputStream rawIn() {
        return in;
    }

    /** Writes one whole frame atomically with respect to other writers. */
    void writeFrame(byte[] frame) throws IOException {
        synchronized (writeLock) {
            out.write(frame);
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!open) {
            throw new ClosedChannelException();
        }
        if (!dst.hasRemaining()) {
            return 0;
        }
        synchronized (readLock) {
            readers++;
            try {
                if (dst.hasArray()) {
                    int n = in.read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
                    if (n > 0) {
                        dst.position(dst.position() + n);
                    }
                    return n;
                }
                byte[] tmp = new byte[Math.min(dst.remaining(), 65536)];
                int n = in.read(tmp);
                if (n > 0) {
                    dst.put(tmp, 0, n);
                }
                return n;
            } catch (IOException e) {
                if (!open) {
                    return -1;
                }
                throw e;
            } finally {
                readers--;
            }
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (!open) {
            throw new ClosedChannelException();
        }
        int n = src.remaining();
        synchronized (writeLock) {
            if (src.hasArray()) {
                out.write(src.array(), src.arrayOffset() + src.position(), n);
                src.position(src.limit());
            } else {
                byte[] tmp = new byte[n];
                src.get(tmp);
                out.write(tmp);
            }
        }
        return n;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() throws IOException {
        if (!open) {
            return;
        }
        open = false;
        if (readers > 0) {
            wakeReaders();
        }
        // For descriptors 0-2 the JDK points the descriptor at /dev/null instead of closing it,
        // which releases the socket all the same and keeps the number from being reused.
        in.close();
        out.close();
    }

    private void wakeReaders() {
        try {
            // the JDK's own channel for descriptor 0 (a dup), or the one a process that connected
            // back made: shutting it down affects the socket, and needs no libc
            SocketChannel made = ConnectBack.channel(fd);
            if (made != null) {
                made.shutdownInput();
                made.shutdownOutput();
                return;
            }
            if (fd == 0) {
                SocketChannel ch = (SocketChannel) System.inheritedChannel();
                if (ch != null) {
                    ch.shutdownInput();
                    ch.shutdownOutput();
                    return;
                }
            }
            Native.shutdown(fd);
        } catch (IOException | RuntimeException | LinkageError ignored) {
            // best effort: without it the reader wakes when the peer closes
        }
    }
}
