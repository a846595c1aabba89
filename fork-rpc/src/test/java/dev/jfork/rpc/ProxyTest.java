package dev.jfork.rpc;

import static dev.jfork.rpc.TestSupport.await;
import static dev.jfork.rpc.TestSupport.awaitFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.jfork.Fork;


/** The typed layer: Rpc.proxy with both backends. */
class ProxyTest {
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void typedProxy(boolean async) {
        List<String> events = new CopyOnWriteArrayList<>();
        Calculator calc = Rpc.proxy(Fork.create(), Calculator.class, CalculatorImpl.class.getName(),
                RpcOptions.builder().async(async).onEvent(e -> events.add((String) e[0])).build());
        // blocking methods
        assertEquals(5, calc.add(2, 3));
        assertEquals("hello world", calc.greet("world"));
        assertEquals(List.of("a", "b", "c"), calc.split("a b c"));
        assertEquals(6, calc.addThree(1, 2, 3));
        long pid = calc.pid();
        assertNotEquals(ProcessHandle.current().pid(), pid);
        assertEquals(pid, Rpc.clientOf(calc).fork().pid().orElseThrow());
        RpcException e = assertThrows(RpcException.class, () -> calc.fail("nope"));
        assertEquals(RpcException.Kind.REMOTE, e.kind());
        assertEquals("java.lang.UnsupportedOperationException", e.remoteClass().orElseThrow());
        assertTrue(e.getCause() instanceof RpcException, "the caller's stack is kept, the reader's exception is the cause");
        // asynchronous methods
        CompletableFuture<Integer> slow = calc.slowSquare(7, 400);
        CompletableFuture<Integer> fast = calc.slowSquare(3, 0);
        assertEquals(9, await(fast));
        if (async) {
            assertTrue(!slow.isDone(), "with the async backend the fast call overtakes the slow one");
        }
        assertEquals(49, await(slow));
        RpcException later = awaitFailure(calc.failLater("later").toCompletableFuture());
        assertEquals("later", later.remoteMessage().orElseThrow());
        // Object methods are local
        assertTrue(calc.toString().startsWith("RpcProxy[dev.jfork.rpc.Calculator"), calc.toString());
        assertEquals(calc, calc);
        // close() closes the client; the child closes its instance
        calc.close();
        await(Rpc.clientOf(calc).terminated());
        assertEquals(List.of("implementation closed"), events);
        assertEquals(RpcException.Kind.LOCAL, assertThrows(RpcException.class, () -> calc.add(1, 1)).kind());
        assertThrows(IllegalArgumentException.class, () -> Rpc.clientOf("not a proxy"));
    }
}
