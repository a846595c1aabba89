package dev.jfork.rpc.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The future of one call. Waiting for it with {@link #get()} or {@link #join()} lets the waiting
 * thread read the connection itself when no other thread is reading (leader/follower), so a
 * sequential caller is woken by the socket directly instead of by a hand-off from the reader
 * thread. Dependent stages are plain {@link CompletableFuture}s.
 */
final class RpcFuture extends CompletableFuture<Object> {
    private final Connection connection;
    /** Where the call's frame ends in the connection's charged stream ({@link FrameWriter#position()}). */
    long end;

    RpcFuture(Connection connection) {
        this.connection = connection;
    }

    @Override
    public Object get() throws InterruptedException, ExecutionException {
        if (!isDone()) {
            connection.help(this, true);
        }
        return super.get();
    }

    @Override
    public Object join() {
        if (!isDone()) {
            try {
                connection.help(this, false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // not possible when not interruptible
            }
        }
        return super.join();
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
