package dev.jfork.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.Serializable;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.jfork.TestSupport;
import dev.jfork.rpc.RpcException;

/**
 * ForkExecutor under the ExecutorService contract, with tasks that are lambdas: they run in worker
 * processes, their results and exceptions come back, dead and cancelled workers are replaced.
 */
class ForkExecutorTest {
    private static final long WAIT_MS = TestSupport.DEADLINE.toMillis();

    /** Where running tasks say "I am running, as pid N" (a real socket: an event with a deadline). */
    private final ServerSocket signals;
    private final List<ForkExecutor> executors = new ArrayList<>();

    ForkExecutorTest() throws IOException {
        signals = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        signals.setSoTimeout((int) WAIT_MS);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (ForkExecutor e : executors) {
            e.shutdownNow();
            assertTrue(e.awaitTermination(WAIT_MS, TimeUnit.MILLISECONDS), "not terminated: " + e);
        }
        signals.close();
    }

    private ForkExecutor executor(ForkExecutor.Builder b) {
        ForkExecutor e = b.build();
        executors.add(e);
        return e;
    }

    static long fib(int n) {
        return n < 2 ? n : fib(n - 1) + fib(n - 2);
    }

    /** In a worker: tells the test it runs (and where), then sleeps. */
    static long announceAndSleep(int port, long millis) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeLong(ProcessHandle.current().pid());
            out.flush();
        }
        Thread.sleep(millis);
        return ProcessHandle.current().pid();
    }

    /** The pid a running task announced. */
    private long awaitRunning() throws IOException {
        try (Socket s = signals.accept()) {
            return new DataInputStream(s.getInputStream()).readLong();
        }
    }

    private static <T> T get(Future<T> f) throws Exception {
        return f.get(WAIT_MS, TimeUnit.MILLISECONDS);
    }

    private static Throwable causeOf(Future<?> f) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(WAIT_MS, TimeUnit.MILLISECONDS));
        return e.getCause();
    }

    /** A bad option fails build() before any JVM is started: nothing is left running. */
    @Test
    void aBadOptionStartsNothing() {
        // /proc start times have a 10 ms resolution: a child started from here on is not older than this
        java.time.Instant since = java.time.Instant.now().minusMillis(10);
        assertThrows(IllegalArgumentException.class, () -> ForkExecutor.builder().exitTimeout(java.time.Duration.ZERO).build());
        assertThrows(IllegalArgumentException.class, () -> ForkExecutor.builder().workers(1).idle(2).build());
        List<ProcessHandle> started = new ArrayList<>();
        ProcessHandle.current().children().filter(p -> p.info().startInstant().map(t -> !t.isBefore(since)).orElse(false))
                .forEach(started::add);
        assertEquals(List.of(), started, "a template was started for a bad option");
    }

    @Test
    void lambdasRunInWorkersAndTheirResultsComeBackTyped() throws Exception {
        ForkExecutor ex = executor(ForkExecutor.builder().workers(2));
        CompletableFuture<Long> f = ex.submit(() -> fib(20));
        long value = get(f);
        assertEquals(6765L, value);
        int base = 40;
        CompletableFuture<Integer> captured = ex.submit(() -> base + 2);
        assertEquals(42, (int) get(captured));
        long workerPid = get(ex.submit(() -> ProcessHandle.current().pid()));
        assertNotEquals(ProcessHandle.current().pid(), workerPid, "the task ran in another process");
        assertNull(get(ex.submit((ForkRunnable) () -> fib(5))));
        assertEquals("done", get(ex.submit((Runnable & Serializable) () -> fib(5), "done")));
    }

    private static void assertNull(Object o) {
        assertEquals(null, o);
    }

    @Test
    void aTaskThatCannotBeSerializedFailsAtSubmit() {
        ForkExecutor ex = executor(ForkExecutor.builder().workers(1));
        Object notSerializable = new Object();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ex.submit(() -> notSerializable.hashCode()));
        assertTrue(e.getMessage().contains("java.lang.Object") && e.getMessage().contains("not Serializable"), e.getMessage());
        Callable<Integer> plain = new Callable<Integer>() {
            @Override
            public Integer call() {
                return 1;
            }
        };
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> ex.submit(plain));
        assertTrue(e2.getMessage().contains("ForkCallable"), e2.getMessage());
    }

    @Test
    void aTasksExceptionComesBackAsItsOwnClassWithTheWorkersStackTrace() throws Exception {
        ForkExecutor ex = executor(ForkExecutor.builder().workers(1));
        Throwable t = causeOf(ex.submit(() -> {
            throw new IllegalStateException("boom in the worker");
        }));
        assertTrue(t instanceof IllegalStateException, String.valueOf(t));
        assertEquals("boom in the worker", t.getMessage());
        assertTrue(java.util.Arrays.stream(t.getStackTrace()).anyMatch(f -> f.getClassName().equals(TaskWorker.class.getName())),
                "the worker's stack trace: " + java.util.Arrays.toString(t.getStackTrace()));
    }

    /** A result type of the test's own that the task did not send. */
    public static final class Answer implements Serializable {
        private static final long serialVersionUID = 1L;
        final int value;

        Answer(int value) {
            this.value = value;
        }
    }

    /** An exception class of the test's own. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    @Test
    void aWorkerCannotMakeTheParentInstantiateAClassItDidNotAllow() throws Exception {
        ForkExecutor strict = executor(ForkExecutor.builder().workers(1));
        Throwable t = causeOf(strict.submit(() -> new Answer(7)));
        assertTrue(t instanceof InvalidClassException && t.getMessage().contains("ForkExecutor.Builder.allow"), String.valueOf(t));
        Throwable thrown = causeOf(strict.submit(() -> {
            throw new Refused("not allowed here");
        }));
        assertFalse(thrown instanceof Refused, "an exception class nobody allowed is not instantiated");
        assertTrue(thrown.toString().contains(Refused.class.getName()) && thrown.toString().contains("not allowed here"), thrown.toString());
        ForkExecutor allowing = executor(ForkExecutor.builder().workers(1).allow(Answer.class).allow(Refused.class.getName()));
        assertEquals(7, get(allowing.submit(() -> new Answer(7))).value);
        assertTrue(causeOf(allowing.submit(() -> {
            throw new Refused("allowed");
        })) instanceof Refused);
        Answer sent = new Answer(3);
        assertEquals(4, get(strict.submit(() -> new Answer(sent.value + 1))).value, "a class the parent sent comes back");
    }

    @Test
    void aResultThatCannotBeSerializedFailsItsTask() throws Exception {
        ForkExecutor ex = executor(ForkExecutor.builder().workers(1));
        Throwable t = causeOf(ex.submit(() -> new Object()));
        assertTrue(t.getMessage().contains("result") && t.getMessage().contains("not Serializable"), String.valueOf(t));
        assertEquals(2, (int) get(ex.submit(() -> 2)), "the worker lives on");
    }

    @Test
    void invokeAllKeepsTheOrderOfTheTasks() throws Exception {
        ForkExecutor ex = executor(ForkExecutor.builder().workers(2));
        List<ForkCallable<Integer>> tasks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int n = i;
            tasks.add(() -> {
                Thread.sleep((6 - n) * 20L); // later tasks finish first
                return n;
            });
        }
        List<Future<Integer>> futures = ex.invokeAll(tasks);
        for (int i = 0; i < 6; i++) {
            assertTrue(futures.get(i).isDone());
            assertEquals(i, (int) futures.get(i).get());
        }
    }

    @Test
    void invokeAnyGivesOneResultOrTheFailure() throws Exception {
        ForkExecutor ex = executor(ForkExecutor.builder().workers(2));
        List<ForkCallable<String>> tasks = List.of(() -> "a", () -> "b");
        String one = ex.invokeAny(tasks);
        assertTrue(one.equals("a") || one.equals("b"), one);
        List<ForkCallable<String>> failing = List.of(() -> {
            throw new IllegalArgumentException("no luck");
        });
        ExecutionException e = assertThrows(ExecutionException.class, () -> ex.invokeAny(failing));
        assertTrue(e.getCause() instanceof IllegalArgumentException, String.valueOf(e.getCause()));
    }

    @Test
    void aWorkerThatDiesFailsOnlyItsTaskAndIsReplaced() throws Exception {
        ForkExecutor ex = executor(ForkExecutor.builder().workers(1));
        Throwable t = causeOf(ex.submit(() -> {
            Runtime.getRuntime().halt(9);
            return 0;
        }));
        assertTrue(t instanceof RpcException && t.getMessage().contains("exited with code 9"), String.valueOf(t));
        assertEquals(3, (int) get(ex.submit(() -> 3)));
        assertEquals(1, ex.stats().restarts());
    }

    @Test
    void cancelOfARunningTaskEndsItsWorkerAndTheNextTaskRunsOnANewOne() throws Exception {
        ForkExecutor ex = executor(ForkExecutor.builder().workers(1));
        int port = signals.getLocalPort();
        CompletableFuture<Long> slow = ex.submit(() -> announceAndSleep(port, 60_000));
        long pid = awaitRunning();
        assertTrue(slow.cancel(true));
        assertThrows(CancellationException.class, slow::join);
        TestSupport.awaitGone(pid);
        long next = get(ex.submit(() -> ProcessHandle.current().pid()));
        assertNotEquals(pid, next);
    }

    @Test
    void shutdownNowKillsTheRunningAndReturnsTheTasksNotStarted() throws Exception {
        ForkExecutor ex = executor(ForkExecutor.builder().workers(1));
        int port = signals.getLocalPort();
        CompletableFuture<Long> running = ex.submit(() -> announceAndSleep(port, 60_000));
        List<Future<Integer>> queued = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int n = i;
            queued.add(ex.submit(() -> n));
        }
        long pid = awaitRunning();
        List<Runnable> notStarted = ex.shutdownNow();
        assertEquals(3, notStarted.size(), "the three queued tasks");
        assertTrue(ex.isShutdown());
        assertTrue(ex.awaitTermination(WAIT_MS, TimeUnit.MILLISECONDS));
        assertTrue(ex.isTerminated());
        Throwable t = causeOf(running);
        assertTrue(t instanceof RpcException, String.valueOf(t));
        TestSupport.awaitGone(pid);
        for (Future<Integer> f : queued) {
            assertThrows(CancellationException.class, () -> f.get(WAIT_MS, TimeUnit.MILLISECONDS));
        }
        assertThrows(RejectedExecutionException.class, () -> ex.submit(() -> 1));
    }

    @Test
    void closeWaitsForEverySubmittedTask() throws Exception {
        ForkExecutor ex = ForkExecutor.builder().workers(2).build();
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            futures.add(ex.submit(() -> fib(22)));
        }
        ex.close();
        assertTrue(ex.isTerminated());
        for (CompletableFuture<Long> f : futures) {
            assertEquals(17711L, (long) f.getNow(-1L));
        }
    }
}
