package dev.jfork.rpc;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Optional;

import dev.jfork.ForkExit;
import dev.jfork.rpc.internal.RemoteThrowable;

/**
 * A call or an RPC connection failed. {@link #kind()} says how:
 * <ul>
 *   <li>{@link Kind#REMOTE}: the child's function threw or failed the call; only that call fails and
 *       the worker lives on. {@link #remoteClass()}, {@link #remoteMessage()} and
 *       {@link #remoteStackTrace()} describe the child's exception; {@link #getCause()} is a copy of
 *       it, with the child's stack frames, that prints like the original.
 *   <li>{@link Kind#WORKER_LOST}: the worker could not be started, died, or ended with the call
 *       pending. {@link #exit()} says how the process ended, when known.
 *   <li>{@link Kind#PROTOCOL}: a frame broke the protocol (a reply for an unknown id, a second reply,
 *       a malformed frame).
 *   <li>{@link Kind#LOCAL}: this side refused or could not finish the call: the client was closed,
 *       the arguments could not be encoded or are larger than the maximum frame size, or a result
 *       could not be decoded.
 * </ul>
 */
public class RpcException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** The child's function threw or failed the call. */
        REMOTE,
        /** The worker could not be started, or died or ended while calls were pending. */
        WORKER_LOST,
        /** The protocol was broken (unknown reply id, second reply, malformed frame). */
        PROTOCOL,
        /** Refused or undecodable on this side (closed client, encoding, size limit). */
        LOCAL
    }

    /** How the call or the connection failed. */
    private final Kind kind;
    private final transient ForkExit exit;
    /** The worker's last stderr lines (oldest first), empty if unknown. */
    private final List<String> stderrTail;

    /**
     * Public for frameworks built on fork-rpc (such as fork-pool) that report failures in the same
     * terms.
     *
     * @param kind       how the call or the connection failed
     * @param message    the detail message
     * @param exit       how the worker process ended, or null
     * @param stderrTail the worker's last stderr lines (oldest first), or null
     * @param cause      the underlying exception (for {@link Kind#REMOTE}, the child's), or null
     */
    public RpcException(Kind kind, String message, ForkExit exit, List<String> stderrTail, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.exit = exit;
        this.stderrTail = stderrTail == null ? List.of() : List.copyOf(stderrTail);
    }

    /**
     * How the call or the connection failed.
     *
     * @return the kind of failure
     */
    public Kind kind() {
        return kind;
    }

    /**
     * How the worker process ended, if it did and that is known.
     *
     * @return the worker's exit, or empty
     */
    public Optional<ForkExit> exit() {
        return Optional.ofNullable(exit);
    }

    /**
     * The worker's last stderr lines, when known (oldest first).
     *
     * @return the lines, empty if unknown
     */
    public List<String> stderrTail() {
        return stderrTail;
    }

    /**
     * The class name of the exception thrown in the child, for {@link Kind#REMOTE} (and a worker's fatal error).
     *
     * @return the class name, or empty if no exception of the child is known
     */
    public Optional<String> remoteClass() {
        RemoteThrowable r = remote();
        return r == null ? Optional.empty() : Optional.of(r.className());
    }

    /**
     * The message of the exception thrown in the child.
     *
     * @return the message, or empty if there is none or no exception of the child is known
     */
    public Optional<String> remoteMessage() {
        RemoteThrowable r = remote();
        return r == null ? Optional.empty() : Optional.ofNullable(r.remoteMessage());
    }

    /**
     * The child's exception with its stack trace and causes, as the child would have printed it.
     *
     * @return the printed stack trace, or empty if no exception of the child is known
     */
    public Optional<String> remoteStackTrace() {
        RemoteThrowable r = remote();
        if (r == null) {
            return Optional.empty();
        }
        StringWriter s = new StringWriter();
        r.printStackTrace(new PrintWriter(s));
        return Optional.of(s.toString());
    }

    private RemoteThrowable remote() {
        for (Throwable c = getCause(); c != null; c = c.getCause()) {
            if (c instanceof RemoteThrowable) {
                return (RemoteThrowable) c;
            }
            if (c == c.getCause()) {
                break;
            }
        }
        return null;
    }
}
