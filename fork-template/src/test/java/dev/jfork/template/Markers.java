package dev.jfork.template;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import dev.jfork.ForkArgs;
import dev.jfork.ForkChannel;


/** The trace the marker classes leave, and the worker that reports it. */
public final class Markers {
    private Markers() {}

    static final String PROPERTY = "jfork.test.initialised";

    static synchronized void initialised(String name) {
        String before = System.getProperty(PROPERTY);
        System.setProperty(PROPERTY, before == null ? name : before + "," + name);
    }

    /** Reports the trace before touching any marker class, then waits for end of stream. */
    public static void report(ForkChannel ch, ForkArgs args) throws IOException {
        String trace = System.getProperty(PROPERTY, "(none)");
        ch.outputStream().write((trace + " id=" + args.string(0) + "\n").getBytes(StandardCharsets.UTF_8));
        ch.inputStream().read();
    }
}
