package dev.jfork;

import java.util.List;
import java.util.Optional;

/**
 * A process could not be prepared or run: a {@code require}, {@code eval} or {@code run} step
 * failed in the child, the child died, or it could not be started. Carries what the child reported,
 * how it ended and the last lines it wrote to standard error.
 */
public class ForkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The error report the child sent, or null. */
    private final String childError;
    private final transient ForkExit exit;
    /** The last lines the process wrote to standard error, oldest first; never null. */
    private final List<String> stderrTail;

    /**
     * Public for frameworks built on fork-core that report failures in the same terms.
     *
     * @param what       what failed (the first line of the message)
     * @param childError the error report the child sent, or null
     * @param exit       how the process ended, or null
     * @param stderrTail its last stderr lines (oldest first), or null
     * @param cause      the exception behind the failure, or null
     */
    public ForkException(String what, String childError, ForkExit exit, List<String> stderrTail, Throwable cause) {
        super(message(what, childError, exit, stderrTail), cause);
        this.childError = childError;
        this.exit = exit;
        this.stderrTail = stderrTail == null ? List.of() : List.copyOf(stderrTail);
    }

    private static String message(String what, String childError, ForkExit exit, List<String> tail) {
        StringBuilder b = new StringBuilder(what);
        if (childError != null) {
            b.append("\nchild reported: ").append(childError.strip());
        }
        if (exit != null) {
            b.append("\nprocess ").append(exit);
        }
        if (tail != null && !tail.isEmpty()) {
            b.append("\nlast stderr lines:");
            for (String line : tail) {
                b.append("\n  | ").append(line);
            }
        }
        return b.toString();
    }

    /**
     * The error report the child sent (exception and stack trace), if it sent one.
     *
     * @return the report, or empty
     */
    public Optional<String> childError() {
        return Optional.ofNullable(childError);
    }

    /**
     * How the process ended, if it has ended and this program learned how.
     *
     * @return how it ended, or empty (also after deserialization: the exit is not serialized)
     */
    public Optional<ForkExit> exit() {
        return Optional.ofNullable(exit);
    }

    /**
     * The last lines the process wrote to standard error (oldest first).
     *
     * @return the lines (unmodifiable), empty if none are known
     */
    public List<String> stderrTail() {
        return stderrTail;
    }
}
