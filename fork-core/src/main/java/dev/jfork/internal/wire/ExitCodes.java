package dev.jfork.internal.wire;

/**
 * The exit statuses jfork's processes end with, for core and RPC alike (sysexits values). Also
 * 0: end of stream before {@code run}, or the run function returned.
 */
public final class ExitCodes {
    private ExitCodes() {}

    /** A setup command, the run function, an RPC init or configuration failed (EX_SOFTWARE). */
    public static final int FAILED = 70;
    /** The owner (the program that created the process) died (EX_TEMPFAIL). */
    public static final int OWNER_GONE = 75;
    /** A malformed frame, or a protocol version that does not match (EX_PROTOCOL). */
    public static final int PROTOCOL = 76;
}
