package dev.jfork.rpc.internal;

/**
 * The RPC frame types (see docs/PROTOCOL.md, "RPC framing"). Frames are fork-core's
 * {@link dev.jfork.internal.wire.Frame}s, {@code type:u8 id:u32 length:u32} then the body, whose
 * length must not exceed the configured maximum frame size.
 */
public final class Frames {
    private Frames() {}

    /** Protocol version, checked by the child against its configuration. */
    public static final int VERSION = 1;

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

}
