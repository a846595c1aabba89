package dev.jfork.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.jfork.ForkArgs;
import dev.jfork.ForkChannel;


/**
 * A realistic worker preparation for {@link FastForkBench}: the classes a template {@code require}s
 * ({@link WorkloadClasses#NAMES}, ending with this class), and a static initialiser that uses them the way a
 * worker would (an executor with {@code CompletableFuture}s, concurrent collections, a scheduled
 * task, a Unix-domain socket round trip through a {@code Selector}, a Kryo round trip, formatting
 * and a regex), like the {@code App} of {@code baselines.md} §2. It runs wherever the class is
 * initialised: in the template, in each of its forks, in the class-data archive's training JVM and
 * in the plain JVMs ({@link IdleMain}); it leaves no thread and no file behind.
 */
public final class Workload {
    private Workload() {}

    /** What the static initialiser computed (so it cannot be optimised away). */
    static final String SUMMARY;

    static {
        try {
            SUMMARY = Exercise.run();
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A value object for the Kryo round trip. */
    public static final class Sample {
        public int id;
        public String name;
        public List<String> tags = new ArrayList<>();
        public Map<String, Integer> counts = new HashMap<>();
    }

    /**
     * The idle worker's run function: blocks reading its channel and returns (the process exits)
     * at end of stream, when the parent closes its end.
     */
    public static void idle(ForkChannel parent, ForkArgs args) throws IOException {
        InputStream in = parent.inputStream();
        byte[] buf = new byte[256];
        while (in.read(buf) >= 0) {
            // nothing to do with it
        }
    }

    /**
     * The work itself, in a class of its own: the executor threads run its lambdas, and lambdas of
     * {@link Workload} would wait for {@code Workload}'s own initialisation (a class-init deadlock).
     */
    private static final class Exercise {
        private Exercise() {}

        static String run() throws Exception {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
            try {
                ConcurrentHashMap<String, Integer> map = new ConcurrentHashMap<>();
                LinkedBlockingQueue<Integer> queue = new LinkedBlockingQueue<>();
                List<CompletableFuture<Integer>> futures = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    int n = i;
                    futures.add(CompletableFuture.supplyAsync(() -> {
                        map.merge("k" + (n % 3), n, Integer::sum);
                        queue.add(n);
                        return n * n;
                    }, pool));
                }
                int sum = CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0]))
                        .thenApply(v -> futures.stream().mapToInt(CompletableFuture::join).sum())
                        .get(30, TimeUnit.SECONDS);
                String tick = timer.schedule(() -> "tick", 1, TimeUnit.MILLISECONDS).get(30, TimeUnit.SECONDS);
                String echo = unixSocketRoundTrip("ping " + sum);
                Sample s = new Sample();
                s.id = sum;
                s.name = echo;
                s.tags.add(tick);
                s.counts.putAll(map);
                Sample back = kryoRoundTrip(s);
                String text = String.format(Locale.ROOT, "%d %s %s %d %s", back.id, back.name, back.tags, back.counts.size(),
                        DateTimeFormatter.ISO_INSTANT.format(Instant.now()));
                if (!Pattern.compile("^\\d+ ping \\d+").matcher(text).find()) {
                    throw new IllegalStateException("unexpected workload result " + text);
                }
                return text;
            } finally {
                pool.shutdownNow();
                timer.shutdownNow();
                pool.awaitTermination(30, TimeUnit.SECONDS);
                timer.awaitTermination(30, TimeUnit.SECONDS);
            }
        }

        private static String unixSocketRoundTrip(String message) throws IOException {
            Path dir = Files.createTempDirectory("jfork-bench-");
            Path socket = dir.resolve("s");
            try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                server.bind(UnixDomainSocketAddress.of(socket));
                try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                        SocketChannel accepted = server.accept();
                        Selector selector = Selector.open()) {
                    accepted.configureBlocking(false);
                    accepted.register(selector, SelectionKey.OP_READ);
                    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
                    client.write(ByteBuffer.wrap(bytes));
                    ByteBuffer in = ByteBuffer.allocateDirect(256);
                    while (in.position() < bytes.length) {
                        if (selector.select(10_000) == 0) {
                            throw new IOException("no data on the Unix-domain socket");
                        }
                        selector.selectedKeys().clear();
                        if (accepted.read(in) < 0) {
                            throw new IOException("end of stream on the Unix-domain socket");
                        }
                    }
                    in.flip();
                    byte[] got = new byte[in.remaining()];
                    in.get(got);
                    return new String(got, StandardCharsets.UTF_8);
                }
            } finally {
                Files.deleteIfExists(socket);
                Files.deleteIfExists(dir);
            }
        }

        private static Sample kryoRoundTrip(Sample s) {
            Kryo kryo = new Kryo();
            kryo.register(Sample.class);
            kryo.register(ArrayList.class);
            kryo.register(HashMap.class);
            Output out = new Output(256, -1);
            kryo.writeClassAndObject(out, s);
            try (Input in = new Input(out.toBytes())) {
                return (Sample) kryo.readClassAndObject(in);
            }
        }
    }
}
