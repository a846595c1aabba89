package dev.jfork.pool;

/** What {@link ForkPool#call} does when the pool's queue is full ({@link ForkPool.Builder#maxQueue}). */
public enum QueueFullPolicy {
    /** The caller blocks until there is room (back-pressure). */
    BLOCK,
    /** The call fails at once with {@link java.util.concurrent.RejectedExecutionException}. */
    FAIL
}
