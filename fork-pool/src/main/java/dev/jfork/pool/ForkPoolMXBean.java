package dev.jfork.pool;

/**
 * {@link ForkPool} statistics for JMX or a metrics library:
 * {@code ManagementFactory.getPlatformMBeanServer().registerMBean(pool.mxBean(), new ObjectName("dev.jfork:type=ForkPool,name=x"))}.
 */
public interface ForkPoolMXBean {
    /**
     * Worker processes of the pool, in any state ({@link PoolStats#workers()}).
     *
     * @return the number of workers
     */
    int getWorkers();

    /**
     * Workers started that have not yet answered a job or been seen up ({@link PoolStats#starting()}).
     *
     * @return the number of starting workers
     */
    int getStarting();

    /**
     * Workers with no job ({@link PoolStats#idle()}).
     *
     * @return the number of idle workers
     */
    int getIdle();

    /**
     * Workers with at least one job ({@link PoolStats#busy()}).
     *
     * @return the number of busy workers
     */
    int getBusy();

    /**
     * Workers that take no new jobs ({@link PoolStats#retiring()}).
     *
     * @return the number of retiring workers
     */
    int getRetiring();

    /**
     * Jobs accepted but not yet sent to a worker ({@link PoolStats#queued()}).
     *
     * @return the number of queued jobs
     */
    int getQueued();

    /**
     * Jobs that completed with a result, since the pool was built ({@link PoolStats#completed()}).
     *
     * @return the number of completed jobs
     */
    long getCompleted();

    /**
     * Jobs that completed with an error, a timeout or a cancellation, since the pool was built ({@link PoolStats#failed()}).
     *
     * @return the number of failed jobs
     */
    long getFailed();

    /**
     * Workers that died, since the pool was built ({@link PoolStats#restarts()}).
     *
     * @return the number of workers that died
     */
    long getRestarts();

    /**
     * The mean time jobs waited in the queue before being sent to a worker ({@link PoolStats#waitTime()}).
     *
     * @return the mean wait in milliseconds, 0 if no job was sent yet
     */
    double getMeanWaitMillis();

    /**
     * The mean time jobs took from being sent to a worker to their completion ({@link PoolStats#runTime()}).
     *
     * @return the mean run time in milliseconds, 0 if no job sent to a worker has completed yet
     */
    double getMeanRunMillis();
}
