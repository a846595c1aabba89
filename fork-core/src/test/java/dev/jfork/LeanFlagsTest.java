package dev.jfork;

import static dev.jfork.TestSupport.await;
import static dev.jfork.TestSupport.exitOf;
import static dev.jfork.TestSupport.readLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

/** jfork's lean start-up flags: on by default, off on request, overridden by the user's own options. */
class LeanFlagsTest {
    /** What a running child of a spec looked like. */
    private static final class Seen {
        List<String> commandLine;
        boolean perfData;
    }

    /** Starts a child of {@code spec}, looks at it once its function runs, and ends it. */
    private static Seen child(JvmSpec spec) throws Exception {
        Fork f = Fork.exec(spec);
        try {
            ForkChannel ch = await(f.run("dev.jfork.ChildFunctions.describe"));
            assertTrue(readLine(ch).startsWith("pid=")); // the JVM is up: its statistics file, if any, exists by now
            long pid = f.pid().orElseThrow();
            Seen seen = new Seen();
            String raw = new String(Files.readAllBytes(Paths.get("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8);
            seen.commandLine = Arrays.asList(raw.split("\0"));
            seen.perfData = Files.exists(perfDataOf(pid));
            ch.close();
            assertEquals(0, exitOf(f).exitCode().orElseThrow());
            return seen;
        } finally {
            f.close();
            exitOf(f);
        }
    }

    /** Where a JVM with performance data on keeps its statistics file while it runs. */
    private static Path perfDataOf(long pid) {
        return Paths.get(System.getProperty("java.io.tmpdir"), "hsperfdata_" + System.getProperty("user.name"), String.valueOf(pid));
    }

    @Test
    void childrenRunWithoutPerformanceDataByDefault() throws Exception {
        Seen seen = child(JvmSpec.defaults());
        assertTrue(seen.commandLine.contains("-XX:-UsePerfData"), seen.commandLine.toString());
        assertFalse(seen.perfData);
    }

    @Test
    void leanFlagsOffLeavesTheJvmDefault() throws Exception {
        Seen seen = child(JvmSpec.builder().leanFlags(false).build());
        assertFalse(seen.commandLine.contains("-XX:-UsePerfData"), seen.commandLine.toString());
        assertTrue(seen.perfData);
    }

    @Test
    void theUsersOwnOptionWins() throws Exception {
        assertTrue(child(JvmSpec.builder().jvmOptions("-XX:+UsePerfData").build()).perfData);
    }
}
