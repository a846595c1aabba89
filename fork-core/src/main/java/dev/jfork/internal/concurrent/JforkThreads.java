package dev.jfork.internal.concurrent;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one owner of every thread jfork starts in a parent (and in a template): blocking work,
 * deadlines and cleanups. All threads are daemons, named {@code jfork-...}, and end when they have
 * been idle for {@link #IDLE_SECONDS}: a program that stops using jfork is left with none, and
 * jfork never keeps a JVM alive.
 *
 * <ul>
 *   <li>{@link #io}: tasks that block in a system call or on a process (waitpid, stderr pumps,
 *       reply readers, writers, RPC readers): one thread each, as many as there are such tasks.
 *   <li>{@link #after}: deadlines, on one timer thread that only hands each due task to
 *       {@link #io}, so a slow task never delays another deadline.
 *   <li>{@link #cleanWhenUnreachable}: actions for objects users dropped (a Fork, an RPC client, a
 *       pool), run on a cleanup thread that exists only while something is registered.
 * </ul>
 */
public final class JforkThreads {
    private JforkThreads() {}

    /** How long an idle jfork thread lives. */
    public static final long IDLE_SECONDS = 60;

    private static final ThreadPoolExecutor IO = new ThreadPoolExecutor(0, Integer.MAX_VALUE, IDLE_SECONDS, TimeUnit.SECONDS,
            new SynchronousQueue<Runnable>(), factory("jfork-io"));

    private static final ScheduledThreadPoolExecutor TIMER;

    static {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, factory("jfork-timer"));
        t.setRemoveOnCancelPolicy(true);
        t.setKeepAliveTime(IDLE_SECONDS, TimeUnit.SECONDS);
        t.allowCoreThreadTimeOut(true); // the thread stays while a task is pending, and ends when none is
        TIMER = t;
    }

    /** Runs a task that may block for a long time, on a thread of its own. */
    public static void io(Runnable task) {
        IO.execute(task);
    }

    /**
     * {@link #io}, the thread named {@code name} while it runs the task (for thread dumps: which
     * stream, which process), its pool name again afterwards.
     */
    public static void io(String name, Runnable task) {
        IO.execute(() -> {
            Thread t = Thread.currentThread();
            String pooled = t.getName();
            t.setName(name);
            try {
                task.run();
            } finally {
                t.setName(pooled);
            }
        });
    }

    /** {@link #io} as an {@link Executor} (for {@code CompletableFuture}'s async methods). */
    public static Executor ioExecutor() {
        return IO;
    }

    /** Runs {@code task} on an {@link #io} thread after {@code delay}; cancel the result to drop it. */
    public static ScheduledFuture<?> after(Duration delay, Runnable task) {
        return after(delay.toNanos(), task);
    }

    /** {@link #after(Duration, Runnable)} in nanoseconds. */
    public static ScheduledFuture<?> after(long delayNanos, Runnable task) {
        return TIMER.schedule(new Runnable() {
            @Override
            public void run() {
                IO.execute(task);
            }
        }, delayNanos, TimeUnit.NANOSECONDS);
    }

    /** Daemon threads named {@code prefix-N}. */
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

    // ------------------------------------------------------------------ cleanups

    /** Something to run when an object has become unreachable; {@link #clean()} runs it now instead (once). */
    public interface Cleanable {
        void clean();
    }

    private static final ReferenceQueue<Object> QUEUE = new ReferenceQueue<>();
    private static final Set<Cleanup> REGISTERED = ConcurrentHashMap.newKeySet();
    private static final Object CLEANER_LOCK = new Object();
    private static boolean cleanerRunning; // guarded by CLEANER_LOCK

    private static final class Cleanup extends PhantomReference<Object> implements Cleanable {
        private final Runnable action;

        Cleanup(Object referent, Runnable action) {
            super(referent, QUEUE);
            this.action = action;
        }

        @Override
        public void clean() {
            if (REGISTERED.remove(this)) {
                clear();
                action.run();
            }
        }
    }

    /**
     * Runs {@code action} once {@code object} is unreachable (or when the returned handle is
     * cleaned). The action must not refer to the object.
     */
    public static Cleanable cleanWhenUnreachable(Object object, Runnable action) {
        Cleanup c = new Cleanup(object, action);
        REGISTERED.add(c);
        synchronized (CLEANER_LOCK) {
            if (!cleanerRunning) {
                cleanerRunning = true;
                factory("jfork-cleaner").newThread(JforkThreads::cleanLoop).start();
            }
        }
        return c;
    }

    private static void cleanLoop() {
        while (true) {
            Cleanup c;
            try {
                c = (Cleanup) QUEUE.remove(TimeUnit.SECONDS.toMillis(IDLE_SECONDS));
            } catch (InterruptedException e) {
                c = null;
            }
            if (c != null) {
                try {
                    c.clean();
                } catch (RuntimeException | Error e) {
                    System.getLogger("dev.jfork").log(System.Logger.Level.WARNING, "jfork: a cleanup action failed", e);
                }
                continue;
            }
            synchronized (CLEANER_LOCK) {
                if (REGISTERED.isEmpty()) {
                    cleanerRunning = false; // the next registration starts a new thread
                    return;
                }
            }
        }
    }
}
