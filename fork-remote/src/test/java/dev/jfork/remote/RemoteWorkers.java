package dev.jfork.remote;

/** Worker functions the remote tests call through RPC and pools. */
public final class RemoteWorkers {
    private RemoteWorkers() {}

    /** Its first argument back, with the worker's pid: {@code "pid:arg"}. */
    public static Object echo(Object... args) {
        return ProcessHandle.current().pid() + ":" + args[0];
    }

    /** {@link #echo} after 20 ms: long enough that every worker of a pool gets some of a burst. */
    public static Object slowEcho(Object... args) throws InterruptedException {
        Thread.sleep(20);
        return echo(args);
    }

    /** Sums its integer arguments. */
    public static Object sum(Object... args) {
        long s = 0;
        for (Object a : args) {
            s += ((Number) a).longValue();
        }
        return s;
    }
}
