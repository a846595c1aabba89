package dev.jfork.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Shared daemon threads for blocking work (waitpid, stderr pumps, reply readers, replay writers).
 * Each such task blocks in one system call for the life of a process, so the pool is unbounded
 * and idle threads retire after a minute; jfork never keeps the JVM alive.
 */
public final class DaemonThreads {
    private DaemonThreads() {}

    private static final ExecutorService BLOCKING = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
            new SynchronousQueue<Runnable>(), factory("jfork-io"));

    /** Runs a task that may block for a long time. */
    public static void execute(Runnable task) {
        BLOCKING.execute(task);
    }

    public static ThreadFactory factory(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return new ThreadFactory() {
            @Override
            public Thread newThread(Runnable r) {
                Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            }
        };
    }
}
