package dev.jfork.pool;

/**
 * {@link ForkPool} statistics for JMX or a metrics library:
 * {@code ManagementFactory.getPlatformMBeanServer().registerMBean(pool.mxBean(), new ObjectName("dev.jfork:type=ForkPool,name=x"))}.
 */
public interface ForkPoolMXBean {
    int getWorkers();

    int getStarting();

    int getIdle();

    int getBusy();

    int getRetiring();

    int getQueued();

    long getCompleted();

    long getFailed();

    long getRestarts();

    double getMeanWaitMillis();

    double getMeanRunMillis();
}
