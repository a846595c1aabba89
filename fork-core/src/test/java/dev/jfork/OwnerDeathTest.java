package dev.jfork;

import static dev.jfork.TestSupport.awaitGone;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

/** A child whose owner dies exits on its own, whether direct or forked, run or not. */
class OwnerDeathTest {
    @Test
    void everyProcessExitsWhenItsOwnerIsKilled() throws Exception {
        List<String> cmd = TestSupport.javaCommand(a -> true);
        cmd.add(OwnerProgram.class.getName());
        Process owner = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(owner.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertTrue(line != null && line.startsWith("pids "), "owner said: " + line);
            String[] pids = line.substring(5).split(" ");
            assertEquals(4, pids.length);
            owner.destroyForcibly().waitFor();
            for (String p : pids) {
                awaitGone(Long.parseLong(p));
            }
        } finally {
            owner.destroyForcibly();
        }
    }

    /**
     * An interrupt stops the watch as a close does (the JVM exits without waiting for its read):
     * the watcher then parks for good instead of spinning (an interrupted thread's park returns at
     * once), and the process still ends normally.
     */
    @Test
    void anInterruptedOwnerWatchParks() throws Exception {
        Fork f = Fork.exec().require("dev.jfork.ChildFunctions");
        ForkChannel ch = TestSupport.await(f.run("dev.jfork.ChildFunctions.interruptOwnerWatch"));
        assertEquals("[WAITING]", TestSupport.readLine(ch));
        ch.close();
        assertEquals(java.util.OptionalInt.of(0), TestSupport.exitOf(f).exitCode());
    }
}
