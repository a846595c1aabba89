package dev.jfork.rpc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.jfork.ForkArgs;


/** Code that runs in the RPC workers of the tests: init, done and the functions. */
public final class Workers {
    private Workers() {}

    private static final ScheduledExecutorService TIMERS = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "test-timer");
        t.setDaemon(true);
        return t;
    });

    static final List<String> INIT_ARGS = new ArrayList<>();

    // ---------------------------------------------------------------- init / done

    public static void init(ForkArgs args) {
        for (int i = 0; i < args.size(); i++) {
            INIT_ARGS.add(args.isFd(i) ? "fd" : args.string(i));
        }
    }

    public static void initFails(ForkArgs args) {
        throw new IllegalStateException("init failed on purpose");
    }

    /** Done function: writes "done" to the file named by the first init argument. */
    public static void writeDone() throws IOException {
        Files.write(Paths.get(INIT_ARGS.get(0)), "done".getBytes(StandardCharsets.UTF_8));
    }

    // ---------------------------------------------------------------- sync functions

    /** What init saw. */
    public static Object initArgs(Object... args) {
        return new ArrayList<>(INIT_ARGS);
    }

    /** t/01_sync.t: event "ok n", result "ok n+1". */
    public static Object okSync(Object... args) {
        int n = (Integer) args[0];
        RpcChild.event("ok " + n);
        return "ok " + (n + 1);
    }

    public static Object echo(Object... args) {
        return args.length == 0 ? null : args[0];
    }

    public static Object add(Object... args) {
        return (Integer) args[0] + (Integer) args[1];
    }

    public static Object pid(Object... args) {
        return ProcessHandle.current().pid();
    }

    /** Throws for a negative number, with a cause; returns it otherwise. */
    public static Object failIfNegative(Object... args) {
        int n = (Integer) args[0];
        if (n < 0) {
            throw new IllegalArgumentException("negative: " + n, new ArithmeticException("root cause"));
        }
        return n;
    }

    public static Object sleep(Object... args) throws InterruptedException {
        Thread.sleep(((Number) args[0]).longValue());
        return "slept";
    }

    /** Sends an event, then sleeps (so the parent can kill the worker while the call runs). */
    public static Object announceAndSleep(Object... args) throws InterruptedException {
        RpcChild.event("started", ProcessHandle.current().pid());
        Thread.sleep(((Number) args[0]).longValue());
        return "slept";
    }

    /** byte[] in, its length out. */
    public static Object length(Object... args) {
        return args[0] == null ? -1 : ((byte[]) args[0]).length;
    }

    /** A byte array of the given size. */
    public static Object bytesOf(Object... args) {
        return new byte[(Integer) args[0]];
    }

    /** For the bytes serializer: reverse the bytes. */
    public static Object reverse(Object... args) {
        byte[] in = (byte[]) args[0];
        byte[] out = new byte[in.length];
        for (int i = 0; i < in.length; i++) {
            out[i] = in[in.length - 1 - i];
        }
        return out;
    }

    /** Events before, between (none: one result per call) and after: event, result, then an event from another thread. */
    public static Object eventsAround(Object... args) throws InterruptedException {
        int n = (Integer) args[0];
        RpcChild.event("before", n);
        RpcChild.event("between", n);
        return "result " + n;
    }

    /** An event too large for the frame limit: reports what happened as its result. */
    public static Object hugeEvent(Object... args) {
        try {
            RpcChild.event(new byte[(Integer) args[0]]);
            return "sent";
        } catch (IllegalArgumentException e) {
            return "refused: " + e.getMessage();
        }
    }

    /** t/04_flush.t, sync: event(1), flush(), exit 2. */
    public static Object flushExit(Object... args) {
        RpcChild.event(1);
        RpcChild.flush();
        System.exit(2);
        return null;
    }

    /** Answers, then exits with status args[0] from another thread 100 ms later (the worker is idle then). */
    public static Object exitLater(Object... args) {
        int status = (Integer) args[0];
        TIMERS.schedule(() -> System.exit(status), 100, TimeUnit.MILLISECONDS);
        return "bye";
    }

    /** Returns an object of an unregistered class. */
    public static Object unregistered(Object... args) {
        return new StringBuilder("not registered");
    }

    public static Object point(Object... args) {
        Point p = (Point) args[0];
        return new Point(p.x() * 2, p.y() * 2);
    }

    /** A registered record. */
    public record Point(int x, int y) {}

    // ---------------------------------------------------------------- async functions

    /** t/02_async.t: event "ok 5" at once, then "ok 6".."ok 8" from a 0.1 s timer, then done("ok 9"). */
    public static void okAsync(RpcReply reply, Object... args) {
        RpcChild.event("ok 5");
        AtomicInteger n = new AtomicInteger(6);
        ScheduledFuture<?>[] timer = new ScheduledFuture<?>[1];
        synchronized (timer) {
            timer[0] = TIMERS.scheduleAtFixedRate(() -> {
                synchronized (timer) {
                    int k = n.getAndIncrement();
                    if (k <= 8) {
                        RpcChild.event("ok " + k);
                    } else if (k == 9) {
                        reply.done("ok 9");
                        timer[0].cancel(false);
                    }
                }
            }, 100, 100, TimeUnit.MILLISECONDS);
        }
    }

    public static void asyncEcho(RpcReply reply, Object... args) {
        reply.done(args[0]);
    }

    /** Answers with args[0] after args[1] ms, from a timer thread. */
    public static void asyncLater(RpcReply reply, Object... args) {
        TIMERS.schedule(() -> reply.done(args[0]), ((Number) args[1]).longValue(), TimeUnit.MILLISECONDS);
    }

    private static final AtomicInteger RUNNING = new AtomicInteger();
    private static final AtomicInteger MOST = new AtomicInteger();

    /** Counts calls running at once; answers with the most seen so far after args[0] ms. */
    public static void asyncTracked(RpcReply reply, Object... args) {
        int now = RUNNING.incrementAndGet();
        MOST.accumulateAndGet(now, Math::max);
        TIMERS.schedule(() -> {
            RUNNING.decrementAndGet();
            reply.done(MOST.get());
        }, ((Number) args[0]).longValue(), TimeUnit.MILLISECONDS);
    }

    /** Fails from another thread. */
    public static void asyncFail(RpcReply reply, Object... args) {
        CompletableFuture.runAsync(() -> reply.fail(new UnsupportedOperationException("async failure " + args[0])));
    }

    /** Answers twice: the second answer must be refused in the child. */
    public static void asyncTwice(RpcReply reply, Object... args) {
        reply.done("first");
        try {
            reply.done("second");
            RpcChild.event("second answer accepted");
        } catch (IllegalStateException e) {
            RpcChild.event("second answer refused: " + e.getMessage());
        }
    }

    /** t/04_flush.t, async. */
    public static void asyncFlushExit(RpcReply reply, Object... args) {
        RpcChild.event(1);
        RpcChild.flush();
        System.exit(2);
    }

    /** Throws synchronously without answering. */
    public static void asyncThrows(RpcReply reply, Object... args) {
        throw new IllegalStateException("thrown before answering");
    }
}
