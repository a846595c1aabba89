package dev.jfork.internal.os;

import java.io.IOException;

/**
 * The owner's lifeline: a pipe created once per owning JVM. Its write end never leaves this
 * process (close-on-exec, never passed) and is never written to; every jfork process, template
 * or child, direct or not, holds the read end at {@link Protocol#FD_LIFELINE}. When the owner dies
 * the kernel closes the write end, every reader sees end of stream, and each process exits, even
 * after {@code run} and even if its template is gone.
 */
public final class Lifeline {
    private Lifeline() {}

    private static int[] pipe;

    /** The read end to hand to a new process (created on first use). */
    public static synchronized int readFd() throws IOException {
        if (pipe == null) {
            pipe = Native.pipe();
        }
        return pipe[0];
    }
}
