package dev.jfork.internal.os;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

import dev.jfork.internal.concurrent.JforkThreads;

/**
 * Reaps direct children promptly. One blocked {@code waitpid(pid)} per child: it cannot steal the
 * status of processes the application started itself (a {@code waitpid(-1)} loop would), and the
 * JDK does not reap processes it did not start.
 */
public final class Reaper {
    private Reaper() {}

    /** Completes with the raw wait status of {@code pid} once it has ended and been reaped. */
    public static CompletableFuture<Integer> watch(int pid) {
        CompletableFuture<Integer> status = new CompletableFuture<>();
        JforkThreads.io(new Runnable() {
            @Override
            public void run() {
                try {
                    status.complete(Native.waitpid(pid));
                } catch (IOException | RuntimeException | Error e) {
                    status.completeExceptionally(e); // an Error too (libc not bound): nobody may wait forever
                }
            }
        });
        return status;
    }
}
