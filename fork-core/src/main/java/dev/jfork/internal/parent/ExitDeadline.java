package dev.jfork.internal.parent;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.jfork.ForkExit;
import dev.jfork.internal.concurrent.JforkThreads;

/**
 * The kill policy: a process that was closed or failed must exit on its own; if it has not within
 * {@code exitTimeout}, it is killed. The time counts from when its pid is known (a fork its
 * template has not handed over yet gets the full time once it has). Armed at most once.
 */
final class ExitDeadline {
    private final CompletableFuture<Long> pid;
    private final CompletableFuture<ForkExit> exit;
    private final Duration timeout;
    private final AtomicBoolean armed = new AtomicBoolean();

    /** Kills a pid (on this machine, or on the process's host). */
    private final java.util.function.LongConsumer killer;

    ExitDeadline(CompletableFuture<Long> pid, CompletableFuture<ForkExit> exit, Duration timeout, java.util.function.LongConsumer killer) {
        this.pid = pid;
        this.exit = exit;
        this.timeout = timeout;
        this.killer = killer;
    }

    /** SIGKILL on this machine (through the JDK, which checks that the pid is still the same process). */
    static void killHere(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    /** Arms the deadline (once; nothing if the process has ended). */
    void arm() {
        if (exit.isDone() || !armed.compareAndSet(false, true)) {
            return;
        }
        pid.thenRun(() -> JforkThreads.after(timeout, this::killIfAlive));
    }

    private void killIfAlive() {
        long p = pid.getNow(-1L);
        if (!exit.isDone() && p > 0) {
            Log.LOG.log(Level.WARNING, "jfork process {0} did not exit within {1}; killing it", p, timeout);
            killer.accept(p);
        }
    }

    /** Kills the process now, or once its pid is known; nothing once it has ended. */
    void killNow() {
        pid.thenAccept(p -> {
            if (p > 0 && !exit.isDone()) {
                killer.accept(p);
            }
        });
    }
}
