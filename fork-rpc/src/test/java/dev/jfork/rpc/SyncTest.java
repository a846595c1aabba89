package dev.jfork.rpc;

import static dev.jfork.rpc.TestSupport.await;
import static dev.jfork.rpc.TestSupport.awaitFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.jfork.Fork;


/** The sync backend: t/01_sync.t and friends. */
class SyncTest {
    private static final String W = "dev.jfork.rpc.Workers.";

    /**
     * t/01_sync.t: four calls queued before the connection is up, then the client is dropped
     * (closed); events and results arrive interleaved in the child's order (ok 5 .. ok 12), then
     * onDestroy (ok 13).
     */
    @Test
    void upstream01Sync() {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch destroyed = new CountDownLatch(1);
        RpcClient rpc = Rpc.run(Fork.create(), W + "okSync", RpcOptions.builder()
                .onEvent(e -> log.add((String) e[0]))
                .onError(e -> log.add("error: " + e))
                .onDestroy(() -> {
                    log.add("ok 13");
                    destroyed.countDown();
                })
                .build());
        for (int n : new int[] {5, 7, 9, 11}) {
            rpc.<String>call(n).thenAccept(log::add);
        }
        rpc.close();
        TestSupport.await(destroyed);
        assertEquals(List.of("ok 5", "ok 6", "ok 7", "ok 8", "ok 9", "ok 10", "ok 11", "ok 12", "ok 13"), log);
        await(rpc.terminated());
    }

    @Test
    void initSeesOnlyTheUsersArguments() {
        RpcClient rpc = Rpc.run(Fork.create().sendArg("a", "b").sendArg(new byte[] {'c'}), W + "initArgs",
                RpcOptions.builder().init(W + "init").build());
        assertEquals(List.of("a", "b", "c"), await(rpc.call()));
        rpc.close();
        await(rpc.terminated());
    }

    @Test
    void twentyThousandQueuedCallsCompleteInOrder() {
        RpcClient rpc = Rpc.run(Fork.create(), W + "echo", RpcOptions.defaults());
        int n = 20_000;
        List<Integer> order = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Integer>> calls = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int k = i;
            calls.add(rpc.<Integer>call(i).whenComplete((v, e) -> order.add(k)));
        }
        rpc.close();
        for (int i = 0; i < n; i++) {
            assertEquals(i, await(calls.get(i)));
        }
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            expected.add(i);
        }
        assertEquals(expected, order, "results completed out of request order");
        await(rpc.terminated());
    }

    @Test
    void childExceptionFailsOnlyThatCall() {
        AtomicInteger errors = new AtomicInteger();
        RpcClient rpc = Rpc.run(Fork.create(), W + "failIfNegative", RpcOptions.builder()
                .onError(e -> errors.incrementAndGet()).build());
        CompletableFuture<Integer> a = rpc.call(1);
        CompletableFuture<Integer> b = rpc.call(-2);
        CompletableFuture<Integer> c = rpc.call(3);
        assertEquals(1, await(a));
        RpcException e = awaitFailure(b);
        assertEquals(3, await(c));
        assertEquals(RpcException.Kind.REMOTE, e.kind());
        assertEquals("java.lang.IllegalArgumentException", e.remoteClass().orElseThrow());
        assertEquals("negative: -2", e.remoteMessage().orElseThrow());
        String trace = e.remoteStackTrace().orElseThrow();
        assertTrue(trace.contains("at dev.jfork.rpc.Workers.failIfNegative"), trace);
        assertTrue(trace.contains("Caused by: java.lang.ArithmeticException: root cause"), trace);
        assertTrue(e.getMessage().contains("negative: -2"), e.getMessage());
        // the worker lives on
        assertEquals(4, (int) await(rpc.<Integer>call(4)));
        rpc.close();
        await(rpc.terminated());
        assertEquals(0, errors.get());
    }

    @Test
    void eventsBeforeBetweenAndAfterResults() {
        List<String> log = new CopyOnWriteArrayList<>();
        RpcClient rpc = Rpc.run(Fork.create(), W + "eventsAround", RpcOptions.builder()
                .onEvent(e -> log.add(e[0] + " " + e[1])).build());
        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            calls.add(rpc.<String>call(i).thenApply(r -> {
                log.add(r);
                return r;
            }));
        }
        rpc.close();
        calls.forEach(TestSupport::await);
        await(rpc.terminated());
        assertEquals(List.of("before 0", "between 0", "result 0", "before 1", "between 1", "result 1", "before 2", "between 2",
                "result 2"), log);
    }

    @Test
    void callsOnAClosedClientFailAtOnce() {
        RpcClient rpc = Rpc.run(Fork.create(), W + "echo", RpcOptions.defaults());
        assertEquals("x", await(rpc.call("x")));
        rpc.close();
        CompletableFuture<Object> late = rpc.call("y");
        assertTrue(late.isDone(), "a call on a closed client must fail at once");
        assertEquals(RpcException.Kind.LOCAL, awaitFailure(late).kind());
        await(rpc.terminated());
        CompletableFuture<Object> later = rpc.call("z");
        assertTrue(later.isDone());
        assertEquals(RpcException.Kind.LOCAL, awaitFailure(later).kind());
        assertFalse(rpc.toString().isEmpty());
    }

    /** Dropping a client without closing it closes it (once collected), like dropping Perl's $rpc. */
    @Test
    void aDroppedClientIsClosed() throws Exception {
        CompletableFuture<?>[] handles = startAndDrop();
        long deadline = System.nanoTime() + TestSupport.DEADLINE.toNanos();
        while (!handles[1].isDone() && System.nanoTime() < deadline) {
            System.gc();
            try {
                handles[1].get(100, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // collect again
            }
        }
        assertEquals("dropped", await(handles[0]));
        await(handles[1]);
    }

    /** A call and the termination future of a client nobody references afterwards. */
    private static CompletableFuture<?>[] startAndDrop() {
        RpcClient rpc = Rpc.run(Fork.create(), W + "echo", RpcOptions.defaults());
        return new CompletableFuture<?>[] {rpc.call("dropped"), rpc.terminated()};
    }

    @Test
    void registeredRecordsAndUnregisteredClasses() {
        RpcClient rpc = Rpc.run(Fork.create(), W + "point", RpcOptions.builder().register(Workers.Point.class).build());
        assertEquals(new Workers.Point(2, 4), await(rpc.call(new Workers.Point(1, 2))));
        // an unregistered argument travels too (by name): the function sees it, and fails on it alone
        RpcException remote = awaitFailure(rpc.call(new StringBuilder("x")));
        assertEquals(RpcException.Kind.REMOTE, remote.kind());
        assertTrue(remote.getMessage().contains("ClassCastException"), remote.getMessage());
        rpc.close();
        await(rpc.terminated());

        // and an unregistered JDK class comes back
        RpcClient other = Rpc.run(Fork.create(), W + "unregistered", RpcOptions.defaults());
        assertEquals("not registered", await(other.<Object>call()).toString());
        other.close();
        await(other.terminated());
    }
}
