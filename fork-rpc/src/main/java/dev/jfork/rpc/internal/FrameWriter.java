package dev.jfork.rpc.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.concurrent.Executor;

import dev.jfork.internal.concurrent.JforkThreads;
import dev.jfork.internal.wire.Frame;

/**
 * The outgoing side of a connection: frames are appended in order (small ones coalesced into
 * 64 KiB buffers, large bodies by reference, never copied into a growing buffer) and written by
 * whichever thread holds the right to write. That thread drains until nothing is pending, so the
 * socket is flushed exactly when the queue runs empty, and frames appended meanwhile by other
 * threads ride along in the same write.
 *
 * <p>Each append says who writes: {@link Flush#NOW} (the caller, unless another thread is writing
 * already and will take the frame, or the inline limit below is exceeded), {@link Flush#LATER} (a
 * background thread, so the caller never blocks on the socket) or {@link Flush#HOLD} (nobody yet;
 * the caller promises a later {@link #kick} — the child's reader uses it to batch replies while more
 * requests are buffered).
 *
 * <p>The inline limit (the parent's side; unlimited by default): every appended frame is charged
 * {@link #charge} bytes, and the owner reports with {@link #acknowledge} how far into that charged
 * stream the peer has provably read (for the parent: up to the end of each call whose reply
 * arrived). A thread writes with {@code NOW} only while everything appended and not acknowledged
 * stays within the limit, checked again before every batch it takes, so it never writes frames of
 * other threads that would take the unread total past it; otherwise a background thread writes. A
 * write that keeps the peer's unread bytes well below the socket's send buffer cannot block, even if
 * the peer never reads again.
 *
 * <p>A write failure (the peer is gone) is remembered; later frames are dropped. The owner learns
 * about the peer's end from its reader (end of stream), which knows more than "broken pipe".
 */
public final class FrameWriter {
    /** Who writes an appended frame. */
    public enum Flush { NOW, LATER, HOLD }

    private static final int CHUNK = 64 * 1024;
    /** Frames up to this size are copied into a chunk; larger bodies are queued by reference. */
    private static final int SMALL = 8 * 1024;
    private static final int KEEP_CHUNKS = 4;
    /**
     * Kernel bookkeeping allowance per frame for the inline limit: a Unix stream socket charges each
     * {@code write} against the sender's SO_SNDBUF with the skb's truesize, roughly its length plus
     * ~0.5-1 KiB (struct sk_buff and shared info, head rounded up to a power of two; up to ~2.7 KiB
     * for a 1.7-3.7 KiB write, which the limit's margin covers).
     */
    public static final int WRITE_OVERHEAD = 1024;

    private static final Executor WRITERS = JforkThreads.ioExecutor();

    private static final class Segment {
        final byte[] data;
        final int offset;
        int length;
        final boolean chunk;

        Segment(byte[] data, int offset, int length, boolean chunk) {
            this.data = data;
            this.offset = offset;
            this.length = length;
            this.chunk = chunk;
        }
    }

    private final Object lock = new Object();
    private final int maxFrame;
    // guarded by lock
    private OutputStream out;
    private ArrayList<Segment> pending = new ArrayList<>();
    private ArrayList<Segment> spare = new ArrayList<>();
    private final ArrayList<byte[]> freeChunks = new ArrayList<>();
    private Segment tail;
    private boolean writing;
    private boolean closed;
    private IOException failure;
    private long queued;
    private long written;
    private int waiters;
    /** Bytes appended and not acknowledged above which {@code NOW} writes in the background instead. */
    private final long inlineLimit;
    /** The charged length of everything appended ({@link #charge} per frame). */
    private long charged;
    /** How far into the charged stream the peer has read; written by one thread at a time (the owner's reader). */
    private volatile long acknowledged;

    /** A writer without an inline limit: {@code NOW} always writes in the caller unless another thread is writing. */
    public FrameWriter(int maxFrame) {
        this(maxFrame, Long.MAX_VALUE);
    }

    /**
     * A writer whose {@code NOW} writes in the caller only while the frames appended and not
     * {@linkplain #acknowledge acknowledged} are charged at most {@code inlineLimit} bytes.
     */
    public FrameWriter(int maxFrame, long inlineLimit) {
        this.maxFrame = maxFrame;
        this.inlineLimit = inlineLimit;
    }

    /** What a frame with a body of {@code length} bytes is charged against the inline limit. */
    public static long charge(int length) {
        return Frame.HEADER + (long) length + WRITE_OVERHEAD;
    }

    /** The charged length of everything appended so far: the position right after the last frame. */
    public long position() {
        synchronized (lock) {
            return charged;
        }
    }

    /**
     * The peer has read everything up to {@code position} (a value of {@link #position()} taken
     * after appending a frame it has answered). Called by one thread at a time.
     */
    public void acknowledge(long position) {
        if (position > acknowledged) {
            acknowledged = position;
        }
    }

    /** Whether a thread may write what is appended itself. Caller holds the lock. */
    private boolean inlineAllowed() {
        return charged - acknowledged <= inlineLimit;
    }

    /** Sets the stream and writes what was appended before (in a background thread). */
    public void attach(OutputStream stream) {
        boolean schedule = false;
        synchronized (lock) {
            out = stream;
            if (!pending.isEmpty() && !writing && !closed) {
                writing = true;
                schedule = true;
            }
            lock.notifyAll();
        }
        if (schedule) {
            WRITERS.execute(this::drainLater);
        }
    }

    /**
     * Appends a frame. The body array is kept by reference when large: the caller must not change
     * it afterwards.
     *
     * @return false if the frame was dropped (closed, or an earlier write failed)
     * @throws IllegalArgumentException if the body exceeds the maximum frame size
     */
    public boolean send(byte type, int id, byte[] body, int offset, int length, Flush flush) {
        if (length > maxFrame) {
            throw new IllegalArgumentException(Frames.typeName(type) + " frame of " + length
                    + " bytes exceeds the maximum frame size " + maxFrame);
        }
        synchronized (lock) {
            if (closed || failure != null) {
                return false;
            }
            append(type, id, body, offset, length);
        }
        kick(flush);
        return true;
    }

    public boolean send(byte type, int id, byte[] body, Flush flush) {
        return send(type, id, body, 0, body.length, flush);
    }

    private void append(byte type, int id, byte[] body, int offset, int length) {
        int total = Frame.HEADER + length;
        if (total <= SMALL) {
            Segment t = room(total);
            Frame.putHeader(t.data, t.length, type, id, length);
            System.arraycopy(body, offset, t.data, t.length + Frame.HEADER, length);
            t.length += total;
        } else {
            Segment t = room(Frame.HEADER);
            Frame.putHeader(t.data, t.length, type, id, length);
            t.length += Frame.HEADER;
            pending.add(new Segment(body, offset, length, false));
            tail = null;
        }
        queued += total;
        charged += charge(length);
    }

    /** The chunk at the end of the queue, with at least {@code n} free bytes. */
    private Segment room(int n) {
        if (tail == null || tail.data.length - tail.length < n) {
            byte[] c = freeChunks.isEmpty() ? new byte[CHUNK] : freeChunks.remove(freeChunks.size() - 1);
            tail = new Segment(c, 0, 0, true);
            pending.add(tail);
        }
        return tail;
    }

    /** Makes sure held frames get written: by the caller ({@code NOW}) or in the background ({@code LATER}). */
    public void kick(Flush flush) {
        boolean drainHere = false;
        boolean schedule = false;
        synchronized (lock) {
            if (out != null && !writing && !pending.isEmpty() && failure == null && flush != Flush.HOLD) {
                writing = true;
                drainHere = flush == Flush.NOW && inlineAllowed();
                schedule = !drainHere;
            }
        }
        if (drainHere) {
            drain(true);
        } else if (schedule) {
            WRITERS.execute(this::drainLater);
        }
    }

    private void drainLater() {
        drain(false);
    }

    /**
     * Writes until the queue is empty; the caller has set {@code writing}. An {@code inline} drain
     * (a thread that said {@code NOW}) hands the rest to a background writer as soon as the next
     * batch would take the unacknowledged total past the inline limit: frames appended meanwhile by
     * other threads can be large, and this thread must not block on them.
     */
    private void drain(boolean inline) {
        while (true) {
            ArrayList<Segment> batch;
            OutputStream o;
            synchronized (lock) {
                if (pending.isEmpty() || failure != null) {
                    writing = false;
                    if (waiters > 0) {
                        lock.notifyAll();
                    }
                    return;
                }
                batch = inline && !inlineAllowed() ? null : pending;
                if (batch != null) {
                    pending = spare;
                    spare = null;
                    tail = null;
                    o = out;
                } else {
                    o = null;
                }
            }
            if (batch == null) {
                WRITERS.execute(this::drainLater); // still writing: a background writer goes on from here
                return;
            }
            long bytes = 0;
            IOException error = null;
            try {
                for (Segment s : batch) {
                    o.write(s.data, s.offset, s.length);
                    bytes += s.length;
                }
            } catch (IOException | RuntimeException e) {
                error = e instanceof IOException ? (IOException) e : new IOException(e);
            }
            synchronized (lock) {
                written += bytes;
                if (error != null) {
                    failure = error;
                }
                for (Segment s : batch) {
                    if (s.chunk && freeChunks.size() < KEEP_CHUNKS) {
                        freeChunks.add(s.data);
                    }
                }
                batch.clear();
                spare = batch;
                if (waiters > 0) {
                    lock.notifyAll();
                }
            }
        }
    }

    /**
     * Blocks until everything appended before this call is written (writing it in this thread if
     * nobody else is).
     *
     * @return false if a write failed or the writer was closed first
     */
    public boolean flush() {
        long target;
        boolean drainHere = false;
        synchronized (lock) {
            target = queued;
            if (written >= target) {
                return true;
            }
            if (failure != null) {
                return false;
            }
            if (out != null && !writing) {
                writing = true;
                drainHere = true;
            }
        }
        if (drainHere) {
            drain(false); // flush blocks by contract
        }
        synchronized (lock) {
            waiters++;
            try {
                while (written < target && failure == null && !(closed && !writing)) {
                    if (out != null && !writing && !pending.isEmpty()) {
                        writing = true;
                        lock.notifyAll();
                        WRITERS.execute(this::drainLater);
                    }
                    lock.wait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } finally {
                waiters--;
            }
            return written >= target;
        }
    }

    /** Drops whatever is still queued and refuses further frames. */
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
    }
}
