package dev.jfork.rpc.internal;

/**
 * The RPC wire format (see docs/PROTOCOL.md, "RPC framing"): every frame is a 9-byte header
 * {@code length:u32 type:u8 id:u32} (big-endian) followed by {@code length} body bytes.
 * {@code length} counts the body only and must not exceed the configured maximum frame size.
 */
public final class Frames {
    private Frames() {}

    /** Protocol version, checked by the child against its configuration. */
    public static final int VERSION = 1;

    /** Header size: length, type, id. */
    public static final int HEADER = 9;

    /** parent → child: call {@code id} (nonzero); body: the serialized arguments. */
    public static final byte CALL = 'C';
    /** parent → child: no more calls (the RPC half-close); id 0, empty body. */
    public static final byte END = 'Q';
    /** child → parent: result of call {@code id}; body: the serialized result as a one-element list. */
    public static final byte RESULT = 'R';
    /**
     * child → parent: call {@code id} failed (body: an error report, see {@link ErrorReport}); with
     * id 0, the worker as a whole failed (bad configuration, init threw, protocol error) and exits.
     */
    public static final byte ERROR = 'E';
    /** child → parent: an event; id 0; body: the serialized event arguments. */
    public static final byte EVENT = 'V';
    /** both directions: a control message; id: the kind; body: opaque bytes (reserved for frameworks such as fork-pool). */
    public static final byte CONTROL = 'K';

    /** Exit status of a child whose configuration, init or function was bad. */
    public static final int EXIT_FAILED = 70;
    /** Exit status of a child that received a malformed frame. */
    public static final int EXIT_PROTOCOL = 76;

    static void putHeader(byte[] b, int off, int length, byte type, int id) {
        b[off] = (byte) (length >>> 24);
        b[off + 1] = (byte) (length >>> 16);
        b[off + 2] = (byte) (length >>> 8);
        b[off + 3] = (byte) length;
        b[off + 4] = type;
        b[off + 5] = (byte) (id >>> 24);
        b[off + 6] = (byte) (id >>> 16);
        b[off + 7] = (byte) (id >>> 8);
        b[off + 8] = (byte) id;
    }

    static int getInt(byte[] b, int off) {
        return (b[off] & 0xff) << 24 | (b[off + 1] & 0xff) << 16 | (b[off + 2] & 0xff) << 8 | (b[off + 3] & 0xff);
    }

    /** A printable name of a frame type for error messages. */
    public static String typeName(byte type) {
        switch (type) {
            case CALL:
                return "CALL";
            case END:
                return "END";
            case RESULT:
                return "RESULT";
            case ERROR:
                return "ERROR";
            case EVENT:
                return "EVENT";
            case CONTROL:
                return "CONTROL";
            default:
                return type >= 0x20 && type < 0x7f ? "unknown type '" + (char) type + "'"
                        : "unknown type 0x" + Integer.toHexString(type & 0xff);
        }
    }

    /** Thrown for a frame that breaks the protocol (the stream cannot be trusted after it). */
    public static final class MalformedFrameException extends java.io.IOException {
        private static final long serialVersionUID = 1L;

        public MalformedFrameException(String message) {
            super(message);
        }
    }
}
