package dev.jfork.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.jfork.Fork;
import dev.jfork.ForkExit;
import dev.jfork.JvmSpec;
import dev.jfork.TestSupport;
import dev.jfork.pool.CrashJobs.Trap;
import dev.jfork.rpc.Rpc;
import dev.jfork.rpc.RpcClient;
import dev.jfork.rpc.RpcException;
import dev.jfork.rpc.RpcOptions;

/**
 * The crash and fault matrix, after loky's and CPython's concurrent.futures crash tests: a worker
 * fails at every step of a job (init, the job itself, decoding its arguments, encoding its result,
 * decoding the result in the parent) and in every way a process can (an exception, an Error,
 * {@code System.exit}, {@code Runtime.halt}, a JVM crash, running out of heap or stack, SIGKILL,
 * SIGTERM, SIGSTOP), and a soak kills random workers while thousands of jobs run.
 *
 * <p>For each case, what a demanding user expects: the affected job fails with an
 * {@link RpcException} (or the documented {@link TimeoutException} / {@link CancellationException})
 * that says what happened (the exception, the exit code or signal); other jobs are unaffected; the
 * pool goes on working (a later job succeeds); every wait is bounded, so a hang fails with a thread
 * dump instead of hanging the build; the pool terminates; nothing is left running.
 */
class CrashMatrixTest {
    /** The longest any failure or result may take to arrive: a caller not told by then is hanging. */
    private static final Duration TOLD_WITHIN = Duration.ofSeconds(20);
    /** How long the soak kills workers. */
    private static final Duration SOAK = Duration.ofSeconds(20);

    // ------------------------------------------------------------------ the matrix

    /** What the caller must be told. */
    static final class Expect {
        final RpcException.Kind kind;
        final List<String> fragments;
        final Integer exitCode;
        final String stderr;

        private Expect(RpcException.Kind kind, Integer exitCode, String stderr, String... fragments) {
            this.kind = kind;
            this.exitCode = exitCode;
            this.stderr = stderr;
            this.fragments = List.of(fragments);
        }

        /** Only the call fails (the child's function, or its step of the call, threw): the worker lives on. */
        static Expect remote(String... fragments) {
            return new Expect(RpcException.Kind.REMOTE, null, null, fragments);
        }

        /** Only the call fails, on this side. */
        static Expect local(String... fragments) {
            return new Expect(RpcException.Kind.LOCAL, null, null, fragments);
        }

        /** The worker died with this exit code: its call fails with WORKER_LOST, saying so. */
        static Expect exit(int code, String... fragments) {
            return new Expect(RpcException.Kind.WORKER_LOST, code, null, fragments);
        }

        /** ... and its last stderr lines (kept with the failure) contain this. */
        Expect stderr(String line) {
            return new Expect(kind, exitCode, line, fragments.toArray(new String[0]));
        }

        boolean lost() {
            return kind == RpcException.Kind.WORKER_LOST;
        }

        void check(Object what, Throwable t) {
            assertTrue(t instanceof RpcException, what + ": expected an RpcException, got " + t);
            RpcException e = (RpcException) t;
            assertEquals(kind, e.kind(), what + ": wrong kind of failure: " + fullText(e));
            String text = fullText(e);
            for (String f : fragments) {
                assertTrue(text.contains(f), what + ": the failure does not say \"" + f + "\": " + text);
            }
            if (exitCode != null) {
                String status = "exited with code " + exitCode;
                assertTrue(e.getMessage().contains(status), what + ": the message does not say \"" + status + "\": " + e.getMessage());
                assertEquals(exitCode.intValue(), e.exit().orElseThrow(() -> new AssertionError(what + ": no exit status: " + text))
                        .exitCode().orElse(-1), what + ": " + text);
            }
            if (stderr != null) {
                assertTrue(e.stderrTail().stream().anyMatch(l -> l.contains(stderr)),
                        what + ": the last stderr lines do not contain \"" + stderr + "\": " + e.stderrTail());
            }
        }
    }

    /**
     * Options that let a JVM crash without leaving a core dump, and its hs_err file where the
     * clean-up deletes it. HotSpot prints its crash banner ("A fatal error has been detected ...
     * SIGSEGV") on stdout, which jfork leaves inherited, even with -XX:+DisplayVMOutputToStderr
     * (checked on JDK 17): the stderr tail cannot quote it.
     */
    private static final List<String> CRASH_OPTIONS = List.of("-XX:ErrorFile=" + System.getProperty("java.io.tmpdir")
            + "/jfork-crash-matrix-hs_err_%p.log", "-XX:-CreateCoredumpOnCrash");

    /** One way a job fails; each is run through a pool and through a plain RpcClient. */
    enum Fault {
        JOB_THROWS(Expect.remote("java.lang.IllegalStateException: failed on purpose in the job"), List.of(),
                "strike", "throw"),
        JOB_CALLS_SYSTEM_EXIT(Expect.exit(CrashJobs.EXIT_CODE), List.of(), "strike", "exit"),
        JOB_CALLS_RUNTIME_HALT(Expect.exit(CrashJobs.HALT_CODE), List.of(), "strike", "halt"),
        /** A clean exit is no answer: the job must fail, not hang or succeed with null. */
        JOB_CALLS_SYSTEM_EXIT_0(Expect.exit(0), List.of(), "strike", "exit0"),
        /** A native crash (a write to address 0): without a core dump the JVM exits with 1 after its crash report. */
        JOB_CRASHES_THE_JVM(Expect.exit(1), CRASH_OPTIONS, "strike", "segv"),
        JOB_RUNS_OUT_OF_HEAP(Expect.remote("java.lang.OutOfMemoryError", "Java heap space"), List.of("-Xmx32m"),
                "strike", "oom"),
        /** HotSpot's "Terminating due to ..." line goes to stdout unless -XX:+DisplayVMOutputToStderr. */
        JOB_RUNS_OUT_OF_HEAP_WITH_EXIT_ON_OOM(Expect.exit(3).stderr("Terminating due to java.lang.OutOfMemoryError"),
                List.of("-Xmx32m", "-XX:+ExitOnOutOfMemoryError", "-XX:+DisplayVMOutputToStderr"), "strike", "oom"),
        JOB_OVERFLOWS_ITS_STACK(Expect.remote("java.lang.StackOverflowError"), List.of(), "strike", "stackOverflow"),
        JOB_THROWS_AN_UNSERIALIZABLE_EXCEPTION(Expect.remote("CrashJobs$Unserializable", "holds a thread and a lock"),
                List.of(), "strike", "unserializable"),
        JOB_THROWS_AN_EXCEPTION_WHOSE_GETMESSAGE_THROWS(Expect.remote("CrashJobs$HostileMessage"), List.of(),
                "strike", "hostileMessage"),
        /**
         * getMessage() that throws is survived (ErrorReport guards it); getCause() and getStackTrace()
         * are user code as well, and must not cost the worker either (at 43da22e they do: exit 70).
         */
        JOB_THROWS_AN_EXCEPTION_WHOSE_GETCAUSE_THROWS(Expect.remote("CrashJobs$HostileCause"), List.of(),
                "strike", "hostileCause"),
        JOB_THROWS_AN_EXCEPTION_WHOSE_GETSTACKTRACE_THROWS(Expect.remote("CrashJobs$HostileStackTrace"), List.of(),
                "strike", "hostileStackTrace"),
        ARGUMENT_DESERIALIZATION_THROWS_IN_THE_WORKER(Expect.remote("cannot decode the call's arguments",
                "IllegalStateException: failed on purpose deserializing a Trap in the worker"), List.of(),
                "echo", new Trap("worker-read", "throw")),
        /** The argument's deserialisation needs a class the worker cannot initialise. */
        ARGUMENT_NEEDS_A_CLASS_THE_WORKER_CANNOT_LOAD(Expect.remote("cannot decode the call's arguments",
                "ExceptionInInitializerError", "WorkerUnloadable cannot be initialised in a worker"), List.of(),
                "echo", new Trap("worker-read", "unloadable")),
        ARGUMENT_DESERIALIZATION_CALLS_SYSTEM_EXIT(Expect.exit(CrashJobs.EXIT_CODE), List.of(),
                "echo", new Trap("worker-read", "exit")),
        ARGUMENT_DESERIALIZATION_CALLS_RUNTIME_HALT(Expect.exit(CrashJobs.HALT_CODE), List.of(),
                "echo", new Trap("worker-read", "halt")),
        ARGUMENT_SERIALIZATION_THROWS_IN_THE_PARENT(Expect.local("cannot encode the call's arguments",
                "failed on purpose serializing a Trap in the parent"), List.of(), "echo", new Trap("parent-write", "throw")),
        RESULT_SERIALIZATION_THROWS_IN_THE_WORKER(Expect.remote("cannot encode the result",
                "failed on purpose serializing a Trap in the worker"), List.of(), "echo", new Trap("worker-write", "throw")),
        RESULT_SERIALIZATION_CALLS_SYSTEM_EXIT(Expect.exit(CrashJobs.EXIT_CODE), List.of(),
                "echo", new Trap("worker-write", "exit")),
        RESULT_SERIALIZATION_CALLS_RUNTIME_HALT(Expect.exit(CrashJobs.HALT_CODE), List.of(),
                "echo", new Trap("worker-write", "halt")),
        RESULT_DESERIALIZATION_THROWS_IN_THE_PARENT(Expect.local("cannot decode the result",
                "failed on purpose deserializing a Trap in the parent"), List.of(), "echo", new Trap("parent-read", "throw")),
        RESULT_DESERIALIZATION_FAILS_WITH_AN_ERROR_IN_THE_PARENT(Expect.local("cannot decode the result",
                "java.lang.LinkageError: linkage failed on purpose deserializing a Trap in the parent"), List.of(),
                "echo", new Trap("parent-read", "error"));

        final Expect expect;
        final List<String> jvmOptions;
        private final Object[] args;

        Fault(Expect expect, List<String> jvmOptions, Object... args) {
            this.expect = expect;
            this.jvmOptions = jvmOptions;
            this.args = args;
        }

        Object[] args() {
            return args.clone();
        }
    }

    /** A pool job fails alone; the other jobs, on another worker or queued, complete; the pool goes on and terminates. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Fault.class)
    void aFaultyPoolJobFailsAloneAndThePoolGoesOn(Fault fault) throws Exception {
        ForkPool pool = build(pool(template(fault.jvmOptions)).max(2).load(1));
        CompletableFuture<Object> bystander = pool.call("announce", "bystander", 1500);
        long bystanderPid = awaitRunning("bystander");
        CompletableFuture<Object> faulty = pool.call(fault.args()); // to a second worker: the first is full
        List<CompletableFuture<Object>> queued = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            queued.add(pool.call("echo", i));
        }
        Throwable t = failure(faulty, fault + " job", pool);
        fault.expect.check(fault, t);
        assertEquals("finished", result(bystander, "the bystander job", pool), "the job on the other worker was affected");
        for (int i = 0; i < queued.size(); i++) {
            assertEquals((Object) i, (Object) result(queued.get(i), "queued job " + i, pool), "a queued job was affected");
        }
        if (fault.expect.lost()) {
            awaitErrors(1, pool);
            fault.expect.check("onError of " + fault, errors.get(0));
            assertEquals(1, pool.stats().restarts(), "the dead worker was replaced once: " + pool.stats());
        } else {
            assertEquals(0, pool.stats().restarts(), "a failed job must not cost its worker: " + pool.stats());
        }
        assertTrue(isAlive(bystanderPid), "the bystander's worker lives on");
        assertEquals("after", result(pool.call("echo", "after"), "a later job", pool));
        closeAndWait(pool);
        PoolStats s = pool.stats();
        assertEquals(1, s.failed(), "failed: the faulty job only: " + s);
        assertEquals(7, s.completed(), "completed: bystander, 5 queued, the later job: " + s);
        assertEquals(fault.expect.lost() ? 1 : 0, errors.size(), "onError is told of a worker's death, once: " + errors);
    }

    /**
     * Through a plain RpcClient: a call that fails alone leaves the client working, with the same
     * worker; a worker that dies fails its pending calls, the client's end and every later call
     * with the same reason, and onError is told once.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Fault.class)
    void aFaultyRpcCallFailsAloneOrTheClientSaysWhyItsWorkerIsGone(Fault fault) throws Exception {
        RpcClient rpc = rpc(template(fault.jvmOptions), RpcOptions.builder());
        long pid = ((Number) result(rpc.call("pid"), "the first call", null)).longValue();
        CompletableFuture<Object> faulty = rpc.call(fault.args());
        CompletableFuture<Object> next = rpc.call("echo", "next"); // pipelined behind the faulty call
        Throwable t = failure(faulty, fault + " call", null);
        fault.expect.check(fault, t);
        if (!fault.expect.lost()) {
            assertEquals("next", result(next, "the call after it", null));
            assertEquals(pid, ((Number) result(rpc.call("pid"), "a later call", null)).longValue(),
                    "a failed call must not cost the worker");
            rpc.close();
            result(rpc.terminated(), "the client's end", null);
            ForkExit exit = result(rpc.fork().onExit(), "the worker's exit", null);
            assertTrue(exit.isSuccess(), "a closed worker exits cleanly: " + exit);
            assertTrue(errors.isEmpty(), "onError is for a worker's end: " + errors);
        } else {
            fault.expect.check("the pipelined call after " + fault, failure(next, "the call after it", null));
            fault.expect.check("the client's end after " + fault, failure(rpc.terminated(), "the client's end", null));
            Throwable late = failure(rpc.call("echo", "late"), "a later call", null);
            assertTrue(late instanceof RpcException && ((RpcException) late).kind() == RpcException.Kind.WORKER_LOST,
                    "a later call fails at once, as WORKER_LOST: " + late);
            awaitErrors(1, null);
            fault.expect.check("onError of " + fault, errors.get(0));
            assertEquals(1, errors.size(), "onError is told once: " + errors);
            awaitGone(pid);
        }
    }

    // ------------------------------------------------------------------ init

    /** How a worker dies in its init. */
    enum InitDeath {
        THROWS("throw", "java.lang.IllegalStateException: failed on purpose in init", "exited with code 70"),
        CALLS_SYSTEM_EXIT("exit", "exited with code " + CrashJobs.EXIT_CODE),
        CALLS_RUNTIME_HALT("halt", "exited with code " + CrashJobs.HALT_CODE);

        final String how;
        final List<String> fragments;

        InitDeath(String how, String... fragments) {
            this.how = how;
            this.fragments = List.of(fragments);
        }

        void check(Object what, Throwable t) {
            assertTrue(t instanceof RpcException && ((RpcException) t).kind() == RpcException.Kind.WORKER_LOST,
                    what + ": expected an RpcException (WORKER_LOST), got " + t);
            String text = fullText(t);
            for (String f : fragments) {
                assertTrue(text.contains(f), what + ": the failure does not say \"" + f + "\": " + text);
            }
        }
    }

    /** Every worker dies in init: the queued jobs fail with the reason after maxStartFailures, no restart loop, later calls too. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(InitDeath.class)
    void aPoolWhoseInitAlwaysDiesFailsItsJobsWithTheReasonAndStopsTrying(InitDeath death) throws Exception {
        ForkPool pool = build(pool(template(List.of(), death.how)).init(CrashJobs.INIT).max(2).maxStartFailures(3)
                .restartBackoff(Duration.ofMillis(10), Duration.ofMillis(200)));
        List<CompletableFuture<Object>> jobs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            jobs.add(pool.call("echo", i));
        }
        for (int i = 0; i < jobs.size(); i++) {
            death.check("job " + i, failure(jobs.get(i), "job " + i, pool));
        }
        long restarts = pool.stats().restarts();
        assertTrue(restarts >= 3 && restarts <= 4, "3 start failures in a row (one more may be on its way): " + pool.stats());
        awaitErrors(1, pool);
        death.check("onError", errors.get(0));
        death.check("a later job", failure(pool.call("echo", "late"), "a later job", pool));
        closeAndWait(pool);
        assertTrue(pool.stats().restarts() <= restarts + 2, "a later call tries once more, not in a loop: " + pool.stats());
        assertEquals(6, pool.stats().failed(), pool.stats().toString());
        assertEquals(0, pool.stats().completed(), pool.stats().toString());
    }

    /** Only the first worker dies in init: the queued jobs run on its replacement, onError is told once. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(InitDeath.class)
    void aPoolWhoseFirstWorkerDiesInInitRunsItsJobsOnTheReplacement(InitDeath death, @TempDir Path dir) throws Exception {
        Path marker = dir.resolve("first-init-died");
        ForkPool pool = build(pool(template(List.of(), death.how, marker.toString())).init(CrashJobs.INIT).max(1)
                .restartBackoff(Duration.ofMillis(10), Duration.ofMillis(200)));
        List<CompletableFuture<Object>> jobs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            jobs.add(pool.call("echo", i));
        }
        for (int i = 0; i < jobs.size(); i++) {
            assertEquals((Object) i, (Object) result(jobs.get(i), "job " + i, pool), "a queued job is not lost with a worker that never started");
        }
        assertTrue(Files.exists(marker), "the first worker's init ran");
        awaitErrors(1, pool);
        death.check("onError", errors.get(0));
        assertEquals(1, pool.stats().restarts(), pool.stats().toString());
        closeAndWait(pool);
        assertEquals(5, pool.stats().completed(), pool.stats().toString());
        assertEquals(0, pool.stats().failed(), pool.stats().toString());
        assertEquals(1, errors.size(), "onError: " + errors);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(InitDeath.class)
    void anRpcClientWhoseInitDiesFailsItsCallsWithTheReason(InitDeath death) throws Exception {
        RpcClient rpc = rpc(template(List.of(), death.how), RpcOptions.builder().init(CrashJobs.INIT));
        death.check("a call", failure(rpc.call("echo", 1), "a call", null));
        death.check("the client's end", failure(rpc.terminated(), "the client's end", null));
        awaitErrors(1, null);
        death.check("onError", errors.get(0));
        assertEquals(1, errors.size(), "onError once: " + errors);
    }

    // ------------------------------------------------------------------ signals

    /** A signal sent to a busy worker from outside, and what its job must say. */
    enum Signal {
        KILL(9, "killed by signal 9 (SIGKILL)"),
        /** The JVM's own handler runs the shutdown hooks and exits with 128 + 15. */
        TERM(15, "exited with code 143");

        final int number;
        final String status;

        Signal(int number, String status) {
            this.number = number;
            this.status = status;
        }
    }

    @ParameterizedTest(name = "SIG{0}")
    @EnumSource(Signal.class)
    void aSignalledBusyWorkerFailsOnlyItsJobAndIsReplaced(Signal signal) throws Exception {
        ForkPool pool = build(pool(template(List.of())).max(2).load(1));
        CompletableFuture<Object> victim = pool.call("announce", "victim", 60_000);
        long victimPid = awaitRunning("victim");
        CompletableFuture<Object> other = pool.call("announce", "other", 1500);
        long otherPid = awaitRunning("other");
        CompletableFuture<Object> queued = pool.call("echo", "queued");
        signal(signal.name(), victimPid);
        Throwable t = failure(victim, "the signalled job", pool);
        assertTrue(t instanceof RpcException && ((RpcException) t).kind() == RpcException.Kind.WORKER_LOST, "got " + t);
        assertTrue(t.getMessage().contains(signal.status), "the failure does not say \"" + signal.status + "\": " + t.getMessage());
        assertTrue(t.getMessage().contains("1 call pending"), t.getMessage());
        assertEquals("finished", result(other, "the job on the other worker", pool));
        assertTrue(isAlive(otherPid), "the other worker lives on");
        assertEquals("queued", result(queued, "the queued job", pool));
        awaitErrors(1, pool);
        assertEquals(1, pool.stats().restarts(), pool.stats().toString());
        assertEquals("after", result(pool.call("echo", "after"), "a later job", pool));
        closeAndWait(pool);
        assertEquals(1, pool.stats().failed(), pool.stats().toString());
        assertEquals(3, pool.stats().completed(), pool.stats().toString());
    }

    @Test
    void aKilledRpcWorkerFailsItsPendingCallsAndTheClientSaysSo() throws Exception {
        RpcClient rpc = rpc(template(List.of()), RpcOptions.builder());
        CompletableFuture<Object> running = rpc.call("announce", "rpc-victim", 60_000);
        CompletableFuture<Object> behind = rpc.call("echo", "behind");
        long pid = awaitRunning("rpc-victim");
        assertTrue(ProcessHandle.of(pid).orElseThrow().destroyForcibly());
        Throwable t = failure(running, "the running call", null);
        assertTrue(t instanceof RpcException && ((RpcException) t).kind() == RpcException.Kind.WORKER_LOST, "got " + t);
        RpcException e = (RpcException) t;
        assertTrue(e.getMessage().contains("killed by signal 9 (SIGKILL)") && e.getMessage().contains("2 calls pending"), e.getMessage());
        assertEquals(9, e.exit().orElseThrow().signal().orElse(-1), e.getMessage());
        assertEquals(e.getMessage(), failure(behind, "the call behind it", null).getMessage());
        assertEquals(e.getMessage(), failure(rpc.terminated(), "the client's end", null).getMessage());
        Throwable late = failure(rpc.call("echo", "late"), "a later call", null);
        assertTrue(late instanceof RpcException && ((RpcException) late).kind() == RpcException.Kind.WORKER_LOST, "got " + late);
        awaitErrors(1, null);
        assertEquals(1, errors.size(), "onError once: " + errors);
    }

    /** The pool notices an idle worker's death, keeps idle(1) by starting another, and later jobs run there. */
    @Test
    void aKilledIdleWorkerIsReplacedAndLaterJobsRun() throws Exception {
        ForkPool pool = build(pool(template(List.of())).init(CrashJobs.ANNOUNCE).idle(1).max(1).start(Duration.ZERO));
        long first = awaitUp(pool);
        assertTrue(ProcessHandle.of(first).orElseThrow().destroyForcibly());
        awaitErrors(1, pool);
        RpcException e = errors.get(0);
        assertTrue(e.getMessage().contains("killed by signal 9 (SIGKILL)"), e.getMessage());
        long second = awaitUp(pool);
        assertNotEquals(first, second);
        assertEquals(second, ((Number) result(pool.call("pid"), "a job after the death", pool)).longValue());
        assertEquals(1, pool.stats().restarts(), pool.stats().toString());
        closeAndWait(pool);
        assertEquals(1, pool.stats().completed(), pool.stats().toString());
        assertEquals(0, pool.stats().failed(), pool.stats().toString());
    }

    /** SIGSTOP: the job cannot finish; jobTimeout fails it and kills the stopped worker; the pool replaces it. */
    @Test
    void aStoppedWorkersJobTimesOutAndTheWorkerIsReplaced() throws Exception {
        Duration timeout = Duration.ofSeconds(3);
        ForkPool pool = build(pool(template(List.of())).max(2).load(1).jobTimeout(timeout));
        CompletableFuture<Object> stopped = pool.call("announce", "stopped", 1500); // well within the timeout, unless stopped
        long pid = awaitRunning("stopped");
        signal("STOP", pid);
        CompletableFuture<Object> other = pool.call("announce", "beside-the-stopped", 500);
        List<CompletableFuture<Object>> queued = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            queued.add(pool.call("echo", i));
        }
        Throwable t = failure(stopped, "the stopped job", pool);
        assertTrue(t instanceof TimeoutException, "a job past jobTimeout fails with a TimeoutException: " + t);
        assertTrue(t.getMessage().contains("jobTimeout") && t.getMessage().contains("killed"), t.getMessage());
        awaitGone(pid); // SIGKILL ends a stopped process too
        assertEquals("finished", result(other, "the job beside it", pool));
        for (int i = 0; i < queued.size(); i++) {
            assertEquals((Object) i, (Object) result(queued.get(i), "queued job " + i, pool));
        }
        assertEquals("after", result(pool.call("echo", "after"), "a later job", pool));
        closeAndWait(pool);
        assertEquals(1, pool.stats().failed(), pool.stats().toString());
        assertEquals(5, pool.stats().completed(), pool.stats().toString());
    }

    /** close() runs every accepted job: with a stopped worker, jobTimeout is what lets it end. */
    @Test
    void closeTerminatesWithAStoppedWorkerOnceItsJobTimesOut() throws Exception {
        Duration timeout = Duration.ofSeconds(2);
        ForkPool pool = build(pool(template(List.of())).max(1).load(1).jobTimeout(timeout));
        CompletableFuture<Object> stopped = pool.call("announce", "stopped-close", 1000);
        long pid = awaitRunning("stopped-close");
        signal("STOP", pid);
        CompletableFuture<Object> queued = pool.call("echo", "queued");
        pool.close();
        assertTrue(failure(stopped, "the stopped job", pool) instanceof TimeoutException);
        assertEquals("queued", result(queued, "the job queued before close()", pool), "close() runs the accepted jobs");
        assertTrue(pool.awaitTermination(TOLD_WITHIN), () -> "close() did not terminate: " + pool.stats() + threadDump());
        awaitGone(pid);
        assertEquals(1, pool.stats().completed(), pool.stats().toString());
        assertEquals(1, pool.stats().failed(), pool.stats().toString());
    }

    /** closeNow() with a stopped worker: killed, its job fails, the queued one is cancelled, the pool ends promptly. */
    @Test
    void closeNowTerminatesPromptlyWithAStoppedWorker() throws Exception {
        ForkPool pool = build(pool(template(List.of())).max(1).load(1).exitTimeout(Duration.ofSeconds(5)));
        CompletableFuture<Object> stopped = pool.call("announce", "stopped-closeNow", 60_000);
        long pid = awaitRunning("stopped-closeNow");
        signal("STOP", pid);
        CompletableFuture<Object> queued = pool.call("echo", "never");
        long start = System.nanoTime();
        pool.closeNow();
        assertTrue(pool.awaitTermination(TOLD_WITHIN), () -> "closeNow() did not terminate: " + pool.stats() + threadDump());
        long took = (System.nanoTime() - start) / 1_000_000;
        assertTrue(took < 5_000, "closeNow() took " + took + " ms with a stopped worker (SIGKILL ends it at once)");
        Throwable t = failure(stopped, "the stopped job", pool);
        assertTrue(t instanceof RpcException && t.getMessage().contains("killed by signal 9 (SIGKILL)"), "got " + t);
        assertTrue(failure(queued, "the queued job", pool) instanceof CancellationException);
        awaitGone(pid);
    }

    // ------------------------------------------------------------------ classes the worker lacks, events

    /** A registered class that exists in the parent only: the worker cannot start, and the failure names the class. */
    @Test
    void aPoolWithARegisteredClassMissingFromTheWorkerFailsJobsNamingIt(@TempDir Path dir) throws Exception {
        try (URLClassLoader loader = parentOnlyClass(dir)) {
            Class<?> payload = loader.loadClass(PARENT_ONLY);
            ForkPool pool = build(pool(template(List.of())).register(payload).max(1)
                    .restartBackoff(Duration.ofMillis(10), Duration.ofMillis(200)));
            List<CompletableFuture<Object>> jobs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                jobs.add(pool.call("echo", i));
            }
            for (int i = 0; i < jobs.size(); i++) {
                Throwable t = failure(jobs.get(i), "job " + i, pool);
                assertTrue(t instanceof RpcException && ((RpcException) t).kind() == RpcException.Kind.WORKER_LOST, "got " + t);
                String text = fullText(t);
                assertTrue(text.contains("ClassNotFoundException") && text.contains(PARENT_ONLY), text);
            }
            assertTrue(pool.stats().restarts() <= 3, "no restart loop: " + pool.stats());
            closeAndWait(pool);
            assertEquals(3, pool.stats().failed(), pool.stats().toString());
        }
    }

    @Test
    void anRpcClientWithARegisteredClassMissingFromTheWorkerFailsNamingIt(@TempDir Path dir) throws Exception {
        try (URLClassLoader loader = parentOnlyClass(dir)) {
            RpcClient rpc = rpc(template(List.of()), RpcOptions.builder().register(loader.loadClass(PARENT_ONLY)));
            Throwable t = failure(rpc.call("echo", 1), "a call", null);
            assertTrue(t instanceof RpcException && ((RpcException) t).kind() == RpcException.Kind.WORKER_LOST, "got " + t);
            String text = fullText(t);
            assertTrue(text.contains("ClassNotFoundException") && text.contains(PARENT_ONLY), text);
            assertTrue(text.contains("exited with code 70"), text);
        }
    }

    /**
     * An event the parent cannot decode is not silently lost: the pool's onError hears of it, or at
     * least it is logged as a warning (either will do); the job itself completes, the worker lives on.
     */
    @Test
    void aPoolEventThatCannotBeDecodedIsReportedAndItsJobCompletes() throws Exception {
        CompletableFuture<String> reported = new CompletableFuture<>();
        java.util.logging.Handler warnings = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                String text = r.getMessage() + " " + r.getThrown();
                if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue() && text.contains("cannot decode an event")) {
                    reported.complete("logged: " + text);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.addHandler(warnings);
        try {
            ForkPool pool = build(pool(template(List.of())).max(1).onError(e -> {
                onError.accept(e);
                if (e.getMessage().contains("cannot decode an event")) {
                    reported.complete("onError: " + e.getMessage());
                }
            }));
            assertEquals("answered after the event", result(pool.call("eventTrap", new Trap("parent-read", "throw")),
                    "the job that sent the event", pool));
            // the event was read, and failed to decode, before the job's answer: the report is due already
            try {
                reported.get(5, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                fail("an event that could not be decoded was dropped silently: neither the pool's onError nor a warning"
                        + " was told within 5 s (onError got " + errors + ")");
            }
            assertEquals("after", result(pool.call("echo", "after"), "a later job", pool));
            assertEquals(0, pool.stats().restarts(), pool.stats().toString());
            closeAndWait(pool);
        } finally {
            root.removeHandler(warnings);
        }
    }

    @Test
    void anRpcEventThatCannotBeDecodedIsReportedAndItsCallCompletes() throws Exception {
        RpcClient rpc = rpc(template(List.of()), RpcOptions.builder());
        assertEquals("answered after the event", result(rpc.call("eventTrap", new Trap("parent-read", "throw")),
                "the call that sent the event", null));
        awaitErrors(1, null, Duration.ofSeconds(5));
        assertTrue(errors.get(0).getMessage().contains("cannot decode an event"), errors.get(0).getMessage());
        assertEquals("after", result(rpc.call("echo", "after"), "a later call", null));
    }

    // ------------------------------------------------------------------ user callbacks that throw

    /**
     * concurrent.futures' test_done_callback_raises, for a pool: an onEvent handler, a job
     * future's callback and an onError handler that throw must not break the pool (they run on
     * its reader threads): later jobs run and the statistics add up.
     */
    @Test
    void callbacksThatThrowDoNotBreakThePool() throws Exception {
        AtomicInteger eventsSeen = new AtomicInteger();
        AtomicInteger errorsSeenHere = new AtomicInteger();
        ForkPool pool = build(ForkPool.builder(template(List.of()), CrashJobs.RUN).max(1).load(1).onEvent(e -> {
            events.accept(e);
            eventsSeen.incrementAndGet();
            throw new IllegalStateException("onEvent threw on purpose");
        }).onError(e -> {
            onError.accept(e);
            errorsSeenHere.incrementAndGet();
            throw new IllegalStateException("onError threw on purpose");
        }));
        CompletableFuture<Object> first = pool.call("announce", "callbacks", 10);
        CompletableFuture<Object> chained = first.thenApply(v -> {
            throw new IllegalStateException("a job's callback threw on purpose");
        });
        assertEquals("finished", result(first, "the job whose event handler threw", pool));
        assertTrue(failure(chained, "the throwing callback's own future", pool) instanceof IllegalStateException);
        assertEquals(1, eventsSeen.get());
        CompletableFuture<Object> victim = pool.call("announce", "callbacks-victim", 60_000);
        long pid = awaitRunning("callbacks-victim");
        assertTrue(ProcessHandle.of(pid).orElseThrow().destroyForcibly());
        assertTrue(failure(victim, "the killed job", pool) instanceof RpcException);
        awaitErrors(1, pool);
        assertEquals("after", result(pool.call("echo", "after"), "a job after the throwing callbacks", pool));
        closeAndWait(pool);
        assertEquals(2, pool.stats().completed(), pool.stats().toString());
        assertEquals(1, pool.stats().failed(), pool.stats().toString());
        assertEquals(1, errorsSeenHere.get());
    }

    // ------------------------------------------------------------------ soak

    /**
     * Random busy workers are SIGKILLed while thousands of jobs run: every job completes once (its
     * own id, or WORKER_LOST by SIGKILL), no job runs twice, the statistics add up, every killed
     * worker is replaced (a restart and an onError each), the pool terminates on close().
     */
    @Test
    void soakRandomWorkersAreKilledWhileThousandsOfJobsRun() throws Exception {
        Fork template = template(List.of());
        long templatePid = template.pid().orElseThrow();
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Map<Integer, AtomicInteger> starts = new ConcurrentHashMap<>();
        Set<Long> live = ConcurrentHashMap.newKeySet();
        Consumer<Object[]> soakEvents = e -> {
            if ("started".equals(e[0])) {
                long pid = ((Number) e[1]).longValue();
                starts.computeIfAbsent((Integer) e[2], k -> new AtomicInteger()).incrementAndGet();
                workerPids.add(pid);
                live.add(pid);
            }
        };
        ForkPool pool = build(ForkPool.builder(template, CrashJobs.RUN).max(4).load(2).onEvent(soakEvents).onError(onError));
        AtomicInteger kills = new AtomicInteger();
        ScheduledExecutorService killer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "crash-matrix-killer");
            t.setDaemon(true);
            return t;
        });
        Random killerRandom = new Random(seed + 1);
        killer.scheduleWithFixedDelay(() -> {
            List<Long> candidates = new ArrayList<>();
            for (long p : live) {
                if (childOf(p, templatePid)) {
                    candidates.add(p);
                } else {
                    live.remove(p);
                }
            }
            if (!candidates.isEmpty()) {
                long p = candidates.get(killerRandom.nextInt(candidates.size()));
                live.remove(p);
                if (ProcessHandle.of(p).map(ProcessHandle::destroyForcibly).orElse(false)) {
                    kills.incrementAndGet();
                }
            }
        }, 300, 400, TimeUnit.MILLISECONDS);
        List<CompletableFuture<Object>> jobs = new ArrayList<>();
        long end = System.nanoTime() + SOAK.toNanos();
        int window = 64; // jobs in the pool at once: the producer waits (bounded) for the oldest beyond it
        try {
            while (System.nanoTime() < end) {
                int id = jobs.size();
                if (id >= window) {
                    settle(jobs.get(id - window), "soak job " + (id - window), pool);
                }
                jobs.add(pool.call("soak", id, random.nextInt(30)));
            }
        } finally {
            killer.shutdownNow();
            assertTrue(killer.awaitTermination(TOLD_WITHIN.toMillis(), TimeUnit.MILLISECONDS));
        }
        closeAndWait(pool);
        int ok = 0;
        int lost = 0;
        List<String> wrong = new ArrayList<>();
        for (int id = 0; id < jobs.size(); id++) {
            Throwable t = settle(jobs.get(id), "soak job " + id, pool);
            int ran = starts.getOrDefault(id, new AtomicInteger()).get();
            if (ran > 1) {
                wrong.add("job " + id + " ran " + ran + " times");
            }
            if (t == null) {
                Object v = jobs.get(id).join();
                if (!Integer.valueOf(id).equals(v)) {
                    wrong.add("job " + id + " answered " + v);
                } else if (ran != 1) {
                    wrong.add("job " + id + " answered but its start was seen " + ran + " times");
                }
                ok++;
            } else if (t instanceof RpcException && ((RpcException) t).kind() == RpcException.Kind.WORKER_LOST
                    && t.getMessage().contains("killed by signal 9 (SIGKILL)")) {
                lost++;
            } else {
                wrong.add("job " + id + " failed with " + t);
            }
        }
        String summary = jobs.size() + " jobs, " + ok + " ok, " + lost + " lost, " + kills.get() + " kills (seed " + seed + "), "
                + pool.stats();
        System.err.println("[crash matrix soak] " + summary);
        assertTrue(wrong.isEmpty(), wrong.size() + " jobs went wrong, first: " + wrong.subList(0, Math.min(10, wrong.size()))
                + "; " + summary);
        assertTrue(jobs.size() >= 500, "hundreds of jobs at least: " + summary);
        assertTrue(kills.get() >= 10, "enough kills to mean something: " + summary);
        PoolStats s = pool.stats();
        assertEquals(jobs.size(), s.completed() + s.failed(), "completed + failed == submitted: " + summary);
        assertEquals(ok, s.completed(), summary);
        assertEquals(lost, s.failed(), summary);
        assertTrue(lost <= 2L * kills.get(), "a kill fails at most load (2) jobs: " + summary);
        assertEquals(kills.get(), s.restarts(), "each killed worker is one restart: " + summary);
        awaitErrors(kills.get(), pool);
        assertEquals(kills.get(), errors.size(), "onError once per killed worker: " + summary);
        assertEquals(0, s.workers(), summary);
    }

    // ------------------------------------------------------------------ set-up and clean-up

    private final List<Fork> templates = new CopyOnWriteArrayList<>();
    private final List<ForkPool> pools = new CopyOnWriteArrayList<>();
    private final List<RpcClient> clients = new CopyOnWriteArrayList<>();
    private final Set<Long> stoppedPids = ConcurrentHashMap.newKeySet();
    /** Every worker pid seen (events): each must be gone after the test. */
    private final Set<Long> workerPids = ConcurrentHashMap.newKeySet();
    /** "running" events: tag -> worker pid. */
    private final Map<String, CompletableFuture<Long>> running = new ConcurrentHashMap<>();
    /** "up" events (the ANNOUNCE init): worker pids. */
    private final BlockingQueue<Long> ups = new LinkedBlockingQueue<>();
    private final List<RpcException> errors = new CopyOnWriteArrayList<>();
    private final Semaphore errorsSeen = new Semaphore(0);

    private final Consumer<Object[]> events = e -> {
        if ("running".equals(e[0])) {
            long pid = ((Number) e[1]).longValue();
            workerPids.add(pid);
            running.computeIfAbsent((String) e[2], k -> new CompletableFuture<>()).complete(pid);
        } else if ("up".equals(e[0])) {
            long pid = ((Number) e[1]).longValue();
            workerPids.add(pid);
            ups.add(pid);
        }
    };

    private final Consumer<RpcException> onError = e -> {
        errors.add(e);
        errorsSeen.release();
    };

    private Fork template(List<String> jvmOptions, String... args) {
        JvmSpec spec = JvmSpec.builder().jvmOptions(jvmOptions.toArray(new String[0])).stderrLines(100).build();
        Fork t = Fork.newTemplate(spec).require("dev.jfork.pool.CrashJobs");
        if (args.length > 0) {
            t.sendArg(args);
        }
        templates.add(t);
        return t;
    }

    private ForkPool.Builder pool(Fork template) {
        return ForkPool.builder(template, CrashJobs.RUN).register(Trap.class).onEvent(events).onError(onError);
    }

    private ForkPool build(ForkPool.Builder b) {
        ForkPool p = b.build();
        pools.add(p);
        return p;
    }

    private RpcClient rpc(Fork template, RpcOptions.Builder options) {
        RpcClient c = Rpc.run(template.fork(), CrashJobs.RUN, options.register(Trap.class).onEvent(events).onError(onError).build());
        clients.add(c);
        return c;
    }

    @AfterEach
    void cleanUp() throws Exception {
        List<String> problems = new ArrayList<>();
        for (long pid : stoppedPids) {
            if (isAlive(pid)) {
                new ProcessBuilder("kill", "-CONT", String.valueOf(pid)).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
            }
        }
        for (ForkPool p : pools) {
            if (!p.terminated().isDone()) {
                p.closeNow();
                if (!p.awaitTermination(TOLD_WITHIN)) {
                    problems.add("a pool did not terminate after closeNow(): " + p.stats());
                }
            }
        }
        for (RpcClient c : clients) {
            c.close();
            try {
                c.terminated().get(TOLD_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                // it ended abnormally: that was the test's business
            } catch (TimeoutException e) {
                problems.add("an RPC client did not end after close(): " + c);
                c.kill();
            }
            c.fork().pidNow().ifPresent(workerPids::add);
        }
        Set<Long> left = new HashSet<>(workerPids);
        for (Fork t : templates) {
            OptionalLong pid = t.pidNow();
            pid.ifPresent(p -> ProcessHandle.of(p).ifPresent(h -> h.descendants().forEach(d -> left.add(d.pid()))));
            t.close();
            try {
                t.onExit().get(TOLD_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                problems.add("a template did not exit after close(): " + t);
            }
        }
        long deadline = System.nanoTime() + TOLD_WITHIN.toNanos();
        for (long pid : left) {
            Optional<ProcessHandle> h = ProcessHandle.of(pid);
            if (h.isPresent()) {
                try {
                    h.get().onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    problems.add("process " + pid + " still running after the test: " + h.get().info());
                    h.get().destroyForcibly();
                }
            }
        }
        try (var files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("jfork-crash-matrix-hs_err_"))
                    .collect(Collectors.toList())) {
                Files.deleteIfExists(f);
            }
        }
        assertTrue(problems.isEmpty(), "left behind: " + problems);
    }

    // ------------------------------------------------------------------ bounded waits

    private long awaitRunning(String tag) {
        return result(running.computeIfAbsent(tag, k -> new CompletableFuture<>()), "the \"running\" event of " + tag, null);
    }

    private long awaitUp(ForkPool pool) throws InterruptedException {
        Long pid = ups.poll(TOLD_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        if (pid == null) {
            fail("no worker came up within " + TOLD_WITHIN + ": " + pool.stats() + threadDump());
        }
        return pid;
    }

    private void awaitErrors(int n, ForkPool pool) throws InterruptedException {
        awaitErrors(n, pool, TOLD_WITHIN);
    }

    private void awaitErrors(int n, ForkPool pool, Duration within) throws InterruptedException {
        if (!errorsSeen.tryAcquire(n, within.toMillis(), TimeUnit.MILLISECONDS)) {
            fail("onError was told " + errors.size() + " times, not " + n + ", within " + within + ": " + errors
                    + (pool == null ? "" : "; " + pool.stats()));
        }
        errorsSeen.release(n); // they stay counted
    }

    private static void closeAndWait(ForkPool pool) throws InterruptedException {
        pool.close();
        assertTrue(pool.awaitTermination(TOLD_WITHIN), () -> "the pool did not terminate within " + TOLD_WITHIN + ": " + pool.stats()
                + threadDump());
    }

    @SuppressWarnings("unchecked")
    private static <T> T result(CompletableFuture<?> f, String what, ForkPool pool) {
        try {
            return (T) f.get(TOLD_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError(what + " failed: " + fullText(e.getCause()), e.getCause());
        } catch (CancellationException e) {
            throw new AssertionError(what + " was cancelled", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (TimeoutException e) {
            throw new AssertionError(what + ": no result within " + TOLD_WITHIN + (pool == null ? "" : ": " + pool.stats())
                    + threadDump());
        }
    }

    /** The exception a future fails with (a CancellationException if cancelled), within {@link #TOLD_WITHIN}. */
    private static Throwable failure(CompletableFuture<?> f, String what, ForkPool pool) {
        try {
            Object v = f.get(TOLD_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
            return fail(what + ": expected a failure, got " + v);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (CancellationException e) {
            return e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (TimeoutException e) {
            return fail(what + ": not told within " + TOLD_WITHIN + ": the caller hangs" + (pool == null ? "" : "; " + pool.stats())
                    + threadDump());
        }
    }

    /** Waits (bounded) for a future to complete either way: null for a result, else its exception. */
    private static Throwable settle(CompletableFuture<?> f, String what, ForkPool pool) {
        try {
            f.get(TOLD_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (CancellationException e) {
            return e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (TimeoutException e) {
            throw new AssertionError(what + " did not complete within " + TOLD_WITHIN + ": " + pool.stats() + threadDump());
        }
    }

    private static void awaitGone(long pid) {
        TestSupport.awaitGone(pid);
    }

    // ------------------------------------------------------------------ helpers

    private static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static boolean childOf(long pid, long parent) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).flatMap(ProcessHandle::parent).map(ProcessHandle::pid)
                .orElse(-1L) == parent;
    }

    private void signal(String name, long pid) throws Exception {
        if (name.equals("STOP")) {
            stoppedPids.add(pid);
        }
        Faults.signal(name, pid, TOLD_WITHIN);
    }

    static String fullText(Throwable e) {
        return Faults.fullText(e);
    }

    /** This JVM's threads and their stacks, for a failure that is a hang. */
    static String threadDump() {
        StringBuilder b = new StringBuilder("\n--- threads of the test JVM ---\n");
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            Thread t = e.getKey();
            b.append('"').append(t.getName()).append("\" ").append(t.isDaemon() ? "daemon " : "").append(t.getState()).append('\n');
            for (StackTraceElement s : e.getValue()) {
                b.append("    at ").append(s).append('\n');
            }
        }
        String dump = b.toString();
        System.err.println(dump);
        return dump;
    }

    /** The name of a class compiled at test time into a directory only the parent's class loader sees. */
    private static final String PARENT_ONLY = "crash.parentonly.Payload";

    private static URLClassLoader parentOnlyClass(Path dir) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assumeTrue(javac != null, "needs a JDK (javax.tools) to compile the parent-only class");
        Path src = dir.resolve("src/crash/parentonly/Payload.java");
        Files.createDirectories(src.getParent());
        Files.write(src, "package crash.parentonly; public class Payload { public int n; }\n".getBytes(StandardCharsets.UTF_8));
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes);
        assertEquals(0, javac.run(null, null, null, "-d", classes.toString(), src.toString()), "compiling " + src);
        return new URLClassLoader(new URL[] {classes.toUri().toURL()}, CrashMatrixTest.class.getClassLoader());
    }
}
