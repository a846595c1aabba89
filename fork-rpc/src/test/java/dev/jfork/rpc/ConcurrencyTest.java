package dev.jfork.rpc;

import static dev.jfork.rpc.TestSupport.await;
import static dev.jfork.rpc.TestSupport.awaitFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.jfork.Fork;


/**
 * Threads waiting for calls read the connection themselves when nobody else does
 * (leader/follower): many waiting threads, callbacks that wait for calls, interrupts.
 */
class ConcurrencyTest {
    private static final String W = "dev.jfork.rpc.Workers.";

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void manyThreadsWaitingForTheirCalls(boolean async) throws Exception {
        List<Object[]> events = new CopyOnWriteArrayList<>();
        RpcClient rpc = Rpc.run(Fork.create(), W + (async ? "asyncEcho" : "eventsAround"),
                RpcOptions.builder().async(async).onEvent(events::add).build());
        int threads = 8;
        int calls = 500;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t * calls;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < calls; i++) {
                        CompletableFuture<Object> f = rpc.call(base + i);
                        Object r = i % 2 == 0 ? f.join() : f.get();
                        Object expected = async ? (Object) (base + i) : "result " + (base + i);
                        assertEquals(expected, r);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(TestSupport.DEADLINE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        rpc.close();
        await(rpc.terminated());
        assertEquals(async ? 0 : 2 * threads * calls, events.size());
    }

    /**
     * Completions make the next call on the reader thread (as fork-pool does), a window of 4 in
     * flight (few enough for calls to be written inline). With 256 KiB payloads the calls in flight
     * exceed the socket buffer both ways, so the reader thread must not write them itself: it would
     * block while the worker blocks writing replies that only the reader thread reads.
     */
    @ParameterizedTest
    @ValueSource(ints = {10, 256 * 1024})
    void completionsMakeTheNextCallsOnTheReaderThread(int size) {
        RpcClient rpc = Rpc.run(Fork.create(), W + "echo", RpcOptions.defaults());
        int window = 4;
        int total = size > 1000 ? 200 : 5000;
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        CompletableFuture<Void> all = new CompletableFuture<>();
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            int i = sent.getAndIncrement();
            if (i >= total) {
                return;
            }
            byte[] payload = new byte[size];
            payload[0] = (byte) i;
            rpc.<byte[]>call(payload).whenComplete((r, t) -> {
                if (t != null || r.length != size || r[0] != (byte) i) {
                    all.completeExceptionally(t != null ? t : new AssertionError("wrong result for call " + i));
                } else if (done.incrementAndGet() == total) {
                    all.complete(null);
                } else {
                    next[0].run();
                }
            });
        };
        for (int i = 0; i < window; i++) {
            next[0].run();
        }
        await(all);
        rpc.close();
        await(rpc.terminated());
    }

    /** A callback may make a call and wait for it (it would deadlock a single reader thread). */
    @Test
    void callbacksMayWaitForCalls() {
        List<String> log = new CopyOnWriteArrayList<>();
        RpcClient[] self = new RpcClient[1];
        CountDownLatch ready = new CountDownLatch(1);
        RpcClient rpc = Rpc.run(Fork.create(), W + "okSync", RpcOptions.builder().onEvent(e -> {
            log.add((String) e[0]);
            if (e[0].equals("ok 5")) {
                TestSupport.await(ready);
                log.add("nested " + self[0].<String>call(100).join());
            }
        }).build());
        self[0] = rpc;
        ready.countDown();
        CompletableFuture<String> first = rpc.call(5);
        CompletableFuture<String> second = rpc.call(7);
        assertEquals("ok 6", await(first));
        assertEquals("ok 8", await(second));
        rpc.close();
        await(rpc.terminated());
        // the nested call is queued behind call 7 in the sync child: events keep the child's order
        assertEquals(List.of("ok 5", "ok 7", "ok 100", "nested ok 101"), log);
    }

    /** A thread waiting while another one reads can be interrupted; the reading one gets its answer. */
    @Test
    void waitingThreadsCanBeInterrupted() throws Exception {
        RpcClient rpc = Rpc.run(Fork.create(), W + "asyncLater", RpcOptions.builder().async(true).build());
        assertEquals("warm", await(rpc.call("warm", 0)));
        CompletableFuture<Object> slow = rpc.call("slow", 1500);
        CountDownLatch leading = new CountDownLatch(1);
        CompletableFuture<Object> reader = CompletableFuture.supplyAsync(() -> {
            leading.countDown();
            return slow.join();
        });
        TestSupport.await(leading);
        CompletableFuture<Object> other = rpc.call("other", 1200);
        CompletableFuture<Throwable> interrupted = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            try {
                other.get();
                interrupted.complete(null);
            } catch (Throwable t) {
                interrupted.complete(t);
            }
        });
        waiter.start();
        waiter.interrupt();
        Throwable t = await(interrupted);
        assertTrue(t == null || t instanceof InterruptedException, String.valueOf(t));
        assertEquals("slow", await(reader));
        assertEquals("other", await(other));
        rpc.close();
        await(rpc.terminated());
    }

    /** The end of the worker reaches threads that are waiting, whoever reads. */
    @Test
    void waitingThreadsLearnAboutTheWorkersDeath() throws Exception {
        RpcClient rpc = Rpc.run(Fork.create(), W + "sleep", RpcOptions.builder().onError(e -> {}).build());
        List<CompletableFuture<Object>> calls = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            calls.add(rpc.call(60_000));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Throwable>> waits = new ArrayList<>();
            for (CompletableFuture<Object> c : calls) {
                waits.add(pool.submit(() -> assertThrows(Exception.class, c::get)));
            }
            rpc.kill();
            for (Future<Throwable> w : waits) {
                Throwable e = w.get(TestSupport.DEADLINE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                assertTrue(e.getCause() instanceof RpcException, String.valueOf(e));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(9, awaitFailure(rpc.terminated()).exit().orElseThrow().signal().orElseThrow());
    }
}
