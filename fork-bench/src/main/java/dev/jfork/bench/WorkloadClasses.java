package dev.jfork.bench;

/**
 * The classes a workload template of {@link FastForkBench} {@code require}s, in order, ending with
 * {@link Workload} (whose static initialiser uses them). A class of its own, so that the benchmark
 * JVM can name them without initialising {@link Workload}.
 */
public final class WorkloadClasses {
    private WorkloadClasses() {}

    /** JDK classes (java.util.concurrent, java.nio, java.time, regex, formatting), Kryo, then the workload. */
    static final String[] NAMES = {
        "java.util.concurrent.ThreadPoolExecutor",
        "java.util.concurrent.ScheduledThreadPoolExecutor",
        "java.util.concurrent.CompletableFuture",
        "java.util.concurrent.ConcurrentHashMap",
        "java.util.concurrent.LinkedBlockingQueue",
        "java.util.concurrent.ConcurrentLinkedQueue",
        "java.util.concurrent.locks.ReentrantReadWriteLock",
        "java.nio.channels.Selector",
        "java.nio.channels.ServerSocketChannel",
        "java.nio.channels.SocketChannel",
        "java.net.UnixDomainSocketAddress",
        "java.nio.file.Files",
        "java.time.Instant",
        "java.time.format.DateTimeFormatter",
        "java.util.regex.Pattern",
        "java.util.Formatter",
        "java.util.stream.Collectors",
        "com.esotericsoftware.kryo.Kryo",
        "com.esotericsoftware.kryo.io.Input",
        "com.esotericsoftware.kryo.io.Output",
        "com.esotericsoftware.kryo.serializers.FieldSerializer",
        "com.esotericsoftware.kryo.serializers.MapSerializer",
        "com.esotericsoftware.kryo.serializers.CollectionSerializer",
        "dev.jfork.bench.Workload",
    };

    /** {@link #NAMES} followed by {@code more}. */
    static String[] with(String... more) {
        String[] all = java.util.Arrays.copyOf(NAMES, NAMES.length + more.length);
        System.arraycopy(more, 0, all, NAMES.length, more.length);
        return all;
    }
}
