package dev.jfork;

import static dev.jfork.TestSupport.await;
import static dev.jfork.TestSupport.exitOf;
import static dev.jfork.TestSupport.readLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import org.junit.jupiter.api.Test;

/** jfork's lean start-up flags: on by default, off on request, overridden by the user's own options. */
class LeanFlagsTest {
    /** Where a JVM with performance data on keeps its statistics file while it runs. */
    private static Path perfDataOf(long pid) {
        return Paths.get(System.getProperty("java.io.tmpdir"), "hsperfdata_" + System.getProperty("user.name"), String.valueOf(pid));
    }

    /** Whether a running child of {@code spec} has a performance data file; the child is ended before returning. */
    private static boolean childHasPerfData(JvmSpec spec) throws Exception {
        Fork f = Fork.exec(spec);
        ForkChannel ch = await(f.run("dev.jfork.ChildFunctions.describe"));
        assertTrue(readLine(ch).startsWith("pid=")); // the JVM is up: its file, if any, exists by now
        long pid = f.pid().orElseThrow();
        boolean exists = Files.exists(perfDataOf(pid));
        ch.close();
        assertEquals(0, exitOf(f).exitCode().orElseThrow());
        return exists;
    }

    @Test
    void childrenRunWithoutPerformanceDataByDefault() throws Exception {
        Fork f = Fork.exec();
        List<String> args = List.of(ProcessHandle.of(f.pid().orElseThrow()).orElseThrow().info().arguments().orElseThrow());
        assertTrue(args.contains("-XX:-UsePerfData"), args.toString());
        f.close();
        exitOf(f);
        assertFalse(childHasPerfData(JvmSpec.defaults()));
    }

    @Test
    void leanFlagsOffLeavesTheJvmDefault() throws Exception {
        assertTrue(childHasPerfData(JvmSpec.builder().leanFlags(false).build()));
    }

    @Test
    void theUsersOwnOptionWins() throws Exception {
        assertTrue(childHasPerfData(JvmSpec.builder().jvmOptions("-XX:+UsePerfData").build()));
    }
}
