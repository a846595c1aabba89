package dev.jfork.bench;

import dev.jfork.ForkArgs;
import dev.jfork.ForkChannel;


/**
 * What the benchmarked jfork children run: nothing. {@link #run} returns at once, so the child
 * exits (status 0) right after entering it. Also the class the user template {@code require}s.
 */
public final class BenchChild {
    private BenchChild() {}

    /** The run function: {@code dev.jfork.bench.BenchChild.run}. */
    public static void run(ForkChannel parent, ForkArgs args) {
        // return immediately: the process exits
    }
}
