package dev.jfork.early;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import dev.jfork.ForkArgs;
import dev.jfork.ForkChannel;


/** Run functions for the early-template tests. */
public final class EarlyChild {
    private EarlyChild() {}

    /** Reports "pid parent" and waits for end of stream. */
    public static void report(ForkChannel ch, ForkArgs args) throws IOException {
        ProcessHandle me = ProcessHandle.current();
        ch.outputStream().write((me.pid() + " " + me.parent().map(ProcessHandle::pid).orElse(-1L) + "\n")
                .getBytes(StandardCharsets.UTF_8));
        ch.inputStream().read();
    }
}
