package dev.jfork.internal.wire;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The one frame format of jfork's wire, for the control protocol of fork-core and for fork-rpc's
 * calls alike ({@code docs/PROTOCOL.md}, "Frames"):
 *
 * <pre>type:u8  id:u32  length:u32  payload[length]     (big-endian)</pre>
 *
 * {@code id} names what the frame is about (a fork, an RPC call, a control kind) and is 0 where
 * nothing is. This class encodes and decodes headers, reads whole frames with exact reads (never
 * ahead: a descriptor message may follow in the stream) and decodes payload fields. It is on the
 * child's boot path: pure JDK, no lambdas, no string switch.
 */
public final class Frame {
    /** Header size: type, id, length. */
    public static final int HEADER = 9;

    public final byte type;
    public final int id;
    public final byte[] payload;

    public Frame(byte type, int id, byte[] payload) {
        this.type = type;
        this.id = id;
        this.payload = payload;
    }

    // ------------------------------------------------------------------ headers

    /** Writes a header at {@code off}. */
    public static void putHeader(byte[] b, int off, byte type, int id, int length) {
        b[off] = type;
        putInt(b, off + 1, id);
        putInt(b, off + 5, length);
    }

    public static byte type(byte[] header, int off) {
        return header[off];
    }

    public static int id(byte[] header, int off) {
        return getInt(header, off + 1);
    }

    public static int length(byte[] header, int off) {
        return getInt(header, off + 5);
    }

    /** A payload length that is negative or over {@code max} makes the frame malformed. */
    public static void checkLength(byte type, int length, int max) throws MalformedFrameException {
        if (length < 0 || length > max) {
            throw new MalformedFrameException("frame " + printable(type) + " announces " + (length & 0xffffffffL)
                    + " bytes, more than the limit of " + max);
        }
    }

    /** One whole frame (header and payload) in one array, ready for a single write. */
    public static byte[] encode(byte type, int id, byte[] payload) {
        byte[] f = new byte[HEADER + payload.length];
        putHeader(f, 0, type, id, payload.length);
        System.arraycopy(payload, 0, f, HEADER, payload.length);
        return f;
    }

    public static byte[] encode(byte type, int id, String utf8) {
        return encode(type, id, utf8.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] encode(byte type, byte[] payload) {
        return encode(type, 0, payload);
    }

    /** This frame encoded again (as it was received). */
    public byte[] encode() {
        return encode(type, id, payload);
    }

    // ------------------------------------------------------------------ reading

    /**
     * Reads one frame with exact-length reads. Returns {@code null} on a clean end of stream before
     * the first header byte.
     */
    public static Frame read(InputStream in, int maxPayload) throws IOException {
        byte[] header = new byte[HEADER];
        int first = readFully(in, header, 0, HEADER);
        if (first == 0) {
            return null;
        }
        if (first < HEADER) {
            throw new EOFException("connection closed inside a frame header");
        }
        int length = length(header, 0);
        checkLength(header[0], length, maxPayload);
        byte[] payload = new byte[length];
        if (readFully(in, payload, 0, length) < length) {
            throw new EOFException("connection closed inside a frame of " + length + " bytes");
        }
        return new Frame(header[0], id(header, 0), payload);
    }

    /** Reads until {@code length} bytes or end of stream; returns how many were read. */
    public static int readFully(InputStream in, byte[] buf, int offset, int length) throws IOException {
        int done = 0;
        while (done < length) {
            int n = in.read(buf, offset + done, length - done);
            if (n < 0) {
                break;
            }
            done += n;
        }
        return done;
    }

    // ------------------------------------------------------------------ payload fields

    /** The big-endian u32 at {@code offset} of the payload. */
    public int u32(int offset) throws MalformedFrameException {
        if (offset + 4 > payload.length) {
            throw new MalformedFrameException("frame " + printable(type) + " too short: " + payload.length + " bytes");
        }
        return getInt(payload, offset);
    }

    /** The payload from {@code offset} on, as UTF-8. */
    public String utf8(int offset) {
        return new String(payload, offset, payload.length - offset, StandardCharsets.UTF_8);
    }

    /** The payload as a string list ({@link StringList}). */
    public List<String> strings() throws MalformedFrameException {
        return StringList.decode(payload);
    }

    public static int getInt(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }

    public static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    /** u32 values, big-endian, one after the other. */
    public static byte[] ints(int... values) {
        byte[] b = new byte[4 * values.length];
        for (int i = 0; i < values.length; i++) {
            putInt(b, 4 * i, values[i]);
        }
        return b;
    }

    /** A u32 followed by UTF-8 text. */
    public static byte[] intAndText(int value, String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[4 + t.length];
        putInt(b, 0, value);
        System.arraycopy(t, 0, b, 4, t.length);
        return b;
    }

    /** A frame type for messages: the character for printable types, else hex. */
    public static String printable(byte type) {
        return type >= 0x21 && type < 0x7f ? "'" + (char) type + "'" : "0x" + Integer.toHexString(type & 0xff);
    }
}
