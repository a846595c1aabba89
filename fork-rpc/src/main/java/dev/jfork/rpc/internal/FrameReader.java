package dev.jfork.rpc.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

import dev.jfork.internal.wire.Frame;
import dev.jfork.internal.wire.MalformedFrameException;

/**
 * Reads frames from a stream through one buffer (read-ahead is fine: no descriptors arrive after
 * {@code run}). A frame that fits the buffer is returned as a slice of it, valid until the next
 * call; a larger one is read into an array of exactly its size, so big frames cost one copy and
 * no re-buffering. Not thread-safe: one reader thread per connection.
 */
public final class FrameReader {
    private static final int BUFFER = 64 * 1024;

    private final InputStream in;
    private final int maxFrame;
    private final Runnable beforeBlocking;
    private byte[] buf = new byte[BUFFER];
    private int pos;
    private int limit;

    // the current frame
    private byte type;
    private int id;
    private byte[] body;
    private int bodyOffset;
    private int bodyLength;

    /**
     * @param beforeBlocking run before each read that may block (the child flushes held replies
     *                       there), or null
     */
    public FrameReader(InputStream in, int maxFrame, Runnable beforeBlocking) {
        this.in = in;
        this.maxFrame = maxFrame;
        this.beforeBlocking = beforeBlocking;
    }

    /**
     * Reads the next frame. Returns false at end of stream between frames.
     *
     * @throws EOFException                     at end of stream inside a frame
     * @throws MalformedFrameException   for a negative or oversized length
     */
    public boolean next() throws IOException {
        if (!fill(Frame.HEADER, true)) {
            return false;
        }
        int length = Frame.length(buf, pos);
        type = Frame.type(buf, pos);
        id = Frame.id(buf, pos);
        pos += Frame.HEADER;
        if (length < 0 || length > maxFrame) {
            throw new MalformedFrameException(Frames.typeName(type) + " frame of " + (length & 0xffffffffL)
                    + " bytes exceeds the maximum frame size " + maxFrame);
        }
        if (length <= buf.length) {
            fill(length, false);
            body = buf;
            bodyOffset = pos;
            bodyLength = length;
            pos += length;
            return true;
        }
        byte[] big = new byte[length];
        int have = limit - pos;
        System.arraycopy(buf, pos, big, 0, have);
        pos = limit = 0;
        int off = have;
        while (off < length) {
            int n = in.read(big, off, length - off);
            if (n < 0) {
                throw new EOFException("end of stream inside a frame");
            }
            off += n;
        }
        body = big;
        bodyOffset = 0;
        bodyLength = length;
        return true;
    }

    /** Makes {@code n} bytes available at {@code pos}; false only at a clean end of stream when {@code eofOk}. */
    private boolean fill(int n, boolean eofOk) throws IOException {
        if (limit - pos >= n) {
            return true;
        }
        if (buf.length - pos < n) {
            System.arraycopy(buf, pos, buf, 0, limit - pos);
            limit -= pos;
            pos = 0;
        }
        while (limit - pos < n) {
            if (beforeBlocking != null) {
                beforeBlocking.run();
            }
            int r = in.read(buf, limit, buf.length - limit);
            if (r < 0) {
                if (eofOk && limit == pos) {
                    return false;
                }
                throw new EOFException("end of stream inside a frame");
            }
            limit += r;
        }
        return true;
    }

    /** True if a whole further frame is buffered (so {@link #next()} will not read from the stream). */
    public boolean hasFrame() {
        int have = limit - pos;
        if (have < Frame.HEADER) {
            return false;
        }
        int length = Frame.length(buf, pos);
        return length >= 0 && length <= have - Frame.HEADER;
    }

    /** True if bytes of a further frame are already buffered (so reading on will not block at once). */
    public boolean hasBuffered() {
        return limit > pos;
    }

    public byte type() {
        return type;
    }

    public int id() {
        return id;
    }

    /** The body's array: valid until the next {@link #next()}. */
    public byte[] body() {
        return body;
    }

    public int bodyOffset() {
        return bodyOffset;
    }

    public int bodyLength() {
        return bodyLength;
    }
}
