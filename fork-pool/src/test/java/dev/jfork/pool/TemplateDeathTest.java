package dev.jfork.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.jfork.Fork;
import dev.jfork.ForkChannel;
import dev.jfork.ForkException;
import dev.jfork.JvmSpec;
import dev.jfork.TestSupport;
import dev.jfork.rpc.Rpc;
import dev.jfork.rpc.RpcClient;
import dev.jfork.rpc.RpcException;

/**
 * A template that dies at any point of its boot fails whoever waits on it (a raw fork, an RPC
 * client, a pool) within a deadline, with the template's own reason: its report, exit status and
 * last stderr lines. Nothing hangs, and the pool terminates.
 */
class TemplateDeathTest {
    /** Far below the suite's deadline: a caller that is not told within this is hanging. */
    private static final Duration TOLD_WITHIN = Duration.ofSeconds(30);
    private static final String FN = "dev.jfork.pool.PoolJobs.run";
    private static final JvmSpec QUIET = JvmSpec.builder().discardStderr().build();

    /** Where the template dies, and what the callers must be told. */
    enum Death {
        /** The JVM does not even start (a bad option): exit code 1, the JVM's own complaint on stderr. */
        BEFORE_READY("exited with code 1", "Unrecognized VM option 'NoSuchJforkOption'") {
            @Override
            Fork template() {
                return Fork.newTemplate(QUIET.toBuilder().jvmOptions("-XX:+NoSuchJforkOption").build());
            }
        },
        /** require of a class that does not exist. */
        DURING_REQUIRE("class not found", "app.NoSuchClass") {
            @Override
            Fork template() {
                return Fork.newTemplate(QUIET).require("app.NoSuchClass");
            }
        },
        /** require of a class whose static initialiser throws. */
        DURING_REQUIRE_INIT("ExceptionInInitializerError", "static initialiser failed on purpose") {
            @Override
            Fork template() {
                return Fork.newTemplate(QUIET).require("dev.jfork.BadStaticInit");
            }
        },
        /** eval that throws. */
        DURING_EVAL("exited with code 70", "init failed on purpose: boot") {
            @Override
            Fork template() {
                return Fork.newTemplate(QUIET).eval("dev.jfork.ChildFunctions.fail", "boot");
            }
        },
        /** Killed once it is up and has forked once. */
        RIGHT_AFTER_READY("SIGKILL", "SIGKILL") {
            @Override
            Fork template() throws Exception {
                Fork t = Fork.newTemplate(QUIET).require("dev.jfork.pool.PoolJobs");
                ForkChannel first = t.fork().run("dev.jfork.ChildFunctions.describe").get(TOLD_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
                first.close();
                t.kill();
                return t;
            }
        };

        final String reason;
        final String detail;

        Death(String reason, String detail) {
            this.reason = reason;
            this.detail = detail;
        }

        abstract Fork template() throws Exception;

        void assertExplained(Throwable e) {
            String text = Faults.fullText(e);
            assertTrue(text.contains(reason) && text.contains(detail), name() + ": the failure does not say why: " + text);
        }
    }

    @ParameterizedTest
    @EnumSource(Death.class)
    void aRawForkIsToldWhy(Death death) throws Exception {
        Fork template = death.template();
        try {
            Fork fork = template.fork();
            Throwable e = failureOf(fork.run("dev.jfork.ChildFunctions.describe"));
            assertTrue(e instanceof ForkException, "expected a ForkException: " + e);
            death.assertExplained(e);
            assertTrue(fork.pidNow().isEmpty(), "a fork that never started has no pid");
            TestSupport.await(fork.onExit()); // known too: it never started
        } finally {
            template.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Death.class)
    void anRpcClientIsToldWhy(Death death) throws Exception {
        Fork template = death.template();
        try {
            List<RpcException> errors = new CopyOnWriteArrayList<>();
            RpcClient rpc = Rpc.run(template.fork(), FN, dev.jfork.rpc.RpcOptions.builder().onError(errors::add).build());
            Throwable e = failureOf(rpc.call("echo", 1));
            assertTrue(e instanceof RpcException && ((RpcException) e).kind() == RpcException.Kind.WORKER_LOST, "got " + e);
            death.assertExplained(e);
            failureOf(rpc.terminated());
            assertEquals(1, errors.size(), "onError runs once: " + errors);
        } finally {
            template.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Death.class)
    void aPoolFailsItsJobsCallsOnErrorAndTerminates(Death death) throws Exception {
        Fork template = death.template();
        List<RpcException> errors = new CopyOnWriteArrayList<>();
        ForkPool pool = ForkPool.builder(template, FN).max(2).onError(errors::add).build();
        try {
            List<CompletableFuture<Object>> jobs = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                jobs.add(pool.call("echo", i));
            }
            for (CompletableFuture<Object> job : jobs) {
                Throwable e = failureOf(job);
                assertTrue(e instanceof RpcException, "got " + e);
                death.assertExplained(e);
            }
            assertTrue(!errors.isEmpty(), "onError was not called");
            death.assertExplained(errors.get(0));
            // a later call fails too, and as quickly: the template cannot come back
            death.assertExplained(failureOf(pool.call("echo", "late")));
            assertTrue(pool.stats().restarts() <= 3, "workers restarted in a loop: " + pool.stats());
        } finally {
            pool.closeNow();
            assertTrue(pool.awaitTermination(TOLD_WITHIN), "closeNow did not terminate the pool: " + pool.stats());
            template.close();
        }
    }

    /**
     * closeNow() terminates the pool within its exitTimeout even when a worker can never be
     * handed over: its template is stopped (SIGSTOP) and never answers.
     */
    @org.junit.jupiter.api.Test
    void closeNowTerminatesWithinTheExitTimeoutWhenTheTemplateHangs() throws Exception {
        // no spares: a spare already handed to this program would make a worker without the template
        Fork template = Fork.newTemplate(QUIET.toBuilder().spares(0).build()).require("dev.jfork.pool.PoolJobs");
        ForkChannel first = template.fork().run("dev.jfork.ChildFunctions.describe").get(TOLD_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        first.close();
        long pid = template.pid().orElseThrow();
        signal("STOP", pid);
        try {
            Duration exitTimeout = Duration.ofSeconds(2);
            ForkPool pool = ForkPool.builder(template, FN).max(1).exitTimeout(exitTimeout).build();
            CompletableFuture<Object> job = pool.call("echo", 1);
            // the worker is asked for and never comes; give the request time to be on its way
            assertTrue(waitFor(() -> pool.stats().starting() == 1), pool.stats().toString());
            pool.closeNow();
            assertTrue(pool.awaitTermination(exitTimeout.plus(TOLD_WITHIN)), "closeNow did not terminate: " + pool.stats());
            Throwable t = job.handle((v, e) -> e).get(TOLD_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
            assertTrue(t instanceof java.util.concurrent.CancellationException, "got " + t);
        } finally {
            signal("CONT", pid);
            template.close();
            TestSupport.await(template.onExit());
        }
    }

    private static void signal(String name, long pid) throws Exception {
        Faults.signal(name, pid, TOLD_WITHIN);
    }

    /** Polls a condition that no event announces, with a deadline. */
    private static boolean waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TOLD_WITHIN.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.onSpinWait();
            Thread.yield();
        }
        return true;
    }

    /** The exception a future fails with, within {@link #TOLD_WITHIN}. */
    static Throwable failureOf(CompletableFuture<?> f) throws InterruptedException {
        try {
            Object v = f.get(TOLD_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
            return fail("expected a failure, got " + v);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            return fail("not told within " + TOLD_WITHIN + ": the caller hangs");
        }
    }

}
