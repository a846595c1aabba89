package dev.jfork.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs each example's entry method and checks what it got, so the examples cannot rot. Every wait
 * inside the examples has a deadline ({@link Await#TIMEOUT}); {@code @Timeout} bounds each test.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ExamplesTest {
    @AfterAll
    static void closeDefaultTemplate() {
        assertTrue(Examples.closeDefaultTemplate().isSuccess());
    }

    @Test
    void singleWorkerAnswersEveryLineThenExits() throws Exception {
        SingleWorker.Result r = SingleWorker.converse(List.of("ping", "two words"));
        assertNotEquals(r.parentPid(), r.workerPid());
        assertEquals(List.of("worker " + r.workerPid() + ": PING", "worker " + r.workerPid() + ": TWO WORDS"), r.answers());
        assertEquals(OptionalInt.of(0), r.exit().exitCode());
    }

    @Test
    void preforkedServerSharesOneListenerBetweenAllWorkers() throws Exception {
        PreforkedServer.Result r = PreforkedServer.serve(4, 12);
        assertEquals(12, r.answers().size());
        for (int c = 1; c <= 12; c++) {
            assertTrue(r.answers().get(c - 1).matches("worker [1-4] \\(pid \\d+\\): hello from client " + c),
                    r.answers().get(c - 1));
        }
        // rounds of 4 clients holding their connection: each round keeps all 4 workers busy
        assertEquals(Set.of(1, 2, 3, 4), r.clientsByWorker().keySet(), r.clientsByWorker().toString());
        r.clientsByWorker().values().forEach(clients -> assertEquals(3, clients.size(), r.clientsByWorker().toString()));
        assertEquals(4, r.workerExits().size());
        r.workerExits().forEach(e -> assertEquals(OptionalInt.of(0), e.exitCode(), e.toString()));
        assertTrue(r.templateExit().isSuccess(), r.templateExit().toString());
    }

    @Test
    void fasterForkExecRedirectsStdoutToTheFileAndStderrToTheSocket() throws Exception {
        FasterForkExec.Result echo = FasterForkExec.exec(List.of("/bin/echo", "hi"));
        assertEquals("hi\n", echo.stdout());
        assertEquals("", echo.stderr());
        assertTrue(echo.exit().isSuccess(), echo.exit().toString());

        FasterForkExec.Result sh = FasterForkExec.exec(List.of("/bin/sh", "-c", "echo out; echo err >&2; exit 7"));
        assertEquals("out\n", sh.stdout());
        assertEquals("err\n", sh.stderr());
        assertEquals(OptionalInt.of(7), sh.exit().exitCode());
    }

    @Test
    void fasterForkExecPassesOnlyTheThreeStandardDescriptors() throws Exception {
        FasterForkExec.Result r = FasterForkExec.exec(List.of("/bin/ls", "-l", "/proc/self/fd"));
        assertTrue(r.exit().isSuccess(), r.exit() + ": " + r.stderr());
        Map<Integer, String> fds = new TreeMap<>(); // descriptor -> what it is
        for (String line : r.stdout().split("\n")) {
            List<String> words = List.of(line.trim().split("\\s+"));
            int arrow = words.indexOf("->");
            if (arrow > 0) {
                fds.put(Integer.parseInt(words.get(arrow - 1)), words.get(arrow + 1));
            }
        }
        assertTrue(fds.get(0).startsWith("socket:"), fds.toString());
        assertTrue(fds.get(1).contains("jfork-exec-"), fds.toString());
        assertEquals(fds.get(0), fds.get(2), "stderr is the channel: " + fds);
        // ls opens the directory it lists as descriptor 3; anything else would have been inherited
        assertTrue(fds.keySet().stream().allMatch(fd -> fd <= 3), "inherited more than 0, 1, 2: " + fds);
    }

    @Test
    void fasterForkExecReportsAFailedExecOnTheSocket() throws Exception {
        FasterForkExec.Result r = FasterForkExec.exec(List.of("/nonexistent/program", "x"));
        assertTrue(r.stderr().contains("execv /nonexistent/program x failed"), r.stderr());
        assertEquals(OptionalInt.of(70), r.exit().exitCode());
        assertEquals("", r.stdout());
    }

    @Test
    void templateWorkersAreChildrenOfTheTemplate() throws Exception {
        TemplateWorkers.Result r = TemplateWorkers.start(5);
        Set<String> pids = new HashSet<>();
        for (int id = 1; id <= 5; id++) {
            String report = r.reports().get(id - 1);
            assertTrue(report.matches("worker " + id + " pid \\d+ parent " + r.templatePid()), report);
            pids.add(report.split(" ")[3]);
        }
        assertEquals(5, pids.size(), "five distinct processes");
        r.workerExits().forEach(e -> assertTrue(e.isSuccess(), e.toString()));
        assertEquals(OptionalInt.of(0), r.templateExit().exitCode());
    }

    @Test
    void standaloneProgramForksTenWorkersFromTheCapturedProgram() throws Exception {
        java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
        StandaloneProgram.demo(new java.io.PrintStream(text, true, java.nio.charset.StandardCharsets.UTF_8));
        String out = text.toString(java.nio.charset.StandardCharsets.UTF_8);
        for (int id = 1; id <= 10; id++) {
            org.junit.jupiter.api.Assertions.assertTrue(out.contains("worker " + id + " pid "), out);
        }
        org.junit.jupiter.api.Assertions.assertTrue(out.contains(": codec initialised in pid"), out);
    }

    @Test
    void jobQueuesRunThroughRpcAPoolAndAnExecutor() throws Exception {
        java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
        JobQueues.demo(new java.io.PrintStream(text, true, java.nio.charset.StandardCharsets.UTF_8));
        String out = text.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(out.contains("rpc: repeat(Job[ab, 3]) = ababab"), out);
        assertTrue(out.contains("pool: 20 jobs answered by worker pids"), out);
        assertTrue(out.contains("executor: fib(20..23) = [6765, 10946, 17711, 28657]"), out);
    }
}
