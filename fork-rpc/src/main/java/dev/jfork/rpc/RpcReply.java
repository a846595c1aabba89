package dev.jfork.rpc;

/**
 * The answer to one call in an asynchronous child ({@code RpcOptions.Builder.async(true)}): the
 * function {@code public static void fn(RpcReply reply, Object... args)} returns at once and
 * answers later, from any thread, in any order relative to other calls. Exactly one of
 * {@link #done} and {@link #fail} may be called, once.
 */
public interface RpcReply {
    /**
     * Completes the call with a result (null allowed).
     *
     * @param result the call's result, encoded with the worker's serializer
     * @throws IllegalStateException if the call was already answered
     */
    void done(Object result);

    /**
     * Fails the call: the parent's future fails with an {@link RpcException} carrying this
     * exception's class, message and stack trace.
     *
     * @param error why the call failed (null stands for a {@link NullPointerException})
     * @throws IllegalStateException if the call was already answered
     */
    void fail(Throwable error);

    /**
     * True once the call was answered.
     *
     * @return whether {@link #done} or {@link #fail} was called
     */
    boolean isDone();
}
