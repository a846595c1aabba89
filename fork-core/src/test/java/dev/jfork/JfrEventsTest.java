package dev.jfork;

import static dev.jfork.TestSupport.await;
import static dev.jfork.TestSupport.awaitFailure;
import static dev.jfork.TestSupport.readLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

import org.junit.jupiter.api.Test;

/** The Flight Recorder events a user sees in JDK Mission Control: spawn, hand-over, run entered. */
class JfrEventsTest {
    private static final String DESCRIBE = "dev.jfork.ChildFunctions.describe";

    @Test
    void spawnHandOverAndRunAreRecordedWithWhatTheyConcern() throws Exception {
        Path file = Files.createTempFile("jfork", ".jfr");
        long execPid;
        long templatePid;
        long forkPid;
        long failedPid;
        try (Recording r = new Recording()) {
            r.enable("dev.jfork.Spawn");
            r.enable("dev.jfork.HandOver");
            r.enable("dev.jfork.RunEntered");
            r.start();
            Fork template = Fork.exec(JvmSpec.builder().spares(1).classDataSharing(false).build());
            templatePid = template.pid().orElseThrow();
            template.fork().close(); // makes it a template: its spare is parked here once ready
            assertTrue(template.link().awaitSpares(1, TestSupport.DEADLINE.toMillis()), "no spare");
            Fork fork = template.fork();
            forkPid = fork.pid().orElseThrow();
            ForkChannel ch = await(fork.run(DESCRIBE));
            assertTrue(readLine(ch).startsWith("pid=" + forkPid));
            ch.close();
            Fork direct = Fork.exec();
            execPid = direct.pid().orElseThrow();
            Fork failing = Fork.exec();
            failedPid = failing.pid().orElseThrow();
            awaitFailure(failing.run("dev.jfork.ChildFunctions.noSuchFunction"));
            direct.close();
            template.close();
            r.stop();
            r.dump(file);
        }
        try {
            List<RecordedEvent> events = RecordingFile.readAllEvents(file);
            List<RecordedEvent> spawns = named(events, "dev.jfork.Spawn");
            assertTrue(spawns.stream().anyMatch(e -> e.getLong("pid") == templatePid && "child".equals(e.getString("role"))),
                    "no spawn of " + templatePid + ": " + spawns);
            assertTrue(spawns.stream().anyMatch(e -> e.getLong("pid") == execPid), "no spawn of " + execPid + ": " + spawns);

            List<RecordedEvent> handOvers = named(events, "dev.jfork.HandOver");
            RecordedEvent hit = handOvers.stream().filter(e -> e.getLong("pid") == forkPid).findFirst()
                    .orElseThrow(() -> new AssertionError("no hand-over of " + forkPid + ": " + handOvers));
            assertEquals(templatePid, hit.getLong("templatePid"));
            assertEquals("parked spare", hit.getString("source"));
            assertTrue(hit.getBoolean("spareHit"));
            // the first fork() asked the template (nothing was parked yet)
            assertTrue(handOvers.stream().anyMatch(e -> "template".equals(e.getString("source")) && !e.getBoolean("spareHit")),
                    "no hand-over by the template: " + handOvers);

            List<RecordedEvent> runs = named(events, "dev.jfork.RunEntered");
            RecordedEvent entered = runs.stream().filter(e -> e.getLong("pid") == forkPid).findFirst()
                    .orElseThrow(() -> new AssertionError("no run of " + forkPid + ": " + runs));
            assertEquals(DESCRIBE, entered.getString("function"));
            assertTrue(entered.getBoolean("entered"));
            assertFalse(entered.getDuration().isNegative());
            RecordedEvent failed = runs.stream().filter(e -> e.getLong("pid") == failedPid).findFirst()
                    .orElseThrow(() -> new AssertionError("no run of " + failedPid + ": " + runs));
            assertFalse(failed.getBoolean("entered"));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).collect(Collectors.toList());
    }
}
