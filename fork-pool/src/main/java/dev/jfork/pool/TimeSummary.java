package dev.jfork.pool;

import java.time.Duration;

/** Count, total, mean and maximum of a set of durations (job wait or run times). */
public final class TimeSummary {
    private final long count;
    private final long totalNanos;
    private final long maxNanos;

    TimeSummary(long count, long totalNanos, long maxNanos) {
        this.count = count;
        this.totalNanos = totalNanos;
        this.maxNanos = maxNanos;
    }

    /**
     * How many durations this summarizes.
     *
     * @return the number of durations
     */
    public long count() {
        return count;
    }

    /**
     * The sum of the durations.
     *
     * @return the total, zero if there are none
     */
    public Duration total() {
        return Duration.ofNanos(totalNanos);
    }

    /**
     * The mean of the durations, rounded down to the nanosecond.
     *
     * @return {@link #total()} divided by {@link #count()}, zero if there are none
     */
    public Duration mean() {
        return Duration.ofNanos(count == 0 ? 0 : totalNanos / count);
    }

    /**
     * The longest of the durations.
     *
     * @return the maximum, zero if there are none
     */
    public Duration max() {
        return Duration.ofNanos(maxNanos);
    }

    @Override
    public String toString() {
        return "n=" + count + " mean=" + mean().toNanos() / 1000 + "us max=" + maxNanos / 1000 + "us";
    }
}
