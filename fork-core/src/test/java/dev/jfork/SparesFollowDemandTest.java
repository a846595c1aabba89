package dev.jfork;

import static dev.jfork.TestSupport.await;
import static dev.jfork.TestSupport.readLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;

/**
 * A template keeps spares for the demand it sees: a burst of forks is met by ready spares the next
 * time, {@code keepSpares} starts them ahead, and the extra spares end once forks stop.
 */
class SparesFollowDemandTest {
    private static final String DESCRIBE = "dev.jfork.ChildFunctions.describe";

    private static JvmSpec.Builder spec() {
        return JvmSpec.builder().spares(1).maxSpares(4).spareDelay(Duration.ofMillis(5)).classDataSharing(false);
    }

    /** The template, made one (its first fork), with its one spare parked here. */
    private static Fork template(JvmSpec spec) throws InterruptedException {
        Fork t = Fork.exec(spec);
        Fork first = t.fork();
        first.close();
        TestSupport.await(first.onExit()); // from now on the template's children are its spares
        assertTrue(t.link().awaitSpares(1, TestSupport.DEADLINE.toMillis()), "no first spare");
        return t;
    }

    private static int spareProcesses(Fork template) {
        return (int) ProcessHandle.of(template.pid().orElseThrow()).orElseThrow().children().count();
    }

    private static void waitUntil(BooleanSupplier condition, String what) {
        TestSupport.waitUntil(condition, what);
    }

    @Test
    void aBurstOfForksFindsItsSparesReadyTheNextTime() throws Exception {
        Fork template = template(spec().spareIdleTimeout(Duration.ofMinutes(5)).build());
        try {
            for (int i = 0; i < 4; i++) {
                template.fork().close(); // a burst of 4 (1 spare, 3 JVM starts)
            }
            assertTrue(template.link().awaitSpares(4, TestSupport.DEADLINE.toMillis()), "the template did not grow to the burst");
            Instant asked = Instant.now();
            List<Fork> again = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                again.add(template.fork());
            }
            for (Fork f : again) {
                long pid = f.pid().orElseThrow();
                assertTrue(ProcessHandle.of(pid).orElseThrow().info().startInstant().orElseThrow().isBefore(asked),
                        "fork " + pid + " of the second burst was started when asked for, not ahead");
                ForkChannel ch = await(f.run(DESCRIBE));
                assertTrue(readLine(ch).startsWith("pid=" + pid));
                ch.close();
            }
        } finally {
            template.close();
        }
    }

    @Test
    void keepSparesStartsThemAheadUpToMaxSpares() throws Exception {
        Fork template = template(spec().build());
        try {
            template.keepSpares(10); // more than maxSpares(4)
            assertTrue(template.link().awaitSpares(4, TestSupport.DEADLINE.toMillis()), "keepSpares did not start them");
            assertTrue(spareProcesses(template) <= 4, "more than maxSpares: " + spareProcesses(template));
            template.keepSpares(0); // back to spares(1)... after the idle timeout of any burst; none here
            waitUntil(() -> template.link().parkedSpares() == 1 && spareProcesses(template) == 1,
                    "the template did not return to 1 spare: " + template.link().parkedSpares());
        } finally {
            template.close();
        }
    }

    @Test
    void sparesAddedForABurstEndWhenForksStop() throws Exception {
        Fork template = template(spec().spareIdleTimeout(Duration.ofMillis(300)).build());
        try {
            for (int i = 0; i < 4; i++) {
                template.fork().close();
            }
            assertTrue(template.link().awaitSpares(4, TestSupport.DEADLINE.toMillis()), "the template did not grow to the burst");
            waitUntil(() -> template.link().parkedSpares() == 1 && spareProcesses(template) == 1,
                    "the spares of the burst did not end: " + template.link().parkedSpares() + " parked");
            ForkChannel ch = await(template.fork().run(DESCRIBE)); // and it still forks
            assertTrue(readLine(ch).startsWith("pid="));
            ch.close();
        } finally {
            template.close();
        }
    }

    @Test
    void aTemplateWithNoSparesNeverKeepsAny() throws Exception {
        Fork template = Fork.exec(spec().spares(0).build());
        try {
            template.keepSpares(3);
            for (int i = 0; i < 3; i++) {
                ForkChannel ch = await(template.fork().run(DESCRIBE));
                assertTrue(readLine(ch).startsWith("pid="));
                ch.close();
            }
            // each fork was started when asked for: the forks have ended, no process is left waiting as a spare
            assertEquals(0, template.link().parkedSpares());
            waitUntil(() -> spareProcesses(template) == 0, "a template with spares(0) keeps processes: " + spareProcesses(template));
        } finally {
            template.close();
        }
    }
}
