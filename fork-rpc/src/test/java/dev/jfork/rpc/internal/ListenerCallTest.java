package dev.jfork.rpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.jfork.Fork;
import dev.jfork.TestSupport;
import dev.jfork.rpc.Rpc;
import dev.jfork.rpc.RpcException;
import dev.jfork.rpc.RpcOptions;

/**
 * fork-pool's calls: the outcome goes to a listener instead of a dependent stage, once per call,
 * on the thread that completes the call.
 */
class ListenerCallTest {
    private static final String W = "dev.jfork.rpc.Workers.";

    /** What one listener was told, and on which thread. */
    private static final class Heard {
        final AtomicInteger times = new AtomicInteger();
        final CompletableFuture<Object[]> first = new CompletableFuture<>();

        void accept(Object value, Throwable error) {
            times.incrementAndGet();
            first.complete(new Object[] {value, error, Thread.currentThread()});
        }
    }

    private static ClientHandle client(String function) {
        return (ClientHandle) Rpc.run(Fork.create(), W + function, RpcOptions.builder().onError(e -> { }).build());
    }

    @Test
    void eachCallIsToldItsResultOnceOnTheThreadReadingTheConnection() {
        ClientHandle rpc = client("echo");
        List<Heard> heard = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            Heard h = new Heard();
            heard.add(h);
            rpc.call(new Object[] {i}, null, h::accept);
        }
        for (int i = 0; i < 1000; i++) {
            Object[] outcome = TestSupport.await(heard.get(i).first);
            assertEquals(i, outcome[0]);
            assertNull(outcome[1]);
            assertNotSame(Thread.currentThread(), outcome[2]);
        }
        rpc.close();
        TestSupport.await(rpc.terminated());
        for (Heard h : heard) {
            assertEquals(1, h.times.get());
        }
    }

    @Test
    void aFailureInTheWorkerAndAWrongResultTypeAreToldAsErrors() {
        ClientHandle rpc = client("failIfNegative");
        Heard remote = new Heard();
        rpc.call(new Object[] {-1}, null, remote::accept);
        Object[] outcome = TestSupport.await(remote.first);
        assertNull(outcome[0]);
        assertEquals(RpcException.Kind.REMOTE, ((RpcException) outcome[1]).kind());
        Heard typed = new Heard();
        rpc.call(new Object[] {1}, String.class, typed::accept);
        outcome = TestSupport.await(typed.first);
        assertEquals(RpcException.Kind.LOCAL, ((RpcException) outcome[1]).kind());
        assertTrue(((RpcException) outcome[1]).getMessage().contains("not the java.lang.String asked for"),
                ((RpcException) outcome[1]).getMessage());
        rpc.close();
        TestSupport.await(rpc.terminated());
    }

    @Test
    void aCallThatFailsAtOnceIsToldBeforeTheCallReturnsOnTheCallingThread() {
        ClientHandle rpc = client("echo");
        rpc.close();
        Heard h = new Heard();
        rpc.call(new Object[] {1}, null, h::accept);
        assertTrue(h.first.isDone(), "told before call() returned");
        Object[] outcome = h.first.join();
        assertEquals(RpcException.Kind.LOCAL, ((RpcException) outcome[1]).kind());
        assertSame(Thread.currentThread(), outcome[2]);
        TestSupport.await(rpc.terminated());
    }

    @Test
    void aListenerThatThrowsDisturbsNeitherTheConnectionNorLaterCalls() {
        ClientHandle rpc = client("echo");
        Set<Integer> seen = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 10; i++) {
            int k = i;
            rpc.call(new Object[] {i}, null, (v, t) -> {
                seen.add(k);
                throw new IllegalStateException("a listener that throws, on purpose");
            });
        }
        Heard last = new Heard();
        rpc.call(new Object[] {"last"}, null, last::accept);
        assertEquals("last", TestSupport.await(last.first)[0]);
        assertEquals(10, seen.size(), "every listener before it was told");
        rpc.close();
        TestSupport.await(rpc.terminated()); // a clean end: the reader did not fail
    }
}
