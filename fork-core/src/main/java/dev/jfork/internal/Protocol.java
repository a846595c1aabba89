package dev.jfork.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The frame format shared by parent, template and child; {@code docs/PROTOCOL.md} is its
 * specification and must change together with this class.
 *
 * <p>A frame is {@code type:u8 length:u32be payload[length]}. Frames that carry descriptors are
 * followed by exactly one byte {@code 0x00} sent with {@code sendmsg} and an {@code SCM_RIGHTS}
 * control message; the receiver reads headers and payloads with exact lengths, never ahead, so
 * that byte is left for {@code recvmsg}.
 *
 * <p>This class is on the child's boot path: pure JDK, no lambdas, no string switch.
 */
public final class Protocol {
    private Protocol() {}

    /** Bumped on every incompatible change; parent and child must agree. */
    public static final int VERSION = 2;

    /** Header size: type byte plus big-endian length. */
    public static final int HEADER = 5;

    // ---- parent -> process (commands) ----
    /** Load and initialise classes: string list of binary class names. */
    public static final byte REQUIRE = 'R';
    /** Load and initialise classes, skipping those that fail: string list of binary class names. */
    public static final byte PRELOAD = 'L';
    /** Call a static init method: string list (method, args...). */
    public static final byte EVAL = 'E';
    /** Append string arguments: string list. */
    public static final byte ARG_STRINGS = 'A';
    /** Append one byte[] argument: raw payload. */
    public static final byte ARG_BYTES = 'B';
    /** Append descriptors: u32 count, then the descriptor byte carrying count fds. */
    public static final byte ARG_FDS = 'D';
    /** Fork: u32 forkId. The reply FORKED carries the new process's sockets. */
    public static final byte FORK = 'F';
    /** Spares only: exercise the run path now (resolve and call a no-op, open the class path), so a hand-over is fast. Empty. */
    public static final byte WARM_UP = 'W';
    /** Enter the run function: UTF-8 function name. */
    public static final byte RUN = 'X';
    /**
     * A hint, not a command: a fork of this template entered a function of this class (UTF-8 binary
     * class name). A template passes it on to its idle spares, which load the class without
     * initialising it (no user code runs), so the next hand-over finds it loaded. Not replayed.
     */
    public static final byte HINT = 'H';

    /**
     * The class part of a function name as {@code run}, {@code eval} and {@code HINT} carry it:
     * {@code "pkg.Cls.method"} or {@code "pkg.Cls::method"} gives {@code "pkg.Cls"}; null if the
     * name is not qualified.
     */
    public static String classOfFunction(String function) {
        int sep = function.indexOf("::");
        if (sep >= 0) {
            return function.substring(0, sep);
        }
        int dot = function.lastIndexOf('.');
        return dot > 0 ? function.substring(0, dot) : null;
    }

    // ---- template -> new child (replay) ----
    /** Append a descriptor argument that was inherited at spawn: u32 fd number. */
    public static final byte ARG_INHERITED_FD = 'I';

    // ---- process -> parent (replies) ----
    /** The process is about to enter the run function; the socket is the function's from here on. */
    public static final byte RUNNING = 'r';
    /** A command failed: UTF-8 report. The process exits right after sending it. */
    public static final byte FAILED = '!';
    /** A fork was started: u32 forkId, u32 pid, then the descriptor byte carrying [control socket, stderr pipe read end]. */
    public static final byte FORKED = 'p';
    /** A forked process was reaped: u32 forkId, u32 raw wait status. */
    public static final byte EXITED = 'x';
    /** A fork could not be started: u32 forkId, UTF-8 reason. The template lives on. */
    public static final byte FORK_FAILED = 'e';
    /** A template's number of ready spares changed: u32 count. */
    public static final byte SPARES = 'k';
    /** A template's forks now boot from a class-data archive (u32 1, UTF-8 path) or will not (u32 0, UTF-8 reason). */
    public static final byte ARCHIVE = 'a';

    /** Exit status of a child whose setup command or run function failed (sysexits EX_SOFTWARE). */
    public static final int EXIT_FAILED = 70;
    /** Exit status of a child that received a malformed frame (sysexits EX_PROTOCOL). */
    public static final int EXIT_PROTOCOL = 76;
    /** Exit status of a child whose owner (the program that created it) died (sysexits EX_TEMPFAIL). */
    public static final int EXIT_OWNER_GONE = 75;

    /** Descriptor numbers in a freshly spawned child. */
    public static final int FD_CONTROL = 0;
    public static final int FD_LIFELINE = 3;
    public static final int FD_FIRST_INHERITED_ARG = 5;

    /** A protocol violation: bad type, bad length, bad payload. */
    public static final class MalformedFrameException extends IOException {
        private static final long serialVersionUID = 1L;

        public MalformedFrameException(String message) {
            super(message);
        }
    }

    /** One decoded frame. */
    public static final class Frame {
        public final byte type;
        public final byte[] payload;

        public Frame(byte type, byte[] payload) {
            this.type = type;
            this.payload = payload;
        }

        public int u32(int offset) throws MalformedFrameException {
            if (offset + 4 > payload.length) {
                throw new MalformedFrameException("frame '" + (char) type + "' too short: " + payload.length + " bytes");
            }
            return getInt(payload, offset);
        }

        public String utf8(int offset) {
            return new String(payload, offset, payload.length - offset, StandardCharsets.UTF_8);
        }

        public List<String> strings() throws MalformedFrameException {
            return decodeStrings(payload);
        }
    }

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
        int length = getInt(header, 1);
        if (length < 0 || length > maxPayload) {
            throw new MalformedFrameException("frame '" + printable(header[0]) + "' announces " + (length & 0xffffffffL)
                    + " bytes, more than the limit of " + maxPayload);
        }
        byte[] payload = new byte[length];
        if (readFully(in, payload, 0, length) < length) {
            throw new EOFException("connection closed inside a frame of " + length + " bytes");
        }
        return new Frame(header[0], payload);
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

    /** Encodes a frame into one array (header and payload), ready for a single write. */
    public static byte[] frame(byte type, byte[] payload) {
        byte[] f = new byte[HEADER + payload.length];
        f[0] = type;
        putInt(f, 1, payload.length);
        System.arraycopy(payload, 0, f, HEADER, payload.length);
        return f;
    }

    public static byte[] frame(byte type, String utf8) {
        return frame(type, utf8.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] ints(int... values) {
        byte[] b = new byte[4 * values.length];
        for (int i = 0; i < values.length; i++) {
            putInt(b, 4 * i, values[i]);
        }
        return b;
    }

    /** An int followed by UTF-8 text. */
    public static byte[] intAndText(int value, String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[4 + t.length];
        putInt(b, 0, value);
        System.arraycopy(t, 0, b, 4, t.length);
        return b;
    }

    /** String list: u32 count, then for each string u32 length and UTF-8 bytes. */
    public static byte[] strings(List<String> values) {
        byte[][] encoded = new byte[values.size()][];
        int size = 4;
        for (int i = 0; i < encoded.length; i++) {
            encoded[i] = values.get(i).getBytes(StandardCharsets.UTF_8);
            size += 4 + encoded[i].length;
        }
        byte[] b = new byte[size];
        putInt(b, 0, encoded.length);
        int pos = 4;
        for (byte[] e : encoded) {
            putInt(b, pos, e.length);
            System.arraycopy(e, 0, b, pos + 4, e.length);
            pos += 4 + e.length;
        }
        return b;
    }

    public static List<String> decodeStrings(byte[] b) throws MalformedFrameException {
        if (b.length < 4) {
            throw new MalformedFrameException("string list without a count");
        }
        int count = getInt(b, 0);
        if (count < 0 || count > (b.length - 4) / 4) {
            throw new MalformedFrameException("string list announces " + count + " strings in " + b.length + " bytes");
        }
        List<String> out = new ArrayList<String>(count);
        int pos = 4;
        for (int i = 0; i < count; i++) {
            if (pos + 4 > b.length) {
                throw new MalformedFrameException("string list truncated at string " + i);
            }
            int len = getInt(b, pos);
            pos += 4;
            if (len < 0 || len > b.length - pos) {
                throw new MalformedFrameException("string " + i + " announces " + len + " bytes, " + (b.length - pos) + " left");
            }
            out.add(new String(b, pos, len, StandardCharsets.UTF_8));
            pos += len;
        }
        if (pos != b.length) {
            throw new MalformedFrameException("string list has " + (b.length - pos) + " trailing bytes");
        }
        return out;
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

    public static String printable(byte type) {
        return type >= 0x21 && type < 0x7f ? String.valueOf((char) type) : "0x" + Integer.toHexString(type & 0xff);
    }
}
