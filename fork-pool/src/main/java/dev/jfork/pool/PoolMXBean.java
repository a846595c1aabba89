package dev.jfork.pool;

/** {@link ForkPoolMXBean} over a live pool: each getter takes a fresh snapshot. */
final class PoolMXBean implements ForkPoolMXBean {
    private final PoolScheduler manager;

    PoolMXBean(PoolScheduler manager) {
        this.manager = manager;
    }

    @Override
    public int getWorkers() {
        return manager.stats().workers();
    }

    @Override
    public int getStarting() {
        return manager.stats().starting();
    }

    @Override
    public int getIdle() {
        return manager.stats().idle();
    }

    @Override
    public int getBusy() {
        return manager.stats().busy();
    }

    @Override
    public int getRetiring() {
        return manager.stats().retiring();
    }

    @Override
    public int getQueued() {
        return manager.stats().queued();
    }

    @Override
    public long getCompleted() {
        return manager.stats().completed();
    }

    @Override
    public long getFailed() {
        return manager.stats().failed();
    }

    @Override
    public long getRestarts() {
        return manager.stats().restarts();
    }

    @Override
    public double getMeanWaitMillis() {
        return manager.stats().waitTime().mean().toNanos() / 1e6;
    }

    @Override
    public double getMeanRunMillis() {
        return manager.stats().runTime().mean().toNanos() / 1e6;
    }
}
