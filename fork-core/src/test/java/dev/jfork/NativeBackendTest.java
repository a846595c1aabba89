package dev.jfork;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.jfork.internal.os.Native;

/** jfork reaches libc through the JDK's foreign function API on JDK 22+ (when built with one), through jnr-ffi before. */
class NativeBackendTest {
    @Test
    void theBackendFollowsTheJdk() {
        boolean ffmBuilt = Native.class.getResource("FfmBackend.class") != null;
        String expected = Runtime.version().feature() >= 22 && ffmBuilt ? "ffm" : "jnr";
        assertEquals(expected, Native.backend());
    }

    /** What a template does to its class-data archive's helper JVMs: a real process made nicer, as the kernel reports it. */
    @Test
    void aProcessIsMadeNicer() throws Exception {
        Process p = new ProcessBuilder("sleep", "60").start();
        try {
            int before = Native.niceOf(p.pid());
            int wanted = Math.min(19, before + 7);
            assertTrue(Native.setNice(p.pid(), wanted), "setpriority failed");
            assertEquals(wanted, Native.niceOf(p.pid()));
        } finally {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
