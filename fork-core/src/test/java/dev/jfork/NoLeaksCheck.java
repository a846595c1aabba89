package dev.jfork;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.jfork.internal.parent.StderrTail;


/**
 * Extend in the last test class of a suite ({@code @Order(Integer.MAX_VALUE)}): after closing the
 * default template, no process owned by this JVM is alive (not even the forks of closed templates,
 * which are not our descendants), none is a zombie, and no socket or pipe is left open except the
 * owner's lifeline.
 */
public abstract class NoLeaksCheck {
    @Test
    void noProcessesZombiesOrDescriptorsAreLeft() throws Exception {
        Fork.defaultTemplate().close();
        List<ProcessHandle> alive = LeakCheck.awaitEnd(LeakCheck.ownedProcesses(), 30);
        assertTrue(alive.isEmpty(), "jfork processes still alive: "
                + alive.stream().map(LeakCheck::diagnose).collect(Collectors.toList()));
        List<ProcessHandle> descendants = LeakCheck.awaitEnd(ProcessHandle.current().descendants().collect(Collectors.toList()), 30);
        assertTrue(descendants.isEmpty(), "children (or zombies) left: " + descendants);
        assertTrue(StderrTail.awaitAllFinished(30_000), "stderr pipes of ended children are still open");
        if (LeakCheck.baseline != null) {
            TreeMap<Integer, String> now = LeakCheck.socketsAndPipes();
            now.keySet().removeAll(LeakCheck.baseline.keySet());
            // the lifeline pipe (both ends) lives as long as this JVM, by design
            long pipes = now.values().stream().filter(t -> t.startsWith("pipe:")).count();
            Map<Integer, String> sockets = new TreeMap<>(now);
            sockets.values().removeIf(t -> t.startsWith("pipe:"));
            assertEquals(Map.of(), sockets, "sockets left open by the suite");
            assertTrue(pipes <= 2, "pipes left open by the suite: " + now);
        }
    }
}
