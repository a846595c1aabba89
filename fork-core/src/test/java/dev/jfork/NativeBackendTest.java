package dev.jfork;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
