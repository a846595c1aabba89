package dev.jfork.bench;

import java.io.IOException;

/**
 * The plain-JVM baseline of {@link FastForkBench} for a realistic worker: loads and initialises
 * {@link WorkloadClasses#NAMES} in order (what a workload template {@code require}s), writes one byte to
 * stdout (so the parent can time "ready") and then, without arguments, blocks reading stdin until
 * end of stream (an idle worker, for the memory measurement); with the argument {@code once} it
 * returns at once (the latency measurement).
 */
public final class IdleMain {
    private IdleMain() {}

    public static void main(String[] args) throws ClassNotFoundException, IOException {
        ClassLoader loader = ClassLoader.getSystemClassLoader();
        for (String name : WorkloadClasses.NAMES) {
            Class.forName(name, true, loader);
        }
        System.out.write('.');
        System.out.flush();
        if (args.length > 0 && "once".equals(args[0])) {
            return;
        }
        byte[] buf = new byte[256];
        while (System.in.read(buf) >= 0) {
            // idle until the parent closes our stdin
        }
    }
}
