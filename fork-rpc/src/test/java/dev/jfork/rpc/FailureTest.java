package dev.jfork.rpc;

import static dev.jfork.rpc.TestSupport.await;
import static dev.jfork.rpc.TestSupport.awaitFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.jfork.Fork;
import dev.jfork.ForkException;
import dev.jfork.ForkExit;


/** Workers that cannot start, die, or fail as a whole: t/03_connfail.t, t/04_flush.t, SIGKILL. */
class FailureTest {
    private static final String W = "dev.jfork.rpc.Workers.";

    /** Records every callback, in order. */
    static final class Recorder {
        final List<String> log = new CopyOnWriteArrayList<>();
        final List<RpcException> errors = new CopyOnWriteArrayList<>();
        final AtomicInteger destroyed = new AtomicInteger();

        RpcOptions.Builder options(RpcOptions.Builder b) {
            return b.onEvent(e -> log.add("event " + java.util.Arrays.toString(e)))
                    .onError(e -> {
                        errors.add(e);
                        log.add("error " + e.kind());
                    })
                    .onDestroy(() -> {
                        destroyed.incrementAndGet();
                        log.add("destroy");
                    });
        }
    }

    /**
     * t/03_connfail.t: the process never gets to run the server. Buffered calls fail, onError fires
     * once with the start-up failure, onDestroy never.
     */
    @Test
    void upstream03ConnectionFailure() {
        Recorder r = new Recorder();
        RpcClient rpc = Rpc.run(Fork.create().require("no.such.Clazz"), W + "echo", r.options(RpcOptions.builder()).build());
        CompletableFuture<Object> call = rpc.call("x");
        RpcException e = awaitFailure(call);
        assertEquals(RpcException.Kind.WORKER_LOST, e.kind());
        assertTrue(e.getMessage().contains("could not be started"), e.getMessage());
        assertTrue(e.getMessage().contains("no.such.Clazz"), e.getMessage());
        assertTrue(e.getCause() instanceof ForkException, String.valueOf(e.getCause()));
        assertEquals(70, e.exit().orElseThrow().exitCode().orElseThrow());
        assertFalse(e.stderrTail().isEmpty(), "the start-up failure carries the child's last stderr lines");
        awaitFailure(rpc.terminated());
        assertEquals(List.of(e), r.errors);
        assertEquals(0, r.destroyed.get());
        assertEquals(RpcException.Kind.WORKER_LOST, awaitFailure(rpc.call("late")).kind());
    }

    /**
     * t/04_flush.t, both backends: the call sends event(1), flushes, and exits with status 2. The
     * event arrives before the error; the call fails with the exit status; onError once.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void upstream04FlushBeforeExit(boolean async) {
        Recorder r = new Recorder();
        RpcClient rpc = Rpc.run(Fork.create(), W + (async ? "asyncFlushExit" : "flushExit"),
                r.options(RpcOptions.builder().async(async)).build());
        RpcException e = awaitFailure(rpc.call());
        assertEquals(RpcException.Kind.WORKER_LOST, e.kind());
        assertEquals(2, e.exit().orElseThrow().exitCode().orElseThrow());
        assertTrue(e.getMessage().contains("exited with code 2"), e.getMessage());
        awaitFailure(rpc.terminated());
        assertEquals(List.of("event [1]", "error WORKER_LOST"), r.log);
        assertEquals(List.of(e), r.errors);
    }

    /** SIGKILL while a call runs and more are queued: every pending call fails with the signal; onError once. */
    @Test
    void sigkillMidCallFailsAllPendingCalls() {
        Recorder r = new Recorder();
        CountDownLatch started = new CountDownLatch(1);
        long[] pid = new long[1];
        RpcClient rpc = Rpc.run(Fork.create(), W + "announceAndSleep", r.options(RpcOptions.builder())
                .onEvent(e -> {
                    pid[0] = (Long) e[1];
                    started.countDown();
                }).build());
        List<CompletableFuture<Object>> calls = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            calls.add(rpc.call(60_000));
        }
        TestSupport.await(started);
        assertEquals(5, rpc.inFlight());
        assertEquals(rpc.fork().pid().orElseThrow(), pid[0]);
        ProcessHandle.of(pid[0]).orElseThrow().destroyForcibly();
        for (CompletableFuture<Object> c : calls) {
            RpcException e = awaitFailure(c);
            assertEquals(RpcException.Kind.WORKER_LOST, e.kind());
            assertEquals(9, e.exit().orElseThrow().signal().orElseThrow());
            assertTrue(e.getMessage().contains("killed by signal 9 (SIGKILL)"), e.getMessage());
            assertTrue(e.getMessage().contains("5 calls pending"), e.getMessage());
        }
        RpcException end = awaitFailure(rpc.terminated());
        assertEquals(1, r.errors.size(), r.errors.toString());
        assertEquals(end, r.errors.get(0));
        assertEquals(0, r.destroyed.get());
        assertEquals(0, rpc.inFlight());
        // nothing hangs afterwards either
        RpcException late = awaitFailure(rpc.call(1));
        assertEquals(RpcException.Kind.WORKER_LOST, late.kind());
        rpc.close();
    }

    /** RpcClient.kill() (the pool's way to cancel): same as an external SIGKILL, async backend. */
    @Test
    void killCancelsRunningCalls() {
        Recorder r = new Recorder();
        RpcClient rpc = Rpc.run(Fork.create(), W + "asyncLater", r.options(RpcOptions.builder().async(true)).build());
        assertEquals("warm", await(rpc.call("warm", 0)));
        CompletableFuture<Object> a = rpc.call("a", 60_000);
        CompletableFuture<Object> b = rpc.call("b", 60_000);
        rpc.kill();
        assertEquals(ForkExit.class, awaitFailure(a).exit().orElseThrow().getClass());
        assertEquals(9, awaitFailure(b).exit().orElseThrow().signal().orElseThrow());
        awaitFailure(rpc.terminated());
        assertEquals(1, r.errors.size());
    }

    @Test
    void initThatThrowsFailsTheWorker() {
        Recorder r = new Recorder();
        RpcClient rpc = Rpc.run(Fork.create(), W + "echo", r.options(RpcOptions.builder().init(W + "initFails")).build());
        RpcException e = awaitFailure(rpc.call("x"));
        assertEquals(RpcException.Kind.WORKER_LOST, e.kind());
        assertTrue(e.getMessage().contains("init " + W + "initFails threw"), e.getMessage());
        assertTrue(e.getMessage().contains("init failed on purpose"), e.getMessage());
        assertTrue(e.getMessage().contains("exited with code 70"), e.getMessage());
        assertEquals("java.lang.IllegalStateException", e.remoteClass().orElseThrow());
        assertTrue(e.remoteStackTrace().orElseThrow().contains("Workers.initFails"));
        awaitFailure(rpc.terminated());
        assertEquals(1, r.errors.size());
    }

    @Test
    void missingOrMismatchedFunctionsFailTheWorker() {
        RpcException missing = awaitFailure(Rpc.run(Fork.create(), W + "nope", RpcOptions.builder().onError(e -> {}).build()).call());
        assertTrue(missing.getMessage().contains("has no public static Object nope(Object... args)"), missing.getMessage());
        assertEquals(1, occurrences(missing.getMessage(), "has no public static Object nope"), "said more than once: " + missing.getMessage());
        assertFalse(missing.getMessage().contains("Methods$NotFound"), "an internal class in the message: " + missing.getMessage());
        RpcException mismatch = awaitFailure(Rpc.run(Fork.create(), W + "asyncEcho", RpcOptions.builder().onError(e -> {}).build())
                .call());
        assertTrue(mismatch.getMessage().contains("declared for the async backend"), mismatch.getMessage());
        RpcException noClass = awaitFailure(Rpc.run(Fork.create(), "no.such.Cls.fn", RpcOptions.builder().onError(e -> {}).build())
                .call());
        assertTrue(noClass.getMessage().contains("class no.such.Cls not found"), noClass.getMessage());
    }

    static int occurrences(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    /**
     * A failure the caller's future carries is not logged as well (no onError handler here): only
     * what nobody can observe is. Checked on the "dev.jfork.rpc" logger.
     */
    @Test
    void failuresThatAFutureCarriesAreNotLogged() {
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger("dev.jfork.rpc");
        List<java.util.logging.LogRecord> logged = new CopyOnWriteArrayList<>();
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                if (record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                    logged.add(record);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        jul.addHandler(h);
        try {
            RpcClient rpc = Rpc.run(Fork.create(), W + "nope");
            RpcException e = awaitFailure(rpc.call());
            assertTrue(e.getMessage().contains("has no public static Object nope"), e.getMessage());
            awaitFailure(rpc.terminated());
            RpcClient dead = Rpc.run(Fork.create(), W + "echo", RpcOptions.builder().init(W + "initFails").build());
            awaitFailure(dead.call("x"));
            awaitFailure(dead.terminated());
            assertEquals(List.of(), logged.stream().map(java.util.logging.LogRecord::getMessage).collect(java.util.stream.Collectors.toList()));
        } finally {
            jul.removeHandler(h);
        }
    }

    /** A worker that exits on its own while idle: status 0 is a clean end (onDestroy), anything else an error. */
    @ParameterizedTest
    @ValueSource(ints = {0, 3})
    void workerEndingWhileIdle(int status) {
        Recorder r = new Recorder();
        RpcClient rpc = Rpc.run(Fork.create(), W + "exitLater", r.options(RpcOptions.builder()).build());
        assertEquals("bye", await(rpc.call(status)));
        if (status == 0) {
            await(rpc.terminated());
            assertEquals(List.of("destroy"), r.log);
        } else {
            RpcException e = awaitFailure(rpc.terminated());
            assertTrue(e.getMessage().contains("ended unexpectedly; process exited with code 3"), e.getMessage());
            assertEquals(List.of("error WORKER_LOST"), r.log);
        }
        assertNotNull(rpc.toString());
    }
}
