package dev.jfork.rpc;

import static dev.jfork.rpc.TestSupport.await;
import static dev.jfork.rpc.TestSupport.awaitFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jfork.Fork;


/** The async backend: t/02_async.t, out-of-order answers, the in-flight limit, done. */
class AsyncTest {
    private static final String W = "dev.jfork.rpc.Workers.";

    private static RpcOptions.Builder async() {
        return RpcOptions.builder().async(true);
    }

    /**
     * t/02_async.t: the call emits "ok 5" at once, then "ok 6".."ok 8" from a timer, then answers
     * "ok 9"; the client is closed right after the call; onDestroy (ok 10) comes last.
     */
    @Test
    void upstream02Async() {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch destroyed = new CountDownLatch(1);
        RpcClient rpc = Rpc.run(Fork.create(), W + "okAsync", async()
                .onEvent(e -> log.add((String) e[0]))
                .onError(e -> log.add("error: " + e))
                .onDestroy(() -> {
                    log.add("ok 10");
                    destroyed.countDown();
                })
                .build());
        rpc.<String>call(3).thenAccept(log::add);
        rpc.close();
        TestSupport.await(destroyed);
        assertEquals(List.of("ok 5", "ok 6", "ok 7", "ok 8", "ok 9", "ok 10"), log);
    }

    @Test
    void answersFromOtherThreadsInAnyOrder() {
        RpcClient rpc = Rpc.run(Fork.create(), W + "asyncLater", async().build());
        List<String> order = new CopyOnWriteArrayList<>();
        CompletableFuture<String> slow = rpc.<String>call("slow", 600).whenComplete((v, e) -> order.add(v));
        CompletableFuture<String> fast = rpc.<String>call("fast", 0).whenComplete((v, e) -> order.add(v));
        assertEquals("slow", await(slow));
        assertEquals("fast", await(fast));
        assertEquals(List.of("fast", "slow"), order);
        rpc.close();
        await(rpc.terminated());
        try (RpcClient failing = Rpc.run(Fork.create(), W + "asyncFail", async().build())) {
            RpcException e = awaitFailure(failing.call(7));
            assertEquals(RpcException.Kind.REMOTE, e.kind());
            assertEquals("java.lang.UnsupportedOperationException", e.remoteClass().orElseThrow());
            assertEquals("async failure 7", e.remoteMessage().orElseThrow());
        }
    }

    @Test
    void twentyThousandQueuedAsyncCallsComplete() {
        RpcClient rpc = Rpc.run(Fork.create(), W + "asyncEcho", async().build());
        int n = 20_000;
        List<CompletableFuture<Integer>> calls = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            calls.add(rpc.call(i));
        }
        rpc.close();
        for (int i = 0; i < n; i++) {
            assertEquals(i, await(calls.get(i)));
        }
        await(rpc.terminated());
    }

    @Test
    void inFlightLimitHoldsBackRequests() {
        RpcClient rpc = Rpc.run(Fork.create(), W + "asyncTracked", async().maxInFlight(3).build());
        List<CompletableFuture<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            calls.add(rpc.call(20));
        }
        assertTrue(rpc.inFlight() > 0);
        int most = 0;
        for (CompletableFuture<Integer> c : calls) {
            most = Math.max(most, await(c));
        }
        assertTrue(most <= 3, "more than 3 calls ran at once: " + most);
        assertTrue(most >= 2, "the limit should still allow concurrency: " + most);
        assertEquals(0, rpc.inFlight());
        rpc.close();
        await(rpc.terminated());
    }

    @Test
    void aSecondAnswerIsRefusedInTheChild() {
        List<String> events = new CopyOnWriteArrayList<>();
        List<RpcException> errors = new CopyOnWriteArrayList<>();
        RpcClient rpc = Rpc.run(Fork.create(), W + "asyncTwice", async()
                .onEvent(e -> events.add((String) e[0])).onError(errors::add).build());
        assertEquals("first", await(rpc.call()));
        rpc.close();
        await(rpc.terminated());
        assertEquals(1, events.size(), events.toString());
        assertTrue(events.get(0).startsWith("second answer refused: call 1 was already answered"), events.toString());
        assertEquals(List.of(), errors);
    }

    @Test
    void aFunctionThatThrowsBeforeAnsweringFailsItsCall() {
        RpcClient rpc = Rpc.run(Fork.create(), W + "asyncThrows", async().build());
        RpcException e = awaitFailure(rpc.call());
        assertEquals(RpcException.Kind.REMOTE, e.kind());
        assertEquals("thrown before answering", e.remoteMessage().orElseThrow());
        rpc.close();
        await(rpc.terminated());
    }

    @Test
    void doneRunsAfterTheLastAnswer(@TempDir Path dir) throws Exception {
        Path marker = dir.resolve("done");
        CountDownLatch destroyed = new CountDownLatch(1);
        RpcClient rpc = Rpc.run(Fork.create().sendArg(marker.toString()), W + "asyncLater", async()
                .init(W + "init").done(W + "writeDone").onDestroy(destroyed::countDown).build());
        Set<String> results = new HashSet<>();
        CompletableFuture<String> a = rpc.call("a", 200);
        CompletableFuture<String> b = rpc.call("b", 0);
        rpc.close();
        results.add(await(a));
        results.add(await(b));
        TestSupport.await(destroyed);
        assertEquals(Set.of("a", "b"), results);
        await(rpc.fork().onExit());
        assertEquals("done", new String(Files.readAllBytes(marker), StandardCharsets.UTF_8));
    }
}
