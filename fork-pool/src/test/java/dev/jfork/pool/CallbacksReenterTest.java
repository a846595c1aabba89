package dev.jfork.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.jfork.Fork;
import dev.jfork.ForkChannel;
import dev.jfork.JvmSpec;
import dev.jfork.TestSupport;
import dev.jfork.rpc.Rpc;
import dev.jfork.rpc.RpcClient;
import dev.jfork.rpc.RpcOptions;

/**
 * A callback may call every public method of the Fork, RpcClient or ForkPool whose future it is
 * on, on whatever thread completed it, even one that waits (with a bound) for another process:
 * nothing deadlocks, on success and on failure.
 */
class CallbacksReenterTest {
    private static final String DESCRIBE = "dev.jfork.ChildFunctions.describe";
    private static final String FN = "dev.jfork.pool.PoolJobs.run";
    private static final JvmSpec QUIET = JvmSpec.builder().discardStderr().build();
    private static final long BOUND_MS = 30_000;

    /** Runs {@code body} as the callback of {@code f} and waits (bounded) for it to have finished. */
    private static void inCallbackOf(CompletableFuture<?> f, ThrowingRunnable body) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        f.whenComplete((v, t) -> {
            try {
                body.run();
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        TestSupport.await(done.orTimeout(BOUND_MS * 2, TimeUnit.MILLISECONDS));
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Every public method of a Fork that was run (so preparation throws, as documented). */
    private static void useEverything(Fork fork) throws Exception {
        fork.pid();
        fork.pidNow();
        fork.isAlive();
        fork.onExit();
        fork.stderrTail();
        assertTrue(fork.toString().startsWith("Fork[pid "));
        assertThrows(IllegalStateException.class, fork::fork);
        assertThrows(IllegalStateException.class, () -> fork.require("java.lang.String"));
        assertThrows(IllegalStateException.class, () -> fork.preload("java.lang.String"));
        assertThrows(IllegalStateException.class, () -> fork.eval("x.Y.z"));
        assertThrows(IllegalStateException.class, () -> fork.sendArg("x"));
        assertThrows(IllegalStateException.class, () -> fork.sendArg(new byte[1]));
        assertThrows(IllegalStateException.class, () -> fork.sendFd(1));
        assertThrows(IllegalStateException.class, () -> fork.run(DESCRIBE));
        assertThrows(IllegalStateException.class, fork::toChannel);
        // a whole other fork, waited for on this (jfork) thread
        ForkChannel other = Fork.create().run(DESCRIBE).get(BOUND_MS, TimeUnit.MILLISECONDS);
        assertTrue(TestSupport.readLine(other).startsWith("pid="));
        other.close();
        Fork.defaultTemplate().pid();
        fork.close();
        fork.kill();
    }

    @Test
    void aForkCallbackOnSuccess() throws Exception {
        Fork fork = Fork.create();
        CompletableFuture<ForkChannel> run = fork.run(DESCRIBE);
        inCallbackOf(run, () -> useEverything(fork));
        run.join().close();
        TestSupport.await(fork.onExit());
    }

    @Test
    void aForkCallbackOnFailureOfItsTemplate() throws Exception {
        Fork template = Fork.newTemplate(QUIET).require("app.NoSuchClass");
        Fork fork = template.fork();
        CompletableFuture<ForkChannel> run = fork.run(DESCRIBE);
        inCallbackOf(run, () -> {
            useEverything(fork);
            template.pid();
            template.isAlive();
            template.close();
        });
        assertTrue(run.isCompletedExceptionally());
    }

    /** Every public method of an RpcClient, including a second call waited for on the reader thread. */
    private static void useEverything(RpcClient rpc, boolean up) throws Exception {
        CompletableFuture<Object> again = rpc.call("echo", "again");
        if (up) {
            assertEquals("again", again.get(BOUND_MS, TimeUnit.MILLISECONDS));
        } else {
            assertTrue(again.handle((v, t) -> t).get(BOUND_MS, TimeUnit.MILLISECONDS) != null);
        }
        rpc.inFlight();
        rpc.fork().pidNow();
        rpc.fork().pid();
        rpc.terminated();
        assertFalse(rpc.toString().isEmpty());
        if (up) {
            rpc.control(12345, new byte[0]); // a kind nobody handles: ignored by the worker
        }
        rpc.close();
        rpc.kill();
    }

    @Test
    void anRpcCallbackOnSuccess() throws Exception {
        RpcClient rpc = Rpc.run(Fork.create(), FN);
        CompletableFuture<Object> first = rpc.call("echo", 1);
        inCallbackOf(first, () -> useEverything(rpc, true));
        assertEquals(1, first.join());
        TestSupport.await(rpc.terminated().handle((v, t) -> null));
    }

    @Test
    void anRpcCallbackOnFailureOfItsTemplate() throws Exception {
        Fork template = Fork.newTemplate(QUIET).require("app.NoSuchClass");
        RpcClient rpc = Rpc.run(template.fork(), FN, RpcOptions.builder().onError(e -> { }).build());
        CompletableFuture<Object> first = rpc.call("echo", 1);
        inCallbackOf(first, () -> useEverything(rpc, false));
        assertTrue(first.isCompletedExceptionally());
        template.close();
    }

    /** Every public method of a ForkPool (a nested job is submitted, not waited for: see the class doc). */
    private static void useEverything(ForkPool pool) throws Exception {
        CompletableFuture<Object> nested = pool.call("echo", "nested");
        pool.stats();
        pool.mxBean().getWorkers();
        assertTrue(pool.toString().startsWith("ForkPool"));
        pool.terminated();
        assertFalse(pool.awaitTermination(Duration.ofMillis(1)));
        pool.close();
        nested.whenComplete((v, t) -> pool.closeNow());
    }

    @Test
    void aPoolCallbackOnSuccess() throws Exception {
        Fork template = Fork.newTemplate(QUIET).require("dev.jfork.pool.PoolJobs");
        ForkPool pool = ForkPool.builder(template, FN).max(1).build();
        CompletableFuture<Object> first = pool.call("echo", 1);
        inCallbackOf(first, () -> useEverything(pool));
        assertTrue(pool.awaitTermination(TestSupport.DEADLINE), pool.stats().toString());
        template.close();
    }

    @Test
    void aPoolCallbackOnFailureOfItsTemplate() throws Exception {
        Fork template = Fork.newTemplate(QUIET).require("app.NoSuchClass");
        ForkPool pool = ForkPool.builder(template, FN).max(1).onError(e -> { }).build();
        CompletableFuture<Object> first = pool.call("echo", 1);
        inCallbackOf(first, () -> useEverything(pool));
        assertTrue(first.isCompletedExceptionally());
        assertTrue(pool.awaitTermination(TestSupport.DEADLINE), pool.stats().toString());
        template.close();
    }
}
