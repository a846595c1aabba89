package dev.jfork.remote.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;

import dev.jfork.internal.concurrent.JforkThreads;

/**
 * One stream of a {@link Mux}, both ways. Sending blocks while the other side has granted no
 * credit (its reader is behind by a whole window); what arrives is buffered here, at most a
 * window's worth, until {@link #read} takes it, and taking it grants the sender credit again.
 * {@link #sendEof()} ends this side's direction (the other reads end of stream), {@link #close()}
 * ends both at once. When the connection ends, reads return what was buffered and then end of
 * stream, and sends fail.
 */
public final class MuxChannel {
    private final Mux mux;
    private final int id;
    private final int window;
    private final Object lock = new Object();

    // guarded by lock
    /** byte[] data, or int[] descriptor markers ({@link #sendDescriptors}), in arrival order. */
    private final ArrayDeque<Object> inbound = new ArrayDeque<>();
    private int headOffset;
    private int buffered;
    private int consumedUncredited;
    private int credit;
    private boolean eofIn;
    private boolean eofOut;
    private boolean closed;
    private IOException failure;
    /** Where arriving data may go straight away (the process's socket), or null. */
    private DirectSink sink;
    /** The consumer took data and is writing it: nothing may overtake it. */
    private boolean consumerBusy;

    /**
     * A consumer that can take data without blocking: a socket written with MSG_DONTWAIT. Data
     * that arrives while nothing is queued or being written goes there from the connection's
     * reading thread, sparing a thread hand-off per message (an RPC round trip crosses four).
     */
    interface DirectSink {
        /** Writes what fits now: the number of bytes written, 0 if none fit. */
        int tryWrite(byte[] b, int off, int len) throws IOException;
    }

    MuxChannel(Mux mux, int id, int window) {
        this.mux = mux;
        this.id = id;
        this.window = window;
        this.credit = window;
    }

    public int id() {
        return id;
    }

    /** Sends bytes, waiting for credit as needed. */
    public void send(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int chunk;
            synchronized (lock) {
                while (credit == 0 && !closed && failure == null) {
                    waitQuietly();
                }
                if (closed || eofOut || failure != null) {
                    throw new IOException("channel " + id + " is closed", failure);
                }
                chunk = Math.min(Math.min(len, credit), Mux.MAX_CHUNK);
                credit -= chunk;
            }
            mux.send(id, Mux.DATA, b, off, chunk);
            off += chunk;
            len -= chunk;
        }
    }

    /** Ends this direction: the other side reads end of stream once it has read what was sent. */
    public void sendEof() throws IOException {
        boolean forget;
        synchronized (lock) {
            if (eofOut || closed) {
                return;
            }
            eofOut = true;
            forget = eofIn;
        }
        try {
            mux.send(id, Mux.EOF, new byte[0], 0, 0);
        } finally {
            if (forget) {
                mux.forget(id);
            }
        }
    }

    /**
     * Reads what arrived, waiting for it: the number of bytes, or -1 once the other side ended its
     * direction (or closed the channel, or the connection ended) and everything before was read.
     */
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        int n = 0;
        int grant = 0;
        synchronized (lock) {
            while (inbound.isEmpty() && !eofIn && !closed) {
                waitQuietly();
            }
            while (n < len && !inbound.isEmpty()) {
                if (!(inbound.peekFirst() instanceof byte[])) {
                    if (n > 0) {
                        break; // the marker is for take()
                    }
                    throw new IOException("channel " + id + " carries descriptors: read it with take()");
                }
                byte[] head = (byte[]) inbound.peekFirst();
                int take = Math.min(len - n, head.length - headOffset);
                System.arraycopy(head, headOffset, b, off + n, take);
                n += take;
                headOffset += take;
                if (headOffset == head.length) {
                    inbound.pollFirst();
                    headOffset = 0;
                }
            }
            if (n == 0) {
                return -1;
            }
            grant = consumed(n);
        }
        grant(grant);
        return n;
    }

    /**
     * The next thing that arrived, waiting for it: a byte[] of data, an int[] of the channels that
     * stand for descriptors sent at this point of the stream ({@link #sendDescriptors}), or null
     * at the end.
     */
    public Object take() throws IOException {
        Object item;
        int grant = 0;
        synchronized (lock) {
            while (inbound.isEmpty() && !eofIn && !closed) {
                waitQuietly();
            }
            item = inbound.pollFirst();
            if (item instanceof byte[]) {
                byte[] head = (byte[]) item;
                if (headOffset > 0) {
                    item = java.util.Arrays.copyOfRange(head, headOffset, head.length);
                    headOffset = 0;
                }
                grant = consumed(((byte[]) item).length);
            }
            // until consumerDone(): later data must queue behind what the consumer is writing
            // (data, or the descriptors a marker stands for)
            consumerBusy = item != null && sink != null;
        }
        grant(grant);
        return item;
    }

    /** From now on data may go straight to {@code s} while nothing is queued (see {@link DirectSink}). */
    void directSink(DirectSink s) {
        synchronized (lock) {
            sink = s;
        }
    }

    /** The consumer wrote what it took last: data may go straight to the sink again. */
    void consumerDone() {
        synchronized (lock) {
            consumerBusy = false;
        }
    }

    /**
     * Sends, in order with the data, that the peer's frame just sent carried descriptors, which
     * the channels {@code channels} now stand for (descriptors cannot cross machines; streams can).
     */
    public void sendDescriptors(int[] channels) throws IOException {
        byte[] p = new byte[4 * channels.length];
        for (int i = 0; i < channels.length; i++) {
            Mux.putInt(p, 4 * i, channels[i]);
        }
        synchronized (lock) {
            if (closed || eofOut || failure != null) {
                throw new IOException("channel " + id + " is closed", failure);
            }
        }
        mux.send(id, Mux.DESCRIPTORS, p, 0, p.length);
    }

    /** Counts consumed bytes; what to grant now (in batches of half a window, so credit frames do not double the traffic). Caller holds lock. */
    private int consumed(int n) {
        buffered -= n;
        consumedUncredited += n;
        if (consumedUncredited >= window / 2 && !closed && !eofIn) {
            int g = consumedUncredited;
            consumedUncredited = 0;
            return g;
        }
        return 0;
    }

    private void grant(int n) {
        if (n > 0) {
            byte[] c = new byte[4];
            Mux.putInt(c, 0, n);
            try {
                mux.send(id, Mux.CREDIT, c, 0, 4);
            } catch (IOException ignored) {
                // the connection ended: the data read is still good
            }
        }
    }

    /** Closes both directions now: what the other side sends from here on is dropped. */
    public void close() {
        boolean send;
        synchronized (lock) {
            send = !closed;
            closed = true;
            inbound.clear();
            buffered = 0;
            lock.notifyAll();
        }
        if (send) {
            try {
                mux.send(id, Mux.CLOSE, new byte[0], 0, 0);
            } catch (IOException ignored) {
                // the connection ended: nothing to tell
            }
            mux.forget(id);
        }
    }

    // ------------------------------------------------------------------ from the connection's reader

    void received(byte[] data) throws IOException {
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (eofIn) {
                throw new IOException("data on channel " + id + " after its end");
            }
            if (buffered + data.length > window) {
                throw new IOException("channel " + id + " was sent more than its window of " + window + " bytes");
            }
            int direct = 0;
            if (sink != null && !consumerBusy && inbound.isEmpty()) {
                try {
                    direct = sink.tryWrite(data, 0, data.length);
                } catch (IOException e) {
                    direct = 0; // the consumer meets the error itself
                }
            }
            if (direct > 0) {
                consumedUncredited += direct;
                if (consumedUncredited >= window / 2) {
                    int g = consumedUncredited;
                    consumedUncredited = 0;
                    // not from this thread: a credit frame could wait on a full connection, and this
                    // thread is the one that empties the other direction
                    JforkThreads.io(() -> grant(g));
                }
                if (direct == data.length) {
                    return;
                }
                data = java.util.Arrays.copyOfRange(data, direct, data.length);
            }
            inbound.addLast(data);
            buffered += data.length;
            lock.notifyAll();
        }
    }

    void receivedDescriptors(byte[] payload) throws IOException {
        if (payload.length == 0 || payload.length % 4 != 0) {
            throw new IOException("malformed descriptor frame on channel " + id);
        }
        int[] channels = new int[payload.length / 4];
        for (int i = 0; i < channels.length; i++) {
            channels[i] = Mux.getInt(payload, 4 * i);
        }
        synchronized (lock) {
            if (closed) {
                return;
            }
            inbound.addLast(channels);
            lock.notifyAll();
        }
    }

    void credited(int n) {
        synchronized (lock) {
            credit += n;
            lock.notifyAll();
        }
    }

    void receivedEof() {
        boolean forget;
        synchronized (lock) {
            eofIn = true;
            forget = eofOut;
            lock.notifyAll();
        }
        if (forget) {
            mux.forget(id);
        }
    }

    void receivedClose() {
        synchronized (lock) {
            closed = true;
            inbound.clear();
            buffered = 0;
            lock.notifyAll();
        }
        mux.forget(id);
    }

    /** The connection is over: readers get what was buffered, then end of stream; senders fail. */
    void ended(IOException cause) {
        synchronized (lock) {
            eofIn = true;
            if (failure == null) {
                failure = cause != null ? cause : new IOException("the connection closed");
            }
            lock.notifyAll();
        }
    }

    private void waitQuietly() throws InterruptedIOException {
        try {
            lock.wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting on channel " + id);
        }
    }
}
