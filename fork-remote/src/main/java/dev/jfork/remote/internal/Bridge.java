package dev.jfork.remote.internal;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;

import dev.jfork.internal.concurrent.JforkThreads;
import dev.jfork.internal.os.FdPassing;
import dev.jfork.internal.os.Native;
import dev.jfork.internal.wire.Frame;
import dev.jfork.internal.wire.Protocol;

/**
 * Copies between a descriptor of this machine and a {@link MuxChannel}, one thread a direction.
 * A process's control socket is bridged both ways; a stderr pipe one way.
 *
 * <p>Descriptors cannot cross machines, so the two control bridges translate the two replies of
 * fork-core's protocol that carry some ({@code FORKED} and {@code SPARE}, each with a control
 * socket and a stderr pipe): on the agent's side the descriptors are received and bridged to two
 * new channels, and the frame goes on followed by a descriptor marker naming them; on this
 * program's side the marker becomes a new socket pair and pipe, whose ends are passed with the
 * frame exactly as a local template would, and bridged to those channels. The agent parses the
 * replies only until {@code RUNNING}: from then on the socket is the run function's, bytes only.
 */
final class Bridge {
    private static final System.Logger LOG = System.getLogger("dev.jfork");
    private static final int BUFFER = 32 * 1024;
    /** The largest reply frame the agent parses (fork-core's default frame limit). */
    private static final int MAX_REPLY = 64 << 20;

    private Bridge() {}

    /** Counts the bridges that are running, so a connection knows when nothing uses it any more. */
    interface Tracker {
        void started();

        void finished();
    }

    /**
     * The agent's side of a process's control socket: replies go to {@code ch} (with their
     * descriptors turned into channels, whose processes' pids {@code known} is told), what arrives
     * on {@code ch} is written to the socket.
     */
    static void agentControl(Mux mux, int fd, MuxChannel ch, LongConsumer known, Tracker tracker) {
        AtomicInteger directions = new AtomicInteger(2);
        run(tracker, "jfork-remote-reply-" + ch.id(), () -> {
            try {
                copyReplies(mux, fd, ch, known, tracker);
            } finally {
                directionDone(fd, directions, ch);
            }
        });
        run(tracker, "jfork-remote-command-" + ch.id(), () -> {
            try {
                channelToSocket(fd, ch, null, tracker);
            } finally {
                directionDone(fd, directions, ch);
            }
        });
    }

    /** This program's side of a process's control socket (the other end is the ProcessLink's). */
    static void localControl(Mux mux, int fd, MuxChannel ch, Tracker tracker) {
        AtomicInteger directions = new AtomicInteger(2);
        run(tracker, "jfork-remote-command-" + ch.id(), () -> {
            try {
                socketToChannel(fd, ch);
            } finally {
                directionDone(fd, directions, ch);
            }
        });
        run(tracker, "jfork-remote-reply-" + ch.id(), () -> {
            try {
                channelToSocket(fd, ch, mux, tracker);
            } finally {
                directionDone(fd, directions, ch);
            }
        });
    }

    /** The agent's side of a stderr pipe: its bytes go to {@code ch}, then its end. */
    static void agentStderr(int fd, MuxChannel ch, Tracker tracker) {
        run(tracker, "jfork-remote-stderr-" + ch.id(), () -> {
            try {
                socketToChannel(fd, ch);
            } finally {
                Native.closeQuietly(fd);
                ch.close();
            }
        });
    }

    /** This program's side of a stderr pipe: what arrives on {@code ch} is written to {@code fd} (the pipe's write end). */
    static void localStderr(MuxChannel ch, int fd, Tracker tracker) {
        run(tracker, "jfork-remote-stderr-" + ch.id(), () -> {
            byte[] buf = new byte[BUFFER];
            try {
                int n;
                while ((n = ch.read(buf, 0, buf.length)) >= 0) {
                    writeAll(fd, buf, n);
                }
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "remote stderr channel {0} ended: {1}", ch.id(), e);
            } finally {
                Native.closeQuietly(fd); // the reader here sees end of stream
                ch.close();
            }
        });
    }

    // ------------------------------------------------------------------ the copies

    /** Socket or pipe to channel, then end of stream on the channel. */
    private static void socketToChannel(int fd, MuxChannel ch) {
        ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
        byte[] heap = new byte[BUFFER];
        try {
            while (true) {
                buf.clear();
                int n = Native.read(fd, buf);
                if (n < 0) {
                    break;
                }
                buf.flip();
                buf.get(heap, 0, n);
                ch.send(heap, 0, n);
            }
            ch.sendEof();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "bridge of channel {0} to the connection ended: {1}", ch.id(), e);
            ch.close();
        }
    }

    /**
     * Channel to socket; with {@code mux} (this program's side) descriptor markers become a new
     * socket pair and pipe passed on the socket. At the channel's end, the socket's output is shut
     * down (the process reads end of stream).
     */
    private static void channelToSocket(int fd, MuxChannel ch, Mux mux, Tracker tracker) {
        ByteBuffer direct = ByteBuffer.allocateDirect(Mux.MAX_CHUNK); // used under the channel's lock only
        ch.directSink((b, off, len) -> {
            direct.clear();
            direct.put(b, off, len).flip();
            return Native.writeNonBlocking(fd, direct);
        });
        try {
            Object item;
            while ((item = ch.take()) != null) {
                if (item instanceof byte[]) {
                    byte[] b = (byte[]) item;
                    writeAll(fd, b, b.length);
                    ch.consumerDone();
                } else if (mux != null) {
                    passDescriptors(mux, fd, (int[]) item, tracker);
                    ch.consumerDone();
                } else {
                    throw new IOException("descriptors were sent towards a process on this machine");
                }
            }
            Native.shutdownOutput(fd);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "bridge of channel {0} to its socket ended: {1}", ch.id(), e);
            Native.shutdown(fd);
            ch.close();
        }
    }

    /** A marker [control channel, stderr channel]: a local socket pair and pipe stand for the remote descriptors. */
    private static void passDescriptors(Mux mux, int fd, int[] channels, Tracker tracker) throws IOException {
        if (channels.length != 2) {
            throw new IOException("a descriptor marker of " + channels.length + " channels; expected control and stderr");
        }
        int[] pair = Native.socketPair();
        int[] pipe;
        try {
            pipe = Native.pipe();
        } catch (IOException e) {
            Native.closeQuietly(pair[0]);
            Native.closeQuietly(pair[1]);
            throw e;
        }
        try {
            FdPassing.send(fd, new int[] {pair[1], pipe[0]});
        } finally {
            Native.closeQuietly(pair[1]); // the ProcessLink has its own copies now
            Native.closeQuietly(pipe[0]);
        }
        localControl(mux, pair[0], mux.channel(channels[0]), tracker);
        localStderr(mux.channel(channels[1]), pipe[1], tracker);
    }

    /** The agent's reply copy: frames until RUNNING (descriptors turned into channels), bytes after. */
    private static void copyReplies(Mux mux, int fd, MuxChannel ch, LongConsumer known, Tracker tracker) {
        InputStream in = new FdInput(fd);
        try {
            while (true) {
                Frame f = Frame.read(in, MAX_REPLY);
                if (f == null) {
                    ch.sendEof();
                    return;
                }
                byte[] bytes = f.encode();
                if (f.type == Protocol.FORKED || f.type == Protocol.SPARE) {
                    int[] fds = FdPassing.receive(fd, 2);
                    known.accept(f.u32(0) & 0xffffffffL);
                    MuxChannel control = mux.open();
                    MuxChannel stderr = mux.open();
                    ch.send(bytes, 0, bytes.length);
                    ch.sendDescriptors(new int[] {control.id(), stderr.id()});
                    agentControl(mux, fds[0], control, known, tracker);
                    agentStderr(fds[1], stderr, tracker);
                    continue;
                }
                ch.send(bytes, 0, bytes.length);
                if (f.type == Protocol.RUNNING) {
                    break; // the run function's socket from here on
                }
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "replies of channel {0} ended: {1}", ch.id(), e);
            ch.close();
            return;
        }
        socketToChannel(fd, ch);
    }

    // ------------------------------------------------------------------ helpers

    private static void directionDone(int fd, AtomicInteger directions, MuxChannel ch) {
        if (directions.decrementAndGet() == 0) {
            Native.closeQuietly(fd);
            ch.close();
        }
    }

    private static void run(Tracker tracker, String name, Runnable body) {
        tracker.started();
        JforkThreads.io(name, () -> {
            try {
                body.run();
            } finally {
                tracker.finished();
            }
        });
    }

    /** write(2), for sockets and pipes alike (the JVM ignores SIGPIPE: a gone reader is an EPIPE error). */
    private static void writeAll(int fd, byte[] b, int len) throws IOException {
        Native.writeFully(fd, len == b.length ? b : java.util.Arrays.copyOf(b, len));
    }

    /** Exact reads of a descriptor (no read-ahead: a descriptor message may follow a frame). */
    private static final class FdInput extends InputStream {
        private final int fd;
        private final ByteBuffer one = ByteBuffer.allocateDirect(BUFFER);

        FdInput(int fd) {
            this.fd = fd;
        }

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            one.clear().limit(Math.min(len, one.capacity()));
            int n = Native.read(fd, one);
            if (n > 0) {
                one.flip();
                one.get(b, off, n);
            }
            return n;
        }
    }
}
