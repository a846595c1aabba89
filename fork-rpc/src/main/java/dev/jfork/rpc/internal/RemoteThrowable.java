package dev.jfork.rpc.internal;

/**
 * An exception thrown in the child, rebuilt in the parent from its class name, message and stack
 * trace (the original class need not exist here). Printed like the original:
 * {@code com.example.Boom: bad input} followed by the child's frames and causes.
 */
public final class RemoteThrowable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String className;
    private final String remoteMessage;

    public RemoteThrowable(String className, String message, StackTraceElement[] trace, Throwable cause) {
        super(message, cause, false, true);
        this.className = className;
        this.remoteMessage = message;
        setStackTrace(trace);
    }

    /** The class of the exception in the child. */
    public String className() {
        return className;
    }

    /** Its message (null if it had none). */
    public String remoteMessage() {
        return remoteMessage;
    }

    @Override
    public String toString() {
        return remoteMessage == null ? className : className + ": " + remoteMessage;
    }
}
