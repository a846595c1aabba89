package dev.jfork.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.jfork.PlainJvm;

/**
 * The demo, which uses every module (core, RPC, pool and ForkExecutor, early, template) and the
 * seeds' examples (a pre-forked server, a file sent by path, capture()), run as a user runs a
 * program: {@code java -cp ... Demo} with no JVM option on this JDK; on JDK 25 with only
 * {@code --enable-native-access=ALL-UNNAMED}, and then no WARNING line from it or any child.
 */
class PlainJvmDemoTest {
    private static void assertAllPassed(PlainJvm.Result r, String flags) {
        assertEquals(0, r.exitCode(), r.toString());
        List<String> out = r.stdoutLines();
        assertTrue(out.get(0).endsWith("JVM flags: " + flags), r.toString());
        assertTrue(out.contains("all 6 examples passed"), r.toString());
    }

    @Test
    void theDemoRunsWithNoJvmFlag() throws Exception {
        PlainJvm.Result r = PlainJvm.run(PlainJvm.thisJdk(), List.of(), Demo.class.getName(), "");
        assertAllPassed(r, "none");
        if (Runtime.version().feature() < 22) {
            assertEquals(List.of(), r.warnings(), r.toString());
        }
    }

    @Test
    void onJdk25NothingWarns() throws Exception {
        Path jdk = PlainJvm.jdk25().orElse(null);
        assumeTrue(jdk != null, "no JDK 25 on this machine");
        PlainJvm.Result r = PlainJvm.run(jdk, List.of("--enable-native-access=ALL-UNNAMED"), Demo.class.getName(), "");
        assertAllPassed(r, "--enable-native-access=ALL-UNNAMED");
        assertEquals(List.of(), r.warnings(), r.toString());
    }
}
