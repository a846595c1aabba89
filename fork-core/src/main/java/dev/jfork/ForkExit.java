package dev.jfork;

import java.util.Objects;
import java.util.OptionalInt;

/** How a process ended: an exit code, a signal, or (rarely) unknown. */
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

    /** Decodes a raw {@code waitpid} status (Linux encoding). */
    static ForkExit fromWaitStatus(int status) {
        int sig = status & 0x7f;
        if (sig == 0) {
            return new ForkExit((status >> 8) & 0xff, -1, null);
        }
        return new ForkExit(-1, sig, null);
    }

    /** The status of a process that was not reaped by anyone who could tell (e.g. its template was closed). */
    static ForkExit unknown(String reason) {
        return new ForkExit(-1, -1, reason);
    }

    /** The exit code, if the process exited normally. */
    public OptionalInt exitCode() {
        return code >= 0 ? OptionalInt.of(code) : OptionalInt.empty();
    }

    /** The signal that killed the process, if one did. */
    public OptionalInt signal() {
        return signal > 0 ? OptionalInt.of(signal) : OptionalInt.empty();
    }

    /** True if the process exited with code 0. */
    public boolean isSuccess() {
        return code == 0;
    }

    /** Linux name of a signal number, such as {@code SIGKILL} for 9. */
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
