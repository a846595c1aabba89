package dev.jfork.pool;

import java.util.concurrent.ThreadLocalRandom;

import dev.jfork.rpc.RpcChild;

/** The worker function of the pool tests (fork-rpc's sync backend). */
public final class PoolJobs {
    private PoolJobs() {}

    static volatile String initArg = "(no init)";

    /** Init: remembers its first argument (the template's) to show init saw the user's arguments only. */
    public static void init(dev.jfork.ForkArgs args) {
        initArg = args.size() + ":" + (args.size() > 0 ? args.string(0) : "");
    }

    /** Init that tells the parent the worker is up: event ("up", pid). */
    public static void announce() {
        RpcChild.event("up", ProcessHandle.current().pid(), "");
    }

    public static Object run(Object... args) throws Exception {
        String what = (String) args[0];
        switch (what) {
            case "echo":
                return args[1];
            case "pid":
                return ProcessHandle.current().pid();
            case "init":
                return initArg;
            case "work": {
                // 01_basic.t: work a random while, retire with probability 1/2
                Thread.sleep(ThreadLocalRandom.current().nextInt(200));
                if (ThreadLocalRandom.current().nextBoolean()) {
                    ForkPool.retire();
                }
                return 1;
            }
            case "sleep":
                Thread.sleep(((Number) args[1]).longValue());
                return ProcessHandle.current().pid();
            case "announceAndSleep":
                // tells the parent it is running (and where), then works for a long time
                RpcChild.event("running", ProcessHandle.current().pid(), args[1]);
                RpcChild.flush();
                Thread.sleep(((Number) args[2]).longValue());
                return "finished";
            case "fail":
                throw new IllegalArgumentException("job failed on purpose");
            default:
                throw new IllegalArgumentException("unknown job " + what);
        }
    }
}
