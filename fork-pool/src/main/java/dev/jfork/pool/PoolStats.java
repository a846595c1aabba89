package dev.jfork.pool;

/**
 * A snapshot of a {@link ForkPool}. Worker counts are by state ({@code workers() = starting() +
 * idle() + busy() + retiring()}); job counts are since the pool was built. For JMX, register
 * {@link ForkPool#mxBean()}.
 */
public final class PoolStats {
    private final int starting;
    private final int idle;
    private final int busy;
    private final int retiring;
    private final int queued;
    private final long completed;
    private final long failed;
    private final long restarts;
    private final TimeSummary waitTime;
    private final TimeSummary runTime;

    PoolStats(int starting, int idle, int busy, int retiring, int queued, long completed, long failed, long restarts,
            TimeSummary waitTime, TimeSummary runTime) {
        this.starting = starting;
        this.idle = idle;
        this.busy = busy;
        this.retiring = retiring;
        this.queued = queued;
        this.completed = completed;
        this.failed = failed;
        this.restarts = restarts;
        this.waitTime = waitTime;
        this.runTime = runTime;
    }

    /** Worker processes of the pool, in any state. */
    public int workers() {
        return starting + idle + busy + retiring;
    }

    /** Workers started that have not yet answered a job (or been seen up). */
    public int starting() {
        return starting;
    }

    /** Workers with no job. */
    public int idle() {
        return idle;
    }

    /** Workers with at least one job. */
    public int busy() {
        return busy;
    }

    /** Workers that take no new jobs: retired by themselves, recycled, or being stopped. */
    public int retiring() {
        return retiring;
    }

    /** Jobs accepted but not yet sent to a worker. */
    public int queued() {
        return queued;
    }

    /** Jobs that completed with a result. */
    public long completed() {
        return completed;
    }

    /** Jobs that completed with an error, a timeout or a cancellation. */
    public long failed() {
        return failed;
    }

    /** Workers that died (not retired or stopped by the pool). */
    public long restarts() {
        return restarts;
    }

    /** How long jobs waited in the queue before being sent to a worker. */
    public TimeSummary waitTime() {
        return waitTime;
    }

    /** How long jobs took from being sent to a worker to their completion. */
    public TimeSummary runTime() {
        return runTime;
    }

    @Override
    public String toString() {
        return "PoolStats[workers=" + workers() + " (starting " + starting + ", idle " + idle + ", busy " + busy
                + ", retiring " + retiring + "), queued=" + queued + ", completed=" + completed + ", failed=" + failed
                + ", restarts=" + restarts + ", wait " + waitTime + ", run " + runTime + "]";
    }
}
