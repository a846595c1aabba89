package dev.jfork.internal;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** One daemon thread for jfork's deadlines (kill a process that does not exit in time, and such). */
public final class Timers {
    private Timers() {}

    private static final ScheduledExecutorService TIMER;

    static {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, DaemonThreads.factory("jfork-timer"));
        t.setRemoveOnCancelPolicy(true);
        TIMER = t;
    }

    public static ScheduledFuture<?> after(Duration delay, Runnable task) {
        return TIMER.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }
}
