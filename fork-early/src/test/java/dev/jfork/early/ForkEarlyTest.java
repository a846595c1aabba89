package dev.jfork.early;

import static dev.jfork.TestSupport.await;
import static dev.jfork.TestSupport.exitOf;
import static dev.jfork.TestSupport.readLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jfork.Fork;
import dev.jfork.ForkChannel;
import dev.jfork.TestSupport;

/** exec() and create() after ForkEarly.start() fork from the early template; the agent does the same. */
class ForkEarlyTest {
    @TempDir
    Path tmp;

    @Test
    void execAndCreateForkFromTheEarlyTemplate() throws IOException {
        ForkEarly.start();
        ForkEarly.start(); // idempotent
        long early = ForkEarly.template().pid().orElseThrow();
        assertEquals(ProcessHandle.current().pid(), ProcessHandle.of(early).orElseThrow().parent().orElseThrow().pid(),
                "the early template is a child of the program");
        for (Fork f : new Fork[] {Fork.exec(), Fork.create()}) {
            ForkChannel ch = await(f.run("dev.jfork.early.EarlyChild.report"));
            String[] pidParent = readLine(ch).split(" ");
            assertEquals(String.valueOf(f.pid().orElseThrow()), pidParent[0]);
            assertEquals(String.valueOf(early), pidParent[1], "its parent is the early template, not the program");
            ch.close();
            assertEquals(OptionalInt.of(0), exitOf(f).exitCode(), "the early template reports its exit");
        }
        assertEquals(early, Fork.defaultTemplate().pid().orElseThrow(), "the early template is the default template");
    }

    @Test
    void theAgentStartsTheEarlyTemplateWithoutCodeChanges() throws Exception {
        List<String> cmd = TestSupport.javaCommand(a -> true);
        cmd.add("-javaagent:" + TestSupport.agentJar(tmp, ForkEarly.class.getName()));
        cmd.add(AgentProgram.class.getName());
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line = out.readLine();
            assertTrue(line != null && line.matches("early=\\d+ parent=\\d+"), "program said: " + line);
            String early = line.substring(6, line.indexOf(' '));
            assertEquals("parent=" + early, line.substring(line.indexOf(' ') + 1));
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
        } finally {
            p.destroyForcibly();
        }
    }
}
