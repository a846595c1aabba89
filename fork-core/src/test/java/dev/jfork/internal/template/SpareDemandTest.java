package dev.jfork.internal.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.jfork.internal.wire.SparePolicy;

/** How many spares a template keeps, from the demand it saw: driven by times given, no processes. */
class SpareDemandTest {
    private static final long MS = 1_000_000L;
    /** base 2, max 8, idle timeout 30 s, budget 100 MB. */
    private static final SparePolicy POLICY = new SparePolicy(2, 8, 30, 30_000, 100_000_000L);
    private static final long MB = 1_000_000L;

    @Test
    void withoutDemandTheBaseIsKept() {
        SpareDemand d = new SpareDemand(POLICY);
        assertEquals(2, d.target(0, 0));
        assertFalse(d.wantsMoreThanBase());
        assertEquals(0, d.untilIdle(0), "nothing to forget");
    }

    @Test
    void aBurstWithinASecondIsKeptUntilTheIdleTimeout() {
        SpareDemand d = new SpareDemand(POLICY);
        long t = 1_000 * MS;
        for (int i = 0; i < 5; i++) {
            d.request(t + i * 100 * MS); // 5 forks within 0.4 s
        }
        assertEquals(5, d.target(t + 500 * MS, 0));
        assertTrue(d.wantsMoreThanBase());
        // the same burst again after a pause finds the 5: still remembered within the idle timeout
        assertEquals(5, d.target(t + 20_000 * MS, 0));
        assertEquals(30_000 * MS - 100 * MS, d.untilIdle(t + 500 * MS), "idle counted from the last request");
        // no fork for the whole idle timeout: back to the base
        assertEquals(2, d.target(t + 400 * MS + 30_000 * MS, 0));
        assertEquals(0, d.untilIdle(t + 400 * MS + 30_000 * MS));
    }

    @Test
    void requestsFurtherApartThanTheWindowAreNoBurst() {
        SpareDemand d = new SpareDemand(POLICY);
        for (int i = 0; i < 10; i++) {
            d.request(i * 1_100 * MS); // one fork every 1.1 s
        }
        assertEquals(2, d.target(10_000 * MS, 0), "a trickle of single forks is covered by the base");
    }

    @Test
    void theLargestBurstCountsAndMaxBoundsIt() {
        SpareDemand d = new SpareDemand(POLICY);
        for (int i = 0; i < 20; i++) {
            d.request(i * MS);
        }
        assertEquals(8, d.target(30 * MS, 0), "never more than max");
        d.request(5_000 * MS);
        assertEquals(8, d.target(5_001 * MS, 0), "a smaller burst later does not lower it");
    }

    @Test
    void whatTheParentAsksForIsKeptAndReplaced() {
        SpareDemand d = new SpareDemand(POLICY);
        d.keep(6);
        assertEquals(6, d.target(0, 0));
        assertEquals(6, d.target(1_000_000 * MS, 0), "a request does not time out");
        d.keep(0);
        assertEquals(2, d.target(1_000_000 * MS, 0));
        d.keep(100);
        assertEquals(8, d.target(0, 0));
    }

    @Test
    void theBudgetBoundsSparesBeyondTheBaseOnly() {
        SpareDemand d = new SpareDemand(POLICY);
        d.keep(8);
        assertEquals(8, d.target(0, 0), "not measured yet: not applied");
        assertEquals(4, d.target(0, 25 * MB), "100 MB at 25 MB a spare");
        assertEquals(2, d.target(0, 300 * MB), "the base is kept whatever it takes");
        SpareDemand none = new SpareDemand(new SparePolicy(2, 8, 30, 30_000, 0));
        none.keep(8);
        assertEquals(2, none.target(0, 25 * MB));
    }

    @Test
    void noSparesMeansNone() {
        SpareDemand d = new SpareDemand(SparePolicy.NONE);
        d.keep(5);
        d.request(0);
        assertEquals(0, d.target(0, 0));
    }
}
