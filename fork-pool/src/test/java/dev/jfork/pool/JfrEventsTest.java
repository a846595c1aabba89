package dev.jfork.pool;

import static dev.jfork.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

import org.junit.jupiter.api.Test;

import dev.jfork.Fork;
import dev.jfork.JvmSpec;
import dev.jfork.TestSupport;
import dev.jfork.rpc.RpcException;

/** Every pool job is a {@code dev.jfork.PoolJob} event: queue wait, run time, worker, function, outcome. */
class JfrEventsTest {
    private static final String RUN = "dev.jfork.pool.PoolJobs.run";
    private static final String POOL_JOB = "dev.jfork.PoolJob";

    /** "running" events from announceAndSleep jobs: tag -> worker pid. */
    private final Map<String, CompletableFuture<Long>> running = new ConcurrentHashMap<>();

    private long awaitRunning(String tag) {
        return await(running.computeIfAbsent(tag, k -> new CompletableFuture<>()));
    }

    private static Throwable failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(TestSupport.DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
        return e.getCause();
    }

    @Test
    void jobsAreRecordedWithQueueWaitRunTimeWorkerAndOutcome() throws Exception {
        Duration jobTimeout = Duration.ofSeconds(2);
        Path file = Files.createTempFile("jfork-pool", ".jfr");
        Fork template = Fork.newTemplate(JvmSpec.defaults()).require("dev.jfork.pool.PoolJobs");
        long first;
        long second;
        try (Recording r = new Recording()) {
            r.enable(POOL_JOB);
            r.enable("dev.jfork.RpcCall");
            r.start();
            ForkPool pool = ForkPool.builder(template, RUN).max(1).load(1).jobTimeout(jobTimeout).onEvent(e -> {
                if ("running".equals(e[0])) {
                    running.computeIfAbsent((String) e[2], k -> new CompletableFuture<>()).complete(((Number) e[1]).longValue());
                }
            }).build();
            first = await(pool.<Long>call("pid"));
            assertEquals(42, (int) await(pool.<Integer>call("echo", 42)));
            Throwable failed = failure(pool.call("fail"));
            assertTrue(failed instanceof RpcException && ((RpcException) failed).kind() == RpcException.Kind.REMOTE, String.valueOf(failed));
            CompletableFuture<Object> slow = pool.call("announceAndSleep", "slow", 60_000);
            assertEquals(first, awaitRunning("slow"));
            assertTrue(failure(slow) instanceof TimeoutException, "jobTimeout");
            // the worker was killed: its replacement runs the next one, which is cancelled while a job waits behind it
            CompletableFuture<Object> cancelled = pool.call("announceAndSleep", "cancelled", 60_000);
            second = awaitRunning("cancelled");
            assertFalse(second == first, "a new worker");
            CompletableFuture<Object> queued = pool.call("echo", "never sent");
            assertTrue(queued.cancel(false));
            assertTrue(cancelled.cancel(true)); // kills its worker
            pool.close();
            assertTrue(pool.awaitTermination(TestSupport.DEADLINE), "the pool did not terminate: " + pool.stats());
            assertTrue(queued.isCancelled() && cancelled.isCancelled());
            assertThrows(CancellationException.class, cancelled::join);
            r.stop();
            r.dump(file);
        } finally {
            template.close();
        }
        try {
            List<RecordedEvent> events = RecordingFile.readAllEvents(file);
            List<RecordedEvent> jobs = events.stream().filter(e -> e.getEventType().getName().equals(POOL_JOB))
                    .collect(Collectors.toList());
            assertEquals(List.of("ok " + first, "ok " + first, "failed " + first, "timeout " + first, "cancelled -1",
                    "cancelled " + second), jobs.stream().sorted((a, b) -> a.getEndTime().compareTo(b.getEndTime()))
                            .map(e -> e.getString("outcome") + " " + e.getLong("workerPid")).collect(Collectors.toList()),
                    jobs.toString());
            for (RecordedEvent e : jobs) {
                assertEquals(RUN, e.getString("function"));
                assertFalse(e.getDuration("queueWait").isNegative(), e.toString());
                assertFalse(e.getDuration("runTime").isNegative(), e.toString());
                assertFalse(e.getDuration().isNegative(), e.toString());
                assertTrue(e.getDuration("queueWait").plus(e.getDuration("runTime")).compareTo(e.getDuration().plusMillis(1)) <= 0,
                        "queue wait and run time within the event: " + e);
            }
            RecordedEvent timedOut = jobs.stream().filter(e -> "timeout".equals(e.getString("outcome"))).findFirst().orElseThrow();
            assertTrue(timedOut.getDuration("runTime").compareTo(jobTimeout) >= 0, "ran until its timeout: " + timedOut);
            RecordedEvent neverSent = jobs.stream().filter(e -> e.getLong("workerPid") == -1).findFirst().orElseThrow();
            assertTrue(neverSent.getDuration("runTime").isZero(), neverSent.toString());
            // the pool's calls to its workers are fork-rpc's events too
            List<RecordedEvent> calls = events.stream().filter(e -> e.getEventType().getName().equals("dev.jfork.RpcCall"))
                    .collect(Collectors.toList());
            assertTrue(calls.stream().anyMatch(e -> RUN.equals(e.getString("function")) && e.getLong("workerPid") == first
                    && "ok".equals(e.getString("outcome"))), calls.toString());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    static int answer() {
        return 42;
    }

    @Test
    void executorTasksAreJobsNamedAfterTheirClass() throws Exception {
        Path file = Files.createTempFile("jfork-pool", ".jfr");
        long pid;
        try (Recording r = new Recording()) {
            r.enable(POOL_JOB);
            r.start();
            try (ForkExecutor executor = ForkExecutor.create(1)) {
                assertEquals(42, (int) executor.submit(JfrEventsTest::answer).get(TestSupport.DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
                pid = executor.submit(() -> ProcessHandle.current().pid()).get(TestSupport.DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
                ExecutionException thrown = assertThrows(ExecutionException.class, () -> executor.submit(new Failing())
                        .get(TestSupport.DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
                assertTrue(thrown.getCause() instanceof IllegalStateException, String.valueOf(thrown.getCause()));
            }
            r.stop();
            r.dump(file);
        }
        try {
            List<RecordedEvent> jobs = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals(POOL_JOB))
                    .sorted((a, b) -> a.getEndTime().compareTo(b.getEndTime())).collect(Collectors.toList());
            assertEquals(3, jobs.size(), jobs.toString());
            String lambdas = JfrEventsTest.class.getName() + "$$Lambda";
            assertTrue(jobs.get(0).getString("function").startsWith(lambdas), jobs.get(0).toString());
            assertFalse(jobs.get(0).getString("function").contains("/"), "no hidden class suffix: " + jobs.get(0));
            assertEquals(Failing.class.getName(), jobs.get(2).getString("function"));
            assertEquals(List.of("ok", "ok", "failed"), jobs.stream().map(e -> e.getString("outcome")).collect(Collectors.toList()));
            for (RecordedEvent e : jobs) {
                assertEquals(pid, e.getLong("workerPid"), e.toString());
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** A task that throws in its worker. */
    static final class Failing implements ForkCallable<Object> {
        private static final long serialVersionUID = 1L;

        @Override
        public Object call() {
            throw new IllegalStateException("failed on purpose");
        }
    }
}
