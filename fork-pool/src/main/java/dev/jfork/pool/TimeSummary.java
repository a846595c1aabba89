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

    public long count() {
        return count;
    }

    public Duration total() {
        return Duration.ofNanos(totalNanos);
    }

    public Duration mean() {
        return Duration.ofNanos(count == 0 ? 0 : totalNanos / count);
    }

    public Duration max() {
        return Duration.ofNanos(maxNanos);
    }

    @Override
    public String toString() {
        return "n=" + count + " mean=" + mean().toNanos() / 1000 + "us max=" + maxNanos / 1000 + "us";
    }
}
