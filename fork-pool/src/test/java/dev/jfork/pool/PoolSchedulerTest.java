package dev.jfork.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

import dev.jfork.rpc.RpcException;

/**
 * The pool's scheduling policy alone: a fake clock (time moves only when the test says), fake
 * workers (they answer when the test says), no processes, no threads. Every expectation is about
 * what the policy decides and when.
 */
class PoolSchedulerTest {
    private static final long MS = 1_000_000L;

    /** Time, timers and "other threads" that run only when the test lets them. */
    static class FakeRuntime implements PoolRuntime {
        long now = 1_000 * MS;
        private long seq;
        private final PriorityQueue<long[]> due = new PriorityQueue<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        private final java.util.Map<Long, Runnable> timers = new java.util.HashMap<>();
        private final ArrayDeque<Runnable> soon = new ArrayDeque<>();
        final List<FakeWorker> started = new ArrayList<>();
        final List<Long> startTimes = new ArrayList<>();
        boolean canStart = true;
        boolean failStart;
        /** What the pool asked of its template's spares, in order. */
        final List<Integer> spares = new ArrayList<>();
        boolean refuseSpares;

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public Cancellable schedule(long delayNanos, Runnable task) {
            long id = seq++;
            due.add(new long[] {now + delayNanos, id});
            timers.put(id, task);
            return () -> timers.remove(id);
        }

        @Override
        public void execute(Runnable task) {
            soon.add(task);
        }

        @Override
        public Worker startWorker(int id, WorkerEvents events) {
            if (failStart) {
                throw new IllegalStateException("the template was closed");
            }
            FakeWorker w = new FakeWorker(id, events);
            started.add(w);
            startTimes.add(now);
            return w;
        }

        @Override
        public boolean canStartWorkers() {
            return canStart;
        }

        @Override
        public void keepSpares(int count) {
            spares.add(count);
            if (refuseSpares) {
                throw new IllegalStateException("keepSpares: this Fork was closed");
            }
        }

        /** Runs what was handed to "other threads", until nothing is left. */
        void settle() {
            Runnable r;
            while ((r = soon.pollFirst()) != null) {
                r.run();
            }
        }

        /** Moves time on, firing due timers in order, and settles. */
        void advance(long nanos) {
            long until = now + nanos;
            settle();
            while (!due.isEmpty() && due.peek()[0] <= until) {
                long[] t = due.poll();
                now = Math.max(now, t[0]);
                Runnable task = timers.remove(t[1]);
                if (task != null) {
                    task.run();
                }
                settle();
            }
            now = until;
        }
    }

    /** A worker whose answers, readiness and end the test decides. */
    static class FakeWorker implements PoolRuntime.Worker {
        final int id;
        final PoolRuntime.WorkerEvents events;
        final ArrayDeque<CompletableFuture<Object>> calls = new ArrayDeque<>();
        final List<Object[]> args = new ArrayList<>();
        final CompletableFuture<Void> terminated = new CompletableFuture<>();
        boolean closed;
        boolean killed;

        FakeWorker(int id, PoolRuntime.WorkerEvents events) {
            this.id = id;
            this.events = events;
        }

        @Override
        public CompletableFuture<Object> call(Object[] a, Class<?> resultType) {
            CompletableFuture<Object> f = new CompletableFuture<>();
            if (terminated.isDone()) {
                f.completeExceptionally(lost("gone"));
                return f;
            }
            calls.add(f);
            args.add(a);
            return f;
        }

        @Override
        public void close() {
            closed = true;
            if (calls.isEmpty()) {
                terminated.complete(null);
            }
        }

        @Override
        public void kill() {
            killed = true;
            die("killed by signal 9 (SIGKILL)");
        }

        void die(String why) {
            RpcException e = lost(why);
            for (CompletableFuture<Object> c : calls) {
                c.completeExceptionally(e);
            }
            calls.clear();
            terminated.completeExceptionally(e);
        }

        /** Answers the oldest call. */
        void answer(Object value) {
            calls.removeFirst().complete(value);
            if (closed && calls.isEmpty()) {
                terminated.complete(null);
            }
        }

        @Override
        public CompletableFuture<Void> terminated() {
            return terminated;
        }

        @Override
        public long pid() {
            return 1000 + id;
        }
    }

    static RpcException lost(String why) {
        return new RpcException(RpcException.Kind.WORKER_LOST, "worker ended: " + why, null, List.of(), null);
    }

    private final FakeRuntime rt = new FakeRuntime();

    private PoolScheduler scheduler(ForkPool.Builder b) {
        PoolScheduler s = new PoolScheduler(b, rt);
        rt.settle();
        return s;
    }

    private static Throwable failure(CompletableFuture<?> f) {
        assertTrue(f.isDone(), "not done");
        try {
            f.join();
            throw new AssertionError("expected a failure");
        } catch (CompletionException | CancellationException e) {
            return e instanceof CompletionException ? e.getCause() : e;
        }
    }

    @Test
    void jobsGoToTheLeastLoadedReadyWorkerAndWorkersStartOnePerStartDelay() {
        PoolScheduler s = scheduler(builder().max(2).load(2).start(Duration.ofMillis(100)));
        List<CompletableFuture<Object>> jobs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            jobs.add(s.submit(new Object[] {i}));
        }
        rt.settle();
        assertEquals(1, rt.started.size(), "one worker at once");
        rt.advance(99 * MS);
        assertEquals(1, rt.started.size(), "the next only after the start delay");
        rt.advance(1 * MS);
        assertEquals(2, rt.started.size());
        assertEquals(List.of(1000 * MS, 1100 * MS), rt.startTimes);
        FakeWorker a = rt.started.get(0);
        FakeWorker b = rt.started.get(1);
        a.events.ready();
        rt.settle();
        assertEquals(2, a.calls.size(), "load 2: two jobs in flight on a");
        b.events.ready();
        rt.settle();
        assertEquals(2, b.calls.size());
        assertEquals(1, s.stats().queued());
        a.answer("r0");
        rt.settle();
        assertEquals("r0", jobs.get(0).join());
        assertEquals(2, a.calls.size(), "the queued job goes to the worker that has room");
        assertEquals(4, a.args.get(2)[0]);
        assertEquals(0, s.stats().queued());
    }

    /** Options only: the fake runtime starts no processes, so there is no template. */
    private static ForkPool.Builder builder() {
        return new ForkPool.Builder(null, "x.Y.z");
    }

    @Test
    void workersBeyondIdleStopAfterTheStopDelay() {
        PoolScheduler s = scheduler(builder().max(2).idle(1).load(1).start(Duration.ZERO).stop(Duration.ofSeconds(10)));
        assertEquals(1, rt.started.size(), "idle(1): one worker kept from the start");
        rt.started.get(0).events.ready();
        rt.settle();
        CompletableFuture<Object> j1 = s.submit(new Object[] {1});
        CompletableFuture<Object> j2 = s.submit(new Object[] {2});
        rt.settle();
        assertEquals(2, rt.started.size());
        FakeWorker second = rt.started.get(1);
        second.events.ready();
        rt.settle();
        rt.started.get(0).answer("a");
        second.answer("b");
        rt.settle();
        assertEquals("a", j1.join());
        assertEquals("b", j2.join());
        rt.advance(9_999 * MS);
        assertFalse(rt.started.get(0).closed || second.closed, "nothing stops before the stop delay");
        rt.advance(1 * MS);
        assertTrue(rt.started.get(0).closed ^ second.closed, "exactly the surplus worker is retired");
        rt.settle();
        assertEquals(1, s.stats().workers());
    }

    @Test
    void failedStartsBackOffAndThenFailTheQueuedJobs() {
        PoolScheduler s = scheduler(builder().max(1).start(Duration.ofMillis(10)).maxStartFailures(3)
                .restartBackoff(Duration.ofMillis(100), Duration.ofMillis(250)));
        CompletableFuture<Object> job = s.submit(new Object[] {1});
        rt.settle();
        for (int attempt = 0; attempt < 3; attempt++) {
            if (attempt > 0) {
                stepUntilStarted(attempt + 1);
            }
            rt.started.get(attempt).die("exited with code 70 during init"); // as soon as it was started
            rt.settle();
        }
        rt.advance(1_000 * MS);
        assertEquals(3, rt.started.size(), "maxStartFailures(3): the queue failed, nothing more is started");
        // 0, then +100 ms (first backoff), then +200 ms: doubling, never faster
        assertEquals(List.of(1000 * MS, 1100 * MS, 1300 * MS), rt.startTimes);
        assertTrue(failure(job).getMessage().contains("exited with code 70 during init"), String.valueOf(failure(job)));
        assertEquals(3, s.stats().restarts());
        // a later job tries again, after the capped backoff
        CompletableFuture<Object> later = s.submit(new Object[] {2});
        rt.settle();
        assertEquals(4, rt.started.size(), "the capped backoff (250 ms) has long passed");
        assertEquals(2300 * MS, (long) rt.startTimes.get(3));
        rt.started.get(3).events.ready();
        rt.settle();
        rt.started.get(3).answer("ok");
        rt.settle();
        assertEquals("ok", later.join());
    }

    /** Moves time on a millisecond at a time until {@code n} workers have been started. */
    private void stepUntilStarted(int n) {
        for (int i = 0; i < 100_000 && rt.started.size() < n; i++) {
            rt.advance(MS);
        }
        assertEquals(n, rt.started.size());
    }

    @Test
    void aGoneTemplateFailsQueuedAndLaterJobsAtOnceAndCallsOnErrorFirst() {
        List<String> order = new ArrayList<>();
        PoolScheduler s = scheduler(builder().max(2).onError(e -> order.add("onError")));
        CompletableFuture<Object> job = s.submit(new Object[] {1});
        job.whenComplete((v, t) -> order.add("job failed"));
        rt.settle();
        rt.canStart = false;
        rt.started.get(0).die("the template process 42 ended before starting this fork");
        rt.settle();
        assertEquals(List.of("onError", "job failed"), order);
        CompletableFuture<Object> later = s.submit(new Object[] {2});
        rt.settle();
        assertTrue(failure(later).getMessage().contains("the template process 42 ended"), String.valueOf(failure(later)));
        assertEquals(1, rt.started.size(), "no worker is started for a template that is gone");
    }

    @Test
    void aJobPastItsTimeoutFailsAndItsWorkerIsKilledAndReplaced() {
        PoolScheduler s = scheduler(builder().max(1).load(1).start(Duration.ZERO).jobTimeout(Duration.ofSeconds(5)));
        CompletableFuture<Object> slow = s.submit(new Object[] {"slow"});
        CompletableFuture<Object> next = s.submit(new Object[] {"next"});
        rt.settle();
        FakeWorker w = rt.started.get(0);
        w.events.ready();
        rt.settle();
        rt.advance(4_999 * MS);
        assertFalse(slow.isDone());
        rt.advance(1 * MS);
        assertTrue(failure(slow) instanceof TimeoutException, String.valueOf(failure(slow)));
        assertTrue(w.killed);
        assertEquals(2, rt.started.size(), "a replacement for the queued job");
        rt.started.get(1).events.ready();
        rt.settle();
        rt.started.get(1).answer("done");
        rt.settle();
        assertEquals("done", next.join());
        assertEquals(1, s.stats().completed());
        assertEquals(1, s.stats().failed());
    }

    /**
     * RpcClient.terminated() returns a new copy per call, each a dependent that the client's own
     * future keeps until the worker ends: the pool asks for it once per worker, not once per job
     * (it did per dispatch, and a long-running pool kept two objects per job per worker).
     */
    @Test
    void aWorkersEndIsAskedForOncePerWorkerNotPerJob() {
        FakeRuntime copying = new FakeRuntime() {
            @Override
            public Worker startWorker(int id, WorkerEvents events) {
                FakeWorker w = new FakeWorker(id, events) {
                    @Override
                    public CompletableFuture<Void> terminated() {
                        return terminated.copy();
                    }
                };
                started.add(w);
                startTimes.add(now);
                return w;
            }
        };
        PoolScheduler s = new PoolScheduler(builder().max(1).load(2), copying);
        List<CompletableFuture<Object>> jobs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            jobs.add(s.submit(new Object[] {i}));
        }
        copying.settle();
        FakeWorker w = copying.started.get(0);
        w.events.ready();
        copying.settle();
        for (int i = 0; i < 1000; i++) {
            w.answer(i);
            copying.settle();
        }
        assertEquals(999, jobs.get(999).join());
        assertEquals(1000, s.stats().completed());
        assertTrue(w.terminated.getNumberOfDependents() <= 1, "dependents of the worker's end after 1000 jobs: "
                + w.terminated.getNumberOfDependents());
    }

    @Test
    void aJobPastItsTimeoutFailsWhileItsWorkerStaysBusyWithLaterJobs() {
        // one timer per worker, for its oldest job: a job sent later times out at its own deadline
        PoolScheduler s = scheduler(builder().max(1).load(2).start(Duration.ZERO).jobTimeout(Duration.ofSeconds(5)));
        CompletableFuture<Object> first = s.submit(new Object[] {"first"});
        rt.settle();
        FakeWorker w = rt.started.get(0);
        w.events.ready();
        rt.settle();
        rt.advance(3_000 * MS);
        CompletableFuture<Object> second = s.submit(new Object[] {"second"});
        rt.settle();
        rt.advance(1_000 * MS);
        w.answer("a"); // the first job, 4 s after it was sent
        rt.settle();
        assertEquals("a", first.join());
        rt.advance(3_999 * MS);
        assertFalse(second.isDone(), "the second job was sent 4.999 s ago");
        assertFalse(w.killed);
        rt.advance(1 * MS);
        assertTrue(failure(second) instanceof TimeoutException, String.valueOf(failure(second)));
        assertTrue(w.killed);
        assertEquals(1, s.stats().completed());
        assertEquals(1, s.stats().failed());
    }

    @Test
    void aJobTimeoutSetsATimerPerBusyWorkerNotPerJob() {
        // idle(1): the worker is kept when it has nothing to do, so no stop timer is set either
        PoolScheduler s = scheduler(builder().max(1).idle(1).load(2).start(Duration.ZERO).jobTimeout(Duration.ofSeconds(5)));
        List<CompletableFuture<Object>> jobs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            jobs.add(s.submit(new Object[] {i}));
        }
        rt.settle();
        FakeWorker w = rt.started.get(0);
        w.events.ready();
        rt.settle();
        long timersBefore = rt.seq;
        for (int i = 0; i < 1000; i++) {
            rt.advance(MS); // 1 s of jobs: the timer fires never, or set once more
            w.answer(i);
            rt.settle();
        }
        assertEquals(999, jobs.get(999).join());
        assertFalse(w.killed);
        assertTrue(rt.seq - timersBefore <= 2, (rt.seq - timersBefore) + " timers set for 1000 jobs");
        assertTrue(rt.timers.isEmpty(), "a worker with nothing to run has no timer: " + rt.timers.size());
    }

    @Test
    void closeNowKillsTheWorkersFailsTheQueueAndTerminates() {
        PoolScheduler s = scheduler(builder().max(1).load(1));
        CompletableFuture<Object> running = s.submit(new Object[] {1});
        CompletableFuture<Object> queued = s.submit(new Object[] {2});
        rt.settle();
        FakeWorker w = rt.started.get(0);
        w.events.ready();
        rt.settle();
        s.shutdown(true);
        rt.settle();
        assertTrue(w.killed);
        assertTrue(failure(queued) instanceof CancellationException, String.valueOf(failure(queued)));
        assertTrue(failure(running) instanceof RpcException, String.valueOf(failure(running)));
        assertTrue(s.terminated().isDone(), "a killed worker that ends lets the pool terminate at once");
    }

    @Test
    void closeNowGivesUpOnAWorkerThatDoesNotEnd() {
        FakeRuntime hanging = new FakeRuntime() {
            @Override
            public Worker startWorker(int id, WorkerEvents events) {
                FakeWorker w = new FakeWorker(id, events) {
                    @Override
                    public void kill() {
                        killed = true; // never ends
                    }
                };
                started.add(w);
                startTimes.add(now);
                return w;
            }
        };
        PoolScheduler s = new PoolScheduler(builder().max(1).exitTimeout(Duration.ofSeconds(3)), hanging);
        CompletableFuture<Object> job = s.submit(new Object[] {1});
        hanging.settle();
        s.shutdown(true);
        hanging.settle();
        assertFalse(s.terminated().isDone());
        hanging.advance(2_999 * MS);
        assertFalse(s.terminated().isDone(), "not before the exit timeout");
        hanging.advance(1 * MS);
        assertTrue(s.terminated().isDone(), "terminated at the exit timeout: " + s.stats());
        assertTrue(job.isDone());
    }

    @Test
    void aTemplateThatCannotForkFailsJobsWithTheReason() {
        rt.failStart = true;
        rt.canStart = false;
        PoolScheduler s = scheduler(builder().max(1));
        CompletableFuture<Object> job = s.submit(new Object[] {1});
        rt.settle();
        assertTrue(failure(job).getMessage().contains("cannot fork a pool worker: the template was closed"), String.valueOf(failure(job)));
        s.shutdown(false);
        rt.settle();
        assertTrue(s.terminated().isDone());
        assertEquals(1, s.stats().failed());
    }

    @Test
    void thePoolAsksItsTemplateForTheSparesItMayStillStartWorkersFrom() {
        PoolScheduler s = scheduler(builder().max(4).load(1).start(Duration.ZERO));
        assertEquals(List.of(4), rt.spares, "built: max");
        List<CompletableFuture<Object>> jobs = new ArrayList<>();
        jobs.add(s.submit(new Object[] {0}));
        rt.settle();
        assertEquals(List.of(4, 3), rt.spares, "one worker starting");
        jobs.add(s.submit(new Object[] {1}));
        jobs.add(s.submit(new Object[] {2}));
        rt.settle();
        assertEquals(3, rt.started.size());
        assertEquals(List.of(4, 3, 2, 1), rt.spares, "three workers starting");
        for (FakeWorker w : rt.started) {
            w.events.ready();
        }
        rt.settle();
        for (FakeWorker w : rt.started) {
            w.answer("done " + w.id);
        }
        rt.settle();
        for (CompletableFuture<Object> j : jobs) {
            assertTrue(j.isDone());
        }
        assertEquals(List.of(4, 3, 2, 1), rt.spares, "jobs that start no worker and end none ask nothing");
        rt.started.get(2).die("killed by signal 9 (SIGKILL)");
        rt.settle();
        assertEquals(List.of(4, 3, 2, 1, 2), rt.spares, "a worker gone: one more may be started");
        s.shutdown(false);
        rt.settle();
        assertTrue(s.terminated().isDone(), s.stats().toString());
        assertEquals(List.of(4, 3, 2, 1, 2, 0), rt.spares, "closed: none, and nothing more as its workers end");
    }

    @Test
    void aTemplateThatRefusesToKeepSparesDisturbsNothing() {
        rt.refuseSpares = true; // a closed template: Fork.keepSpares throws IllegalStateException
        PoolScheduler s = scheduler(builder().max(2).load(1).start(Duration.ZERO));
        CompletableFuture<Object> job = s.submit(new Object[] {1});
        rt.settle();
        rt.started.get(0).events.ready();
        rt.settle();
        rt.started.get(0).answer("r");
        rt.settle();
        assertEquals("r", job.join());
        s.shutdown(false);
        rt.settle();
        assertTrue(s.terminated().isDone());
        assertEquals(List.of(2, 1, 0), rt.spares);
    }

    /** The outcomes of dev.jfork.PoolJob that need a clock: a timeout, a cancel of a running and of a queued job. */
    @Test
    void jobEventsSayHowEachJobEnded() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("jfork-pool", ".jfr");
        try (jdk.jfr.Recording r = new jdk.jfr.Recording()) {
            r.enable("dev.jfork.PoolJob");
            r.start();
            PoolScheduler s = scheduler(builder().max(1).load(1).start(Duration.ZERO).jobTimeout(Duration.ofSeconds(5)));
            CompletableFuture<Object> slow = s.submit(new Object[] {"slow"});
            CompletableFuture<Object> next = s.submit(new Object[] {"next"});
            CompletableFuture<Object> queued = s.submit(new Object[] {"queued"});
            rt.settle();
            FakeWorker w = rt.started.get(0);
            w.events.ready();
            rt.settle();
            assertTrue(queued.cancel(false));
            rt.advance(5_000 * MS);
            assertTrue(failure(slow) instanceof TimeoutException);
            FakeWorker second = rt.started.get(1);
            second.events.ready();
            rt.settle();
            second.answer("ok");
            rt.settle();
            assertEquals("ok", next.join());
            CompletableFuture<Object> failing = s.submit(new Object[] {"fails"});
            rt.settle();
            second.calls.removeFirst().completeExceptionally(new RpcException(RpcException.Kind.REMOTE, "threw", null, List.of(), null));
            rt.settle();
            assertTrue(failure(failing) instanceof RpcException);
            CompletableFuture<Object> running = s.submit(new Object[] {"running"});
            rt.settle();
            assertTrue(running.cancel(true));
            rt.settle();
            s.shutdown(false);
            rt.settle();
            r.stop();
            r.dump(file);
            List<jdk.jfr.consumer.RecordedEvent> events = jdk.jfr.consumer.RecordingFile.readAllEvents(file);
            java.util.Map<String, jdk.jfr.consumer.RecordedEvent> byOutcome = new java.util.HashMap<>();
            for (jdk.jfr.consumer.RecordedEvent e : events) {
                assertEquals("x.Y.z", e.getString("function"));
                assertTrue(e.getDuration("queueWait").toNanos() >= 0 && e.getDuration("runTime").toNanos() >= 0, e.toString());
                assertTrue(byOutcome.put(e.getString("outcome") + " " + e.getLong("workerPid"), e) == null, "twice: " + e);
            }
            assertEquals(java.util.Set.of("timeout 1001", "cancelled -1", "ok 1002", "failed 1002", "cancelled 1002"),
                    byOutcome.keySet(), events.toString());
            assertEquals(0, byOutcome.get("cancelled -1").getDuration("runTime").toNanos(), "never sent");
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    /** Two templates (two hosts): which one each worker came from, which can fork, which can be started again. */
    static final class TwoTemplates extends FakeRuntime {
        final boolean[] up = {true, true};
        final boolean[] restartable = {true, true};
        final List<Integer> templateOf = new ArrayList<>();
        final List<Integer> restarts = new ArrayList<>();

        @Override
        public int templates() {
            return 2;
        }

        @Override
        public Worker startWorker(int id, int template, WorkerEvents events) {
            if (!up[template]) {
                throw new IllegalStateException("template " + template + " is gone");
            }
            templateOf.add(template);
            return startWorker(id, events);
        }

        @Override
        public boolean canStartWorkers(int template) {
            return up[template];
        }

        @Override
        public boolean restartTemplate(int template) {
            restarts.add(template);
            if (!restartable[template]) {
                throw new IllegalStateException("host " + template + " cannot be reached");
            }
            up[template] = true;
            return true;
        }

        @Override
        public String templateName(int template) {
            return "host h" + template;
        }
    }

    @Test
    void aPoolOverTwoTemplatesSpreadsItsWorkersAndGoesOnWhenOneIsLost() {
        TwoTemplates two = new TwoTemplates();
        PoolScheduler s = new PoolScheduler(builder().max(4).maxPerTemplate(2).load(1).start(Duration.ZERO)
                .restartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(8)), two);
        two.settle();
        List<CompletableFuture<Object>> jobs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            jobs.add(s.submit(new Object[] {i}));
        }
        two.settle();
        assertEquals(List.of(0, 1, 0, 1), two.templateOf, "least loaded template first, at most 2 each");
        for (FakeWorker w : two.started) {
            w.events.ready();
        }
        two.settle();
        // host 1 is lost: its two workers die with their jobs; host 0 goes on with the rest
        two.up[1] = false;
        two.restartable[1] = false;
        two.started.get(1).die("the connection to host h1 ended");
        two.started.get(3).die("the connection to host h1 ended");
        two.settle();
        assertTrue(failure(jobs.get(1)).getMessage().contains("host h1"), "a job on the lost host says which");
        assertTrue(failure(jobs.get(3)).getMessage().contains("host h1"));
        two.started.get(0).answer("a");
        two.started.get(2).answer("b");
        two.settle();
        two.started.get(0).answer("c");
        two.started.get(2).answer("d");
        two.settle();
        for (int i : new int[] {0, 2, 4, 5}) {
            assertTrue(jobs.get(i).isDone() && !jobs.get(i).isCompletedExceptionally(), "job " + i + " ran on host 0");
        }
        assertEquals(4, two.started.size(), "no worker was forked from the lost host, none more was needed");
        // it is started again after the backoff, doubling while that fails
        two.advance(Duration.ofSeconds(1).toNanos());
        assertEquals(List.of(1), two.restarts);
        two.advance(Duration.ofMillis(1999).toNanos());
        assertEquals(List.of(1), two.restarts, "the second try waits twice as long");
        two.restartable[1] = true;
        two.advance(Duration.ofMillis(1).toNanos());
        assertEquals(List.of(1, 1), two.restarts);
        // back: new work may go there again
        List<CompletableFuture<Object>> more = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            more.add(s.submit(new Object[] {i}));
        }
        two.settle();
        assertEquals(List.of(0, 1, 0, 1, 1, 1), two.templateOf, "the host started again takes workers again");
        s.shutdown(true);
        two.settle();
    }
}
