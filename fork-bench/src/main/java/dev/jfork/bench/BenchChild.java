package dev.jfork.bench;

import java.io.IOException;
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

    /**
     * {@link FirstByteBench}'s run function: writes one byte to the parent, closes the channel and
     * returns, so the process exits right after the parent could read its first byte.
     */
    public static void writeByte(ForkChannel parent, ForkArgs args) throws IOException {
        parent.outputStream().write('.');
        parent.close();
    }
}
