package dev.jfork.internal.wire;

/**
 * A raw {@code waitpid} status as Linux encodes it (low 7 bits: the signal, bits 8-15: the exit
 * code), as the template reports it in {@code EXITED} and the reaper returns it.
 */
public final class WaitStatus {
    private WaitStatus() {}

    /** The signal that killed the process, or 0 if it exited. */
    public static int signal(int status) {
        return status & 0x7f;
    }

    /** The exit code, meaningful when {@link #signal} is 0. */
    public static int exitCode(int status) {
        return (status >> 8) & 0xff;
    }

    /** The status as a shell reports it: the exit code, or 128 + the signal. */
    public static int shellStatus(int status) {
        return signal(status) != 0 ? 128 + signal(status) : exitCode(status);
    }

    /** The status of a process whose end could not be waited for (reported with {@code EXITED}). */
    public static final int UNKNOWN = 0xff00;
}
