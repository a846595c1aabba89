package dev.jfork.internal.template;

import java.util.ArrayDeque;

import dev.jfork.internal.wire.SparePolicy;

/**
 * How many spares a template keeps, from the demand it sees: the spare policy's base at least;
 * as many as forks were asked for within {@link #BURST_WINDOW_NANOS} when that is more (the
 * largest such burst counts, so the same burst finds its spares ready the next time); at least
 * what the parent asked to keep ({@code KEEP_SPARES}); never more than the policy's max, and no
 * more beyond the base than fit in the memory budget at what one spare takes. A burst is
 * forgotten once no fork has been asked for during the policy's idle timeout.
 *
 * <p>Pure arithmetic over the times it is given (System.nanoTime values), so it is tested without
 * processes or clocks; {@link SpareKeeper} guards it with its lock.
 */
final class SpareDemand {
    /**
     * Fork requests this close together count as one burst. A second: long enough that a caller
     * forking workers one after the other in a loop (each start a few milliseconds) is one burst,
     * short enough that a steady trickle of forks is not mistaken for one.
     */
    static final long BURST_WINDOW_NANOS = 1_000_000_000L;

    private final SparePolicy policy;
    private final long idleNanos;
    /** When the requests of the current window came. */
    private final ArrayDeque<Long> recent = new ArrayDeque<>();
    /** The largest burst since the template was last idle. */
    private int burst;
    private long lastRequest;
    /** What the parent asked to keep. */
    private int requested;

    SpareDemand(SparePolicy policy) {
        this.policy = policy;
        this.idleNanos = Math.max(1, policy.idleMs()) * 1_000_000L;
    }

    /** A fork was asked for at {@code now}. */
    void request(long now) {
        lastRequest = now;
        recent.addLast(now);
        while (now - recent.peekFirst() > BURST_WINDOW_NANOS) {
            recent.pollFirst();
        }
        burst = Math.max(burst, recent.size());
    }

    /** The parent asks to keep at least {@code count} (replacing an earlier request; 0: none). */
    void keep(int count) {
        requested = Math.max(0, count);
    }

    /** How long from {@code now} until a burst is forgotten (0 if there is none to forget). */
    long untilIdle(long now) {
        return burst > 0 ? Math.max(1, lastRequest + idleNanos - now) : 0;
    }

    /**
     * How many spares to keep at {@code now}, given what one takes ({@code perSpareBytes}, 0 if not
     * known yet: then the budget is not applied).
     */
    int target(long now, long perSpareBytes) {
        if (burst > 0 && now - lastRequest >= idleNanos) {
            burst = 0; // idle for the whole timeout: back to the base
            recent.clear();
        }
        int want = Math.min(policy.max(), Math.max(policy.base(), Math.max(requested, burst)));
        if (want > policy.base() && perSpareBytes > 0) {
            want = (int) Math.max(policy.base(), Math.min(want, policy.budgetBytes() / perSpareBytes));
        }
        return want;
    }

    /** Whether spares beyond the base are wanted at all (the budget may still deny them). */
    boolean wantsMoreThanBase() {
        return Math.min(policy.max(), Math.max(requested, burst)) > policy.base();
    }
}
