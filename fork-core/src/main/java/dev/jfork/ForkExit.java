package dev.jfork;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * How a process ended: an exit code, a signal, or (rarely) unknown.
 *
 * <p>A program's first processes, started before jfork has bound libc, are reaped by the JDK,
 * which reports death by signal N as exit status 128 + N: for them an exit status from 129 to 192
 * (which a shell would show the same way) is reported as death by that signal.
 */
public final class ForkExit {
    private static final String[] SIGNALS = {null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
        "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
        "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM",
        "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};

    private final int code;
    private final int signal;
    private final String unknownReason;

    private ForkExit(int code, int signal, String unknownReason) {
        this.code = code;
        this.signal = signal;
        this.unknownReason = unknownReason;
    }

    /**
     * A process that exited with {@code code} (0-255).
     *
     * @param code the exit code
     * @return the end of such a process
     * @throws IllegalArgumentException if {@code code} is not in 0-255
     */
    public static ForkExit exited(int code) {
        if (code < 0 || code > 255) {
            throw new IllegalArgumentException("exit code out of range: " + code);
        }
        return new ForkExit(code, -1, null);
    }

    /**
     * A process killed by {@code signal}.
     *
     * @param signal the number of the signal, such as 9 for {@code SIGKILL}
     * @return the end of such a process
     * @throws IllegalArgumentException if {@code signal} is not positive
     */
    public static ForkExit killed(int signal) {
        if (signal <= 0) {
            throw new IllegalArgumentException("not a signal: " + signal);
        }
        return new ForkExit(-1, signal, null);
    }

    /**
     * The end of a process whose status nobody who could tell reported (e.g. its template was closed first).
     *
     * @param reason why the status is unknown, shown by {@link #toString()}
     * @return the end of such a process
     */
    public static ForkExit unknown(String reason) {
        return new ForkExit(-1, -1, Objects.requireNonNull(reason, "reason"));
    }

    /**
     * The exit code, if the process exited normally.
     *
     * @return the exit code (0-255), or empty if it was killed or its status is unknown
     */
    public OptionalInt exitCode() {
        return code >= 0 ? OptionalInt.of(code) : OptionalInt.empty();
    }

    /**
     * The signal that killed the process, if one did.
     *
     * @return the signal number, or empty if it exited or its status is unknown
     */
    public OptionalInt signal() {
        return signal > 0 ? OptionalInt.of(signal) : OptionalInt.empty();
    }

    /**
     * True if the process exited with code 0.
     *
     * @return true for exit code 0; false for any other code, a signal or an unknown status
     */
    public boolean isSuccess() {
        return code == 0;
    }

    /**
     * Linux name of a signal number, such as {@code SIGKILL} for 9.
     *
     * @param signal the signal number
     * @return its name, or {@code "SIG"} followed by the number if Linux has no name for it
     */
    public static String signalName(int signal) {
        return signal > 0 && signal < SIGNALS.length ? SIGNALS[signal] : "SIG" + signal;
    }

    @Override
    public String toString() {
        if (code >= 0) {
            return "exited with code " + code;
        }
        if (signal > 0) {
            return "killed by signal " + signal + " (" + signalName(signal) + ")";
        }
        return "exit status unknown (" + unknownReason + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ForkExit && ((ForkExit) o).code == code && ((ForkExit) o).signal == signal
                && Objects.equals(((ForkExit) o).unknownReason, unknownReason);
    }

    @Override
    public int hashCode() {
        return Objects.hash(code, signal, unknownReason);
    }
}
