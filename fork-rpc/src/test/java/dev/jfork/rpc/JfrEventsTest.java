package dev.jfork.rpc;

import static dev.jfork.rpc.TestSupport.await;
import static dev.jfork.rpc.TestSupport.awaitFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

import org.junit.jupiter.api.Test;

import dev.jfork.Fork;

/** Every RPC call is a {@code dev.jfork.RpcCall} event: the worker's pid, the function, the outcome. */
class JfrEventsTest {
    private static final String W = "dev.jfork.rpc.Workers.";
    private static final String EVENT = "dev.jfork.RpcCall";

    @Test
    void callsAreRecordedWithWorkerFunctionAndOutcome() throws Exception {
        Path file = Files.createTempFile("jfork-rpc", ".jfr");
        long pid;
        long proxyPid;
        try (Recording r = new Recording()) {
            r.enable(EVENT);
            r.start();
            int limit = 64 * 1024;
            RpcClient rpc = Rpc.run(Fork.create(), W + "failIfNegative", RpcOptions.builder().maxFrameSize(limit).build());
            assertEquals(7, (int) await(rpc.<Integer>call(7)));
            assertEquals(RpcException.Kind.REMOTE, awaitFailure(rpc.call(-1)).kind());
            // a pipelined burst: each call an event of its own
            CompletableFuture<?>[] burst = new CompletableFuture<?>[100];
            for (int i = 0; i < burst.length; i++) {
                burst[i] = rpc.call(i);
            }
            await(CompletableFuture.allOf(burst));
            pid = rpc.fork().pidNow().orElseThrow();
            // arguments over the frame limit: the call is not made
            assertEquals(RpcException.Kind.LOCAL, awaitFailure(rpc.call(new byte[limit + 1])).kind());
            rpc.close();
            await(rpc.terminated());
            assertEquals(RpcException.Kind.LOCAL, awaitFailure(rpc.call(1)).kind()); // closed

            Calculator calc = Rpc.proxy(Fork.create(), Calculator.class, CalculatorImpl.class,
                    RpcOptions.builder().onEvent(e -> {}).build()); // it says when it is closed
            assertEquals(5, calc.add(2, 3));
            proxyPid = calc.pid();
            calc.close();
            await(Rpc.clientOf(calc).terminated());
            r.stop();
            r.dump(file);
        }
        try {
            List<RecordedEvent> all = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals(EVENT)).collect(Collectors.toList());
            List<RecordedEvent> calls = all.stream().filter(e -> (W + "failIfNegative").equals(e.getString("function")))
                    .collect(Collectors.toList());
            assertEquals(104, calls.size(), "events of the worker's calls: " + calls);
            assertEquals(101, count(calls, "ok"), "ok: " + calls);
            assertEquals(1, count(calls, "failed"), "failed: " + calls);
            assertEquals(2, count(calls, "error"), "error (too big, closed): " + calls);
            for (RecordedEvent e : calls) {
                assertFalse(e.getDuration().isNegative(), e.toString());
                if (!"error".equals(e.getString("outcome"))) {
                    assertEquals(pid, e.getLong("workerPid"), e.toString());
                }
            }
            RecordedEvent add = all.stream().filter(e -> "dev.jfork.rpc.Calculator.add".equals(e.getString("function")))
                    .findFirst().orElseThrow(() -> new AssertionError("no event of the proxy's add: " + all));
            assertEquals("ok", add.getString("outcome"));
            assertEquals(proxyPid, add.getLong("workerPid"));
            assertTrue(all.stream().anyMatch(e -> "dev.jfork.rpc.Calculator.pid".equals(e.getString("function"))), all.toString());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void aCancelledCallAndALostWorkerAreRecordedAsSuch() throws Exception {
        Path file = Files.createTempFile("jfork-rpc", ".jfr");
        long pid;
        try (Recording r = new Recording()) {
            r.enable(EVENT);
            r.start();
            RpcClient rpc = Rpc.run(Fork.create(), W + "sleep", RpcOptions.defaults());
            pid = rpc.fork().pid().orElseThrow();
            CompletableFuture<Object> cancelled = rpc.call(60_000L);
            CompletableFuture<Object> lost = rpc.call(60_000L);
            assertTrue(cancelled.cancel(false));
            rpc.kill();
            assertEquals(RpcException.Kind.WORKER_LOST, awaitFailure(lost).kind());
            r.stop();
            r.dump(file);
        }
        try {
            List<RecordedEvent> calls = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals(EVENT) && (W + "sleep").equals(e.getString("function")))
                    .collect(Collectors.toList());
            assertEquals(2, calls.size(), calls.toString());
            assertEquals(1, count(calls, "cancelled"), calls.toString());
            assertEquals(1, count(calls, "error"), calls.toString());
            for (RecordedEvent e : calls) {
                assertEquals(pid, e.getLong("workerPid"), e.toString());
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static long count(List<RecordedEvent> events, String outcome) {
        return events.stream().filter(e -> outcome.equals(e.getString("outcome"))).count();
    }
}
