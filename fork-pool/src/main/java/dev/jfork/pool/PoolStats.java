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

    /**
     * Worker processes of the pool, in any state.
     *
     * @return the number of workers: starting, idle, busy and retiring
     */
    public int workers() {
        return starting + idle + busy + retiring;
    }

    /**
     * Workers started that have not yet answered a job (or been seen up).
     *
     * @return the number of starting workers
     */
    public int starting() {
        return starting;
    }

    /**
     * Workers with no job.
     *
     * @return the number of idle workers
     */
    public int idle() {
        return idle;
    }

    /**
     * Workers with at least one job.
     *
     * @return the number of busy workers
     */
    public int busy() {
        return busy;
    }

    /**
     * Workers that take no new jobs: retired by themselves, recycled, or being stopped.
     *
     * @return the number of retiring workers
     */
    public int retiring() {
        return retiring;
    }

    /**
     * Jobs accepted but not yet sent to a worker.
     *
     * @return the number of queued jobs
     */
    public int queued() {
        return queued;
    }

    /**
     * Jobs that completed with a result.
     *
     * @return the number of completed jobs since the pool was built
     */
    public long completed() {
        return completed;
    }

    /**
     * Jobs that completed with an error, a timeout or a cancellation.
     *
     * @return the number of failed jobs since the pool was built
     */
    public long failed() {
        return failed;
    }

    /**
     * Workers that died (not retired or stopped by the pool).
     *
     * @return the number of workers that died since the pool was built, including those that failed to start
     */
    public long restarts() {
        return restarts;
    }

    /**
     * How long jobs waited in the queue before being sent to a worker.
     *
     * @return the wait times of the jobs sent to a worker so far
     */
    public TimeSummary waitTime() {
        return waitTime;
    }

    /**
     * How long jobs took from being sent to a worker to their completion.
     *
     * @return the run times of the jobs sent to a worker that have since completed
     */
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
