package dev.jfork;

import static dev.jfork.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

import org.junit.jupiter.api.Test;

import dev.jfork.pool.ForkPool;

/**
 * A pool asks its template for the spares it may still start workers from ({@code keepSpares}):
 * {@code max} when it is built, so that its workers start from spares started ahead; none once it
 * is closed. In package dev.jfork for fork-core's test hooks ({@code Fork.link()}).
 */
class PoolSparesTest {
    private static final String RUN = "dev.jfork.pool.PoolJobs.run";

    /** One spare of its own (up to 8 on demand); a burst of forks is forgotten 300 ms after the last one. */
    private static Fork template() throws InterruptedException {
        Fork t = Fork.newTemplate(JvmSpec.builder().spares(1).maxSpares(8).spareIdleTimeout(Duration.ofMillis(300))
                .classDataSharing(false).build()).require("dev.jfork.pool.PoolJobs");
        assertTrue(t.link().awaitSpares(1, TestSupport.DEADLINE.toMillis()), "no first spare");
        return t;
    }

    private static int childProcesses(Fork template) {
        return (int) ProcessHandle.of(template.pid().orElseThrow()).orElseThrow().children().count();
    }

    /** Polls {@code condition} until it holds, failing at the deadline. */
    private static void waitUntil(BooleanSupplier condition, java.util.function.Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + TestSupport.DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(5);
        }
    }

    @Test
    void aPoolAsksItsTemplateForMaxSparesWhenBuiltAndForNoneOnceClosed() throws Exception {
        Fork template = template();
        try {
            assertEquals(1, template.link().parkedSpares(), "spares(1)");
            ForkPool pool = ForkPool.builder(template, RUN).max(3).build(); // idle(0): no worker, no fork yet
            assertTrue(template.link().awaitSpares(3, TestSupport.DEADLINE.toMillis()), "the template did not start the pool's spares");
            assertTrue(childProcesses(template) <= 3, "more spares than the pool asked for: " + childProcesses(template));
            pool.close();
            assertTrue(pool.awaitTermination(TestSupport.DEADLINE), "the pool did not terminate");
            // no fork was asked for: nothing but the pool's request kept them
            waitUntil(() -> template.link().parkedSpares() == 1 && childProcesses(template) == 1,
                    () -> "the template did not return to spares(1): " + template.link().parkedSpares() + " parked, "
                            + childProcesses(template) + " processes");
        } finally {
            template.close();
        }
    }

    @Test
    void aPoolsWorkersStartFromSparesStartedAhead() throws Exception {
        Fork template = template();
        Path file = Files.createTempFile("jfork-pool", ".jfr");
        Set<Long> pids = new HashSet<>();
        try (Recording r = new Recording()) {
            r.enable("dev.jfork.HandOver");
            r.start();
            ForkPool pool = ForkPool.builder(template, RUN).max(3).load(1).start(Duration.ZERO).build();
            assertTrue(template.link().awaitSpares(3, TestSupport.DEADLINE.toMillis()), "the template did not start the pool's spares");
            List<CompletableFuture<Long>> jobs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                jobs.add(pool.call("sleep", 1000)); // three at once: three workers
            }
            for (CompletableFuture<Long> j : jobs) {
                pids.add(await(j));
            }
            pool.close();
            assertTrue(pool.awaitTermination(TestSupport.DEADLINE), "the pool did not terminate");
            r.stop();
            r.dump(file);
        } finally {
            template.close();
        }
        try {
            assertEquals(3, pids.size(), "three workers");
            List<RecordedEvent> handOvers = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals("dev.jfork.HandOver") && pids.contains(e.getLong("pid"))).collect(Collectors.toList());
            assertEquals(3, handOvers.size(), handOvers.toString());
            for (RecordedEvent e : handOvers) {
                assertEquals("parked spare", e.getString("source"), "a worker was not started ahead: " + e);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
