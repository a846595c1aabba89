package dev.jfork.pool;

import static dev.jfork.TestSupport.await;
import static dev.jfork.TestSupport.awaitGone;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.jfork.Fork;
import dev.jfork.JvmSpec;
import dev.jfork.TestSupport;
import dev.jfork.rpc.RpcException;

/** Pools schedule, shrink, bound, cancel, time out and recover as documented, and never hang. */
class ForkPoolTest {
    private static final String RUN = "dev.jfork.pool.PoolJobs.run";

    private Fork template;
    /** "running" events from announceAndSleep jobs: tag -> worker pid. */
    private final Map<String, CompletableFuture<Long>> running = new ConcurrentHashMap<>();

    @BeforeEach
    void template() {
        template = Fork.newTemplate(JvmSpec.defaults()).require("dev.jfork.pool.PoolJobs").sendArg("template-arg");
    }

    @AfterEach
    void closeTemplate() {
        template.close();
        await(template.onExit());
    }

    private final Set<Long> up = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.Semaphore upEvents = new java.util.concurrent.Semaphore(0);

    private ForkPool.Builder pool() {
        return ForkPool.builder(template, RUN).onEvent(e -> {
            if ("up".equals(e[0]) && up.add(((Number) e[1]).longValue())) {
                upEvents.release();
            }
            if ("running".equals(e[0])) {
                running.computeIfAbsent((String) e[2], k -> new CompletableFuture<>()).complete(((Number) e[1]).longValue());
            }
        });
    }

    private long awaitRunning(String tag) {
        return await(running.computeIfAbsent(tag, k -> new CompletableFuture<>()));
    }

    private static Throwable failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(TestSupport.DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
        return e.getCause();
    }

    private static void closeAndWait(ForkPool pool) throws InterruptedException {
        pool.close();
        assertTrue(pool.awaitTermination(TestSupport.DEADLINE), "the pool did not terminate: " + pool.stats());
    }

    /** t/01_basic.t: 30 jobs, workers retire at random, every job completes, then close. */
    @Test
    void thirtyJobsCompleteWhileWorkersRetireAtRandom() throws Exception {
        ForkPool pool = pool().init("dev.jfork.pool.PoolJobs.init").build();
        List<CompletableFuture<Integer>> jobs = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            jobs.add(pool.call("work", i));
        }
        for (CompletableFuture<Integer> j : jobs) {
            assertEquals(1, (int) await(j));
        }
        assertEquals("1:template-arg", await(pool.call("init")), "init saw the template's arguments, not the pool's");
        closeAndWait(pool);
        PoolStats s = pool.stats();
        assertEquals(31, s.completed());
        assertEquals(0, s.failed());
        assertEquals(0, s.workers());
        assertThrows(RejectedExecutionException.class, () -> pool.call("echo", "late"));
    }

    /** Not registered with the pool's serializer: a call with it cannot be encoded. */
    /** An argument that cannot be encoded: its serialization throws. */
    static final class Unencodable implements com.esotericsoftware.kryo.KryoSerializable {
        @Override
        public void write(com.esotericsoftware.kryo.Kryo kryo, com.esotericsoftware.kryo.io.Output output) {
            throw new IllegalStateException("cannot be encoded, on purpose");
        }

        @Override
        public void read(com.esotericsoftware.kryo.Kryo kryo, com.esotericsoftware.kryo.io.Input input) {
        }
    }

    /** Jobs whose calls fail at once (in the sending thread) fail one by one, not by recursion through the queue. */
    @Test
    void manyJobsThatCannotBeEncodedFailAndThePoolGoesOn() throws Exception {
        ForkPool pool = pool().max(1).load(2).build();
        int n = 20_000; // a recursion of ~8 frames per job would overflow any thread's stack
        List<CompletableFuture<Object>> bad = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            bad.add(pool.call("echo", new Unencodable()));
        }
        for (CompletableFuture<Object> f : bad) {
            Throwable t = failure(f);
            assertTrue(t instanceof RpcException && t.getMessage().contains("cannot encode"), String.valueOf(t));
        }
        assertEquals("fine", await(pool.call("echo", "fine")));
        closeAndWait(pool);
        assertEquals(n, pool.stats().failed());
        assertEquals(1, pool.stats().completed());
    }

    /** The Perl pool wedges here: max(1), its only worker is killed mid-job. */
    @Test
    void killedBusyWorkerFailsItsJobAndLaterJobsComplete() throws Exception {
        List<RpcException> errors = new ArrayList<>();
        ForkPool pool = pool().max(1).load(1).onError(errors::add).build();
        CompletableFuture<String> doomed = pool.call("announceAndSleep", "doomed", 60_000);
        CompletableFuture<String> next = pool.call("echo", "after");
        long pid = awaitRunning("doomed");
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        Throwable t = failure(doomed);
        assertTrue(t instanceof RpcException && ((RpcException) t).kind() == RpcException.Kind.WORKER_LOST, String.valueOf(t));
        assertEquals(9, ((RpcException) t).exit().orElseThrow().signal().orElse(-1), t.getMessage());
        assertEquals("after", await(next), "the queued job went to a replacement worker");
        assertEquals(1, pool.stats().restarts());
        closeAndWait(pool);
        assertEquals(1, errors.size());
    }

    /** onError runs outside the pool's bookkeeping: it may call the pool and wait for the answer. */
    @Test
    void onErrorMayCallThePoolAndWait() throws Exception {
        java.util.concurrent.atomic.AtomicReference<ForkPool> self = new java.util.concurrent.atomic.AtomicReference<>();
        CompletableFuture<String> fromOnError = new CompletableFuture<>();
        ForkPool pool = pool().max(1).load(1).onError(e -> {
            try {
                fromOnError.complete(self.get().<String>call("echo", "from onError").get(
                        TestSupport.DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
            } catch (Exception x) {
                fromOnError.completeExceptionally(x);
            }
        }).build();
        self.set(pool);
        CompletableFuture<String> doomed = pool.call("announceAndSleep", "onerror", 60_000);
        ProcessHandle.of(awaitRunning("onerror")).orElseThrow().destroyForcibly();
        failure(doomed);
        assertEquals("from onError", await(fromOnError));
        closeAndWait(pool);
    }

    @Test
    void jobExceptionFailsOnlyThatJob() throws Exception {
        ForkPool pool = pool().max(1).build();
        CompletableFuture<Object> bad = pool.call("fail");
        CompletableFuture<Object> good = pool.call("echo", "ok");
        Throwable t = failure(bad);
        assertTrue(t instanceof RpcException && ((RpcException) t).kind() == RpcException.Kind.REMOTE, String.valueOf(t));
        assertEquals("ok", await(good));
        assertEquals(0, pool.stats().restarts());
        closeAndWait(pool);
    }

    @Test
    void shrinksToIdleAfterABurstAndToZeroWithIdleZero() throws Exception {
        for (int idle : new int[] {1, 0}) {
            ForkPool pool = pool().max(3).load(1).idle(idle).start(Duration.ZERO).stop(Duration.ofMillis(200)).build();
            List<CompletableFuture<Long>> burst = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                burst.add(pool.call("sleep", 300));
            }
            Set<Long> pids = new HashSet<>();
            for (CompletableFuture<Long> f : burst) {
                pids.add(await(f));
            }
            assertEquals(3, pids.size(), "the burst used max workers");
            // all but `idle` of them stop on their own: wait for that many ends
            List<CompletableFuture<ProcessHandle>> ends = new ArrayList<>();
            for (long p : pids) {
                ends.add(ProcessHandle.of(p).map(ProcessHandle::onExit).orElse(CompletableFuture.completedFuture(null)));
            }
            awaitCompleted(ends, pids.size() - idle, () -> processStates(pids) + "; " + pool.stats());
            assertEquals(pids.size() - idle, countGone(pids), "workers beyond idle(" + idle + ") stopped");
            // a stopped worker is retired before its process ends; the pool may not have seen that end yet
            PoolStats s = pool.stats();
            assertEquals(idle, s.workers() - s.retiring(), s.toString());
            closeAndWait(pool);
        }
    }

    /**
     * Waits (with the deadline) until at least {@code n} of the futures have completed. Counted with
     * a latch: a loop over {@code CompletableFuture.anyOf(...).get(timeout)} missed completions of
     * {@code ProcessHandle.onExit()} futures here (all three completed at 300 ms, the wait timed out).
     */
    private static void awaitCompleted(List<? extends CompletableFuture<?>> futures, int n, Supplier<String> diagnosis)
            throws InterruptedException {
        long start = System.nanoTime();
        CountDownLatch done = new CountDownLatch(n);
        List<String> when = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < futures.size(); i++) {
            int k = i;
            futures.get(i).whenComplete((v, t) -> {
                when.add(k + "@" + (System.nanoTime() - start) / 1_000_000 + "ms");
                done.countDown();
            });
        }
        if (!done.await(TestSupport.DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("only " + when.size() + " of " + n + " completed within " + TestSupport.DEADLINE
                    + " (" + when + "): " + diagnosis.get());
        }
    }

    /** pid: state letter and parent from /proc (Z = a zombie nobody reaped), or "gone". */
    private static String processStates(Set<Long> pids) {
        StringBuilder b = new StringBuilder();
        for (long p : pids) {
            String state;
            try {
                String stat = new String(java.nio.file.Files.readAllBytes(java.nio.file.Paths.get("/proc/" + p + "/stat")),
                        java.nio.charset.StandardCharsets.UTF_8);
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                state = f[0] + " parent " + f[1];
            } catch (java.io.IOException e) {
                state = "gone";
            }
            b.append(p).append(": ").append(state).append("; ");
        }
        return b.toString();
    }

    private static int countGone(Set<Long> pids) {
        int gone = 0;
        for (long p : pids) {
            if (ProcessHandle.of(p).map(h -> !h.isAlive()).orElse(true)) {
                gone++;
            }
        }
        return gone;
    }

    @Test
    void fullQueueFailsAtOnceWithFailPolicy() throws Exception {
        ForkPool pool = pool().max(1).load(1).maxQueue(1, QueueFullPolicy.FAIL).build();
        CompletableFuture<String> busy = pool.call("announceAndSleep", "fail-policy", 500);
        awaitRunning("fail-policy");
        CompletableFuture<String> queued = pool.call("echo", "queued");
        RejectedExecutionException e = assertThrows(RejectedExecutionException.class, () -> pool.call("echo", "overflow"));
        assertTrue(e.getMessage().contains("queue is full"), e.getMessage());
        assertEquals("finished", await(busy));
        assertEquals("queued", await(queued));
        closeAndWait(pool);
    }

    @Test
    void fullQueueBlocksTheCallerWithBlockPolicy() throws Exception {
        ForkPool pool = pool().max(1).load(1).maxQueue(1, QueueFullPolicy.BLOCK).build();
        CompletableFuture<String> busy = pool.call("announceAndSleep", "block-policy", 500);
        awaitRunning("block-policy");
        CompletableFuture<String> queued = pool.call("echo", "queued");
        CompletableFuture<Boolean> busyDoneWhenAdmitted = CompletableFuture.supplyAsync(() -> {
            CompletableFuture<String> third = pool.call("echo", "third"); // blocks until the queue has room
            // the running job is counted before its queue slot is freed (its future may complete a moment later)
            boolean wasDone = pool.stats().completed() >= 1;
            assertEquals("third", await(third));
            return wasDone;
        });
        assertTrue(await(busyDoneWhenAdmitted), "the blocked caller got in only after the running job ended");
        assertEquals("queued", await(queued));
        closeAndWait(pool);
    }

    @Test
    void cancellingARunningJobKillsOnlyItsWorker() throws Exception {
        ForkPool pool = pool().max(2).load(1).start(Duration.ZERO).build();
        CompletableFuture<String> victim = pool.call("announceAndSleep", "victim", 60_000);
        CompletableFuture<String> other = pool.call("announceAndSleep", "other", 1000);
        long victimPid = awaitRunning("victim");
        long otherPid = awaitRunning("other");
        assertTrue(victim.cancel(true));
        awaitGone(victimPid);
        assertEquals("finished", await(other), "the other worker was not touched");
        assertTrue(ProcessHandle.of(otherPid).map(ProcessHandle::isAlive).orElse(false), "the other worker lives on");
        assertEquals("after", await(pool.call("echo", "after")));
        assertThrows(CancellationException.class, victim::join);
        closeAndWait(pool);
        assertEquals(1, pool.stats().failed());
    }

    @Test
    void cancellingAQueuedJobMeansItNeverRuns() throws Exception {
        ForkPool pool = pool().max(1).load(1).build();
        CompletableFuture<String> busy = pool.call("announceAndSleep", "first", 300);
        CompletableFuture<String> never = pool.call("announceAndSleep", "never", 0);
        awaitRunning("first");
        assertTrue(never.cancel(false));
        assertEquals("finished", await(busy));
        assertEquals("after", await(pool.call("echo", "after")));
        assertFalse(running.containsKey("never") && running.get("never").isDone(), "the cancelled job ran");
        closeAndWait(pool);
    }

    @Test
    void aJobPastItsTimeoutFailsAndItsWorkerIsReplaced() throws Exception {
        ForkPool pool = pool().max(1).load(1).jobTimeout(Duration.ofMillis(500)).build();
        CompletableFuture<String> slow = pool.call("announceAndSleep", "slow", 60_000);
        long pid = awaitRunning("slow");
        Throwable t = failure(slow);
        assertTrue(t instanceof TimeoutException, String.valueOf(t));
        awaitGone(pid);
        assertEquals("next", await(pool.call("echo", "next")));
        closeAndWait(pool);
    }

    @Test
    void maxJobsPerWorkerRecyclesWorkers() throws Exception {
        ForkPool pool = pool().max(1).load(1).maxJobsPerWorker(3).start(Duration.ZERO).build();
        List<Long> pids = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            pids.add(await(pool.call("pid")));
        }
        assertEquals(3, new HashSet<>(pids).size(), pids.toString());
        assertEquals(pids.get(0), pids.get(2));
        assertFalse(pids.get(2).equals(pids.get(3)));
        assertEquals(0, pool.stats().restarts(), "recycling is not a restart");
        closeAndWait(pool);
    }

    @Test
    void tenThousandJobsOverTwoWorkers() throws Exception {
        ForkPool pool = pool().max(2).load(2).start(Duration.ZERO).build();
        List<CompletableFuture<Object>> jobs = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            jobs.add(pool.call("echo", i));
        }
        for (int i = 0; i < jobs.size(); i++) {
            assertEquals(i, await(jobs.get(i)));
        }
        assertTrue(pool.stats().workers() <= 2);
        closeAndWait(pool);
        assertEquals(10_000, pool.stats().completed(), "counted once each (the counters settle just after the futures)");
    }

    @Test
    void closeNowFailsQueuedJobsAndKillsWorkers() throws Exception {
        ForkPool pool = pool().max(1).load(1).build();
        CompletableFuture<String> runningJob = pool.call("announceAndSleep", "closeNow", 60_000);
        CompletableFuture<String> queued = pool.call("echo", "queued");
        long pid = awaitRunning("closeNow");
        pool.closeNow();
        assertThrows(CancellationException.class, () -> queued.get(TestSupport.DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
        assertTrue(failure(runningJob) instanceof RpcException);
        assertTrue(pool.awaitTermination(TestSupport.DEADLINE));
        awaitGone(pid);
    }

    @Test
    void badInitFailsQueuedJobsInsteadOfHanging() throws Exception {
        ForkPool pool = pool().max(1).init("dev.jfork.pool.PoolJobs.noSuchInit").start(Duration.ZERO).build();
        Throwable t = failure(pool.call("echo", "x"));
        assertTrue(t instanceof RpcException, String.valueOf(t));
        assertTrue(t.getMessage().contains("noSuchInit"), t.getMessage());
        closeAndWait(pool);
    }

    @Test
    void explicitZeroIsHonoured() {
        ForkPool.Builder b = pool().idle(0).start(Duration.ZERO).stop(Duration.ZERO).maxJobsPerWorker(0);
        ForkPool pool = b.build();
        assertEquals(0, pool.stats().workers(), "idle(0): no worker before the first job");
        pool.close();
        assertTrue(pool.terminated().isDone() || await(pool.terminated()) == null);
        assertTrue(ForkPool.ncpu() >= 1);
    }

    @Test
    void idleWorkersAreStartedWithoutJobs() throws Exception {
        ForkPool pool = pool().max(4).idle(3).start(Duration.ZERO).init("dev.jfork.pool.PoolJobs.announce").build();
        assertTrue(upEvents.tryAcquire(3, TestSupport.DEADLINE.toMillis(), TimeUnit.MILLISECONDS), "3 idle workers came up");
        assertEquals(3, up.size());
        closeAndWait(pool);
    }

    @Test
    void closingTwiceAndThenNowIsFine() throws Exception {
        ForkPool pool = pool().max(1).maxQueue(10, QueueFullPolicy.BLOCK).build();
        CompletableFuture<String> job = pool.call("announceAndSleep", "twice", 60_000);
        awaitRunning("twice");
        pool.close();
        pool.close();
        pool.closeNow();
        assertTrue(failure(job) instanceof RpcException);
        assertTrue(pool.awaitTermination(TestSupport.DEADLINE));
        assertThrows(RejectedExecutionException.class, () -> pool.call("echo", "x"));
    }

    /** Callbacks run on reader threads while the pool is busy with that worker: calling the pool from them is fine. */
    @Test
    void callbacksMayCallThePool() throws Exception {
        ForkPool pool = pool().max(2).load(2).build();
        CompletableFuture<Integer> chain = CompletableFuture.completedFuture(0);
        for (int i = 0; i < 50; i++) {
            chain = chain.thenCompose(n -> {
                assertTrue(pool.stats().workers() <= 2);
                return pool.<Integer>call("echo", n + 1);
            });
        }
        assertEquals(50, (int) await(chain));
        closeAndWait(pool);
        assertEquals(50, pool.stats().completed());
    }

    @Test
    void callbacksNeverRunOnThePoolsSchedulerThread() throws Exception {
        ForkPool pool = pool().max(1).load(1).jobTimeout(Duration.ofMillis(300)).build();
        CompletableFuture<String> thread = pool.call("announceAndSleep", "slow-cb", 60_000)
                .handle((v, t) -> Thread.currentThread().getName());
        String name = await(thread);
        assertFalse(name.matches("jfork-pool-\\d+"), "a callback ran on the pool's scheduler thread: " + name);
        closeAndWait(pool);
    }

    @Test
    void aClosedTemplateFailsJobsInsteadOfHanging() throws Exception {
        ForkPool pool = pool().max(1).build();
        template.close();
        Throwable t = failure(pool.call("echo", "x"));
        assertTrue(t instanceof RpcException && t.getMessage().contains("cannot fork a pool worker"), String.valueOf(t));
        closeAndWait(pool);
    }

    @Test
    void aPoolOfAMethodReferenceWithTypedJobs() throws Exception {
        ForkPool pool = ForkPool.builder(template, PoolJobs::run).max(1).build();
        CompletableFuture<String> echoed = pool.call(String.class, "echo", "typed");
        assertEquals("typed", await(echoed));
        Throwable t = failure(pool.call(Long.class, "echo", "not a long"));
        assertTrue(t instanceof RpcException && ((RpcException) t).kind() == RpcException.Kind.LOCAL, String.valueOf(t));
        assertTrue(t.getMessage().contains("not the java.lang.Long asked for"), t.getMessage());
        assertEquals(1, pool.stats().failed());
        closeAndWait(pool);
    }

    @Test
    void aQueueOfZeroIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> pool().maxQueue(0, QueueFullPolicy.BLOCK));
    }
}
