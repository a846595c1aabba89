package dev.jfork.internal.template;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** When a template reads its spares' memory: driven by times given, no processes. */
class SpareKeeperPssTest {
    private static final long MS = 1_000_000L;
    private static final long DELAY = 30 * MS;

    @Test
    void unknownIsMeasuredAtOnceEvenInABurst() {
        long now = 10_000 * MS;
        assertTrue(SpareKeeper.pssDue(false, now, now - 10 * MS, now - MS, DELAY), "the budget holds from the first spare added");
    }

    @Test
    void notDuringABurst() {
        long now = 10_000 * MS;
        // last measured long ago, but a fork was handed over 5 ms ago: the keeper waits for the burst to end
        assertFalse(SpareKeeper.pssDue(true, now, now - 5_000 * MS, now - 5 * MS, DELAY));
        // the burst is over (nothing for the spare delay): measured before spares are started again
        assertTrue(SpareKeeper.pssDue(true, now - 5 * MS + DELAY, now - 5_000 * MS, now - 5 * MS, DELAY));
    }

    @Test
    void atMostOnceASecond() {
        long now = 10_000 * MS;
        assertFalse(SpareKeeper.pssDue(true, now, now - 999 * MS, now - 5_000 * MS, DELAY));
        assertTrue(SpareKeeper.pssDue(true, now, now - 1_000 * MS, now - 5_000 * MS, DELAY));
    }
}
