package dev.jfork.remote;

/** Worker functions the remote tests call through RPC and pools. */
public final class RemoteWorkers {
    private RemoteWorkers() {}

    /** Its first argument back, with the worker's pid: {@code "pid:arg"}. */
    public static Object echo(Object... args) {
        return ProcessHandle.current().pid() + ":" + args[0];
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
