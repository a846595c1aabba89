package dev.jfork.rpc;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/** fork-core's deadline-bounded waiting helpers, with failures typed for RPC. */
final class TestSupport {
    private TestSupport() {}

    static final Duration DEADLINE = dev.jfork.TestSupport.DEADLINE;

    static <T> T await(CompletableFuture<T> future) {
        return dev.jfork.TestSupport.await(future);
    }

    /** The RpcException a future fails with. */
    static RpcException awaitFailure(CompletableFuture<?> future) {
        return dev.jfork.TestSupport.awaitFailure(future, RpcException.class);
    }

    static void await(CountDownLatch latch) {
        dev.jfork.TestSupport.await(latch);
    }

    static void awaitGone(long pid) {
        dev.jfork.TestSupport.awaitGone(pid);
    }
}
