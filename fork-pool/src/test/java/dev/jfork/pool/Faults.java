package dev.jfork.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** What the fault tests share: signalling processes, and reading a failure's whole story. */
final class Faults {
    private Faults() {}

    /** Sends signal {@code name} ("KILL", "STOP", ...) to {@code pid} with kill(1), within {@code within}. */
    static void signal(String name, long pid, Duration within) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(pid)).inheritIO().start();
        assertTrue(kill.waitFor(within.toMillis(), TimeUnit.MILLISECONDS), "kill -" + name + " hangs");
        assertEquals(0, kill.exitValue(), "kill -" + name + " " + pid);
    }

    /** The exception and all its causes, one per line: where a failure's reason may be said. */
    static String fullText(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = e; c != null; c = c.getCause()) {
            b.append(c).append('\n');
            if (c.getCause() == c) {
                break;
            }
        }
        return b.toString();
    }
}
