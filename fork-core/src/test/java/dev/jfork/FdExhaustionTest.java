package dev.jfork;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Running out of descriptors is an ordinary failure of the fork that could not be taken over: it
 * names EMFILE and the limit, and the default template, its spares and the other forks live on.
 */
class FdExhaustionTest {
    private static final int LIMIT = 64;

    @Test
    void exhaustionFailsOneForkAndTheTemplateSurvives() throws Exception {
        List<String> command = TestSupport.javaCommand(a -> true);
        command.add(FdExhaustionProgram.class.getName());
        StringBuilder cmd = new StringBuilder("ulimit -n " + LIMIT + " && exec");
        for (String a : command) {
            cmd.append(" '").append(a.replace("'", "'\\''")).append('\'');
        }
        File err = File.createTempFile("jfork-fd-exhaustion", ".err");
        try {
            Process p = new ProcessBuilder("bash", "-c", cmd.toString()).redirectError(err).start();
            boolean ended = p.waitFor(TestSupport.DEADLINE.toSeconds(), TimeUnit.SECONDS);
            String dump = "";
            if (!ended) {
                dump = TestSupport.threadDump(p.pid());
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor();
            }
            String out = ended ? new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8) : "(killed)";
            String stderr = new String(java.nio.file.Files.readAllBytes(err.toPath()), StandardCharsets.UTF_8);
            String report = "stdout:\n" + out + "\nstderr:\n" + stderr + dump;
            assertTrue(ended, "the program did not end in time: " + report);
            Map<String, String> said = new HashMap<>();
            for (String line : out.split("\n")) {
                int sp = line.indexOf(' ');
                if (sp > 0) {
                    said.put(line.substring(0, sp), line.substring(sp + 1));
                }
            }
            assertEquals(0, p.exitValue(), report);
            String failure = said.getOrDefault("failure", "");
            assertTrue(failure.startsWith("dev.jfork.ForkException"), report);
            assertTrue(failure.contains("EMFILE") && failure.contains("ulimit -n, is " + LIMIT), report);
            assertTrue(Integer.parseInt(said.get("held")) > 0, report);
            assertEquals(said.get("template"), said.get("template-after"), "the default template was replaced: " + report);
            assertTrue(said.getOrDefault("after", "").startsWith("pid="), report);
            assertEquals(List.of(), new ArrayList<>(List.of(stderr.lines().filter(l -> l.contains("SEVERE")).toArray())), report);
        } finally {
            err.delete();
        }
    }
}
