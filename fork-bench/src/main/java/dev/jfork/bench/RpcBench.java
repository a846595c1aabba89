package dev.jfork.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.jfork.rpc.Rpc;
import dev.jfork.rpc.RpcClient;
import dev.jfork.rpc.RpcOptions;
import dev.jfork.rpc.RpcReply;
import dev.jfork.rpc.RpcSerializer;
import dev.jfork.Fork;
import dev.jfork.ForkArgs;
import dev.jfork.ForkChannel;

/**
 * Round trips per second of fork-rpc for tiny calls ({@code inc(int)}), next to a raw ping-pong
 * of the same number of bytes over the same kind of socket, in the same run.
 *
 * <p>Modes, measured interleaved (round-robin, one slice each per round, warm-up rounds excluded);
 * every worker is a fork of the default template ({@code Fork.create()}):
 * <ul>
 *   <li>{@code raw-seq}: the parent writes one frame of the size of an RPC call frame on the
 *       {@code ForkChannel} and reads the echo (one in flight): the physical limit;
 *   <li>{@code sync-seq}, {@code async-seq}: {@code rpc.call(i).get()} in a loop, sync and async
 *       backend;
 *   <li>{@code sync-pipe}, {@code async-pipe}: {@code depth} (10 000) calls queued at once, then
 *       the last one awaited, repeated;
 *   <li>{@code raw-pipe}: a writer thread sends {@code depth} raw frames while the main thread
 *       reads the echoes, repeated.
 * </ul>
 *
 * <p>Options ({@code --name=value}, else system property {@code bench.name}): {@code rounds} (7),
 * {@code warmup} (2), {@code slice} (2 seconds per mode per round), {@code depth} (10000),
 * {@code modes} (all), {@code serializer} ({@code kryo} or {@code bytes}), {@code report} (also
 * write the Markdown report to this file).
 */
public final class RpcBench {
    private RpcBench() {}

    private static final List<String> ALL_MODES = List.of("raw-seq", "sync-seq", "async-seq", "raw-pipe", "sync-pipe", "async-pipe");
    private static final String SELF = RpcBench.class.getName();

    // ------------------------------------------------------------------ child side

    /** The sync function: returns its argument plus one. */
    public static Object inc(Object... args) {
        return args[0] instanceof byte[] ? args[0] : (Integer) args[0] + 1;
    }

    /** The async function: answers at once with its argument plus one. */
    public static void incAsync(RpcReply reply, Object... args) {
        reply.done(args[0] instanceof byte[] ? args[0] : (Integer) args[0] + 1);
    }

    /** Raw echo: reads frames of {@code args.string(0)} bytes and writes each back. */
    public static void echo(ForkChannel ch, ForkArgs args) throws IOException {
        int size = Integer.parseInt(args.string(0));
        InputStream in = ch.inputStream();
        OutputStream out = ch.outputStream();
        byte[] buf = new byte[64 * 1024];
        int pending = 0; // bytes read but not yet echoed (whole frames are echoed)
        while (true) {
            int n = in.read(buf, pending, buf.length - pending);
            if (n < 0) {
                return;
            }
            pending += n;
            int whole = pending - pending % size;
            if (whole > 0) {
                out.write(buf, 0, whole);
                System.arraycopy(buf, whole, buf, 0, pending - whole);
                pending -= whole;
            }
        }
    }

    // ------------------------------------------------------------------ options

    static final class Options {
        final int rounds;
        final int warmup;
        final double slice;
        final int depth;
        final List<String> modes;
        final String serializer;
        final String report;

        private Options(BenchArgs a) {
            rounds = a.integer("rounds", 7);
            warmup = a.integer("warmup", 2);
            slice = a.decimal("slice", 2);
            depth = a.integer("depth", 10_000);
            modes = a.names("modes", ALL_MODES, "mode", ALL_MODES::contains, "known: " + String.join(", ", ALL_MODES));
            serializer = a.string("serializer", "kryo");
            report = a.string("report", null);
        }

        static Options parse(String[] args) {
            return BenchArgs.parse(args, Options::new);
        }
    }

    // ------------------------------------------------------------------ parent side

    /** One measured thing: runs batches of calls for a slice and returns calls per second. */
    private interface Mode extends AutoCloseable {
        /** Makes a batch of calls and returns how many. */
        long batch() throws Exception;

        /** Batch after batch until {@code seconds} have passed; calls per second. */
        default double run(double seconds) throws Exception {
            long end = System.nanoTime() + (long) (seconds * 1e9);
            long start = System.nanoTime();
            long calls = 0;
            while (true) {
                calls += batch();
                long now = System.nanoTime();
                if (now >= end) {
                    return calls / ((now - start) / 1e9);
                }
            }
        }

        @Override
        void close();
    }

    /** A mode on one RPC client; {@code bytes}: the argument is a 4-byte array (echoed) instead of an int. */
    private abstract static class RpcMode implements Mode {
        final RpcClient rpc;
        final boolean bytes;
        final byte[] payload = new byte[4];

        RpcMode(RpcClient rpc, boolean bytes) {
            this.rpc = rpc;
            this.bytes = bytes;
        }

        @Override
        public void close() {
            rpc.close();
            try {
                rpc.terminated().get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                System.err.println("RpcBench: closing " + rpc + " failed: " + e);
            }
        }
    }

    private static final class RpcSeq extends RpcMode {
        int next;

        RpcSeq(RpcClient rpc, boolean bytes) {
            super(rpc, bytes);
        }

        @Override
        public long batch() {
            for (int i = 0; i < 100; i++) {
                Object arg = bytes ? payload : (Object) next;
                Object r = rpc.call(arg).join();
                if (!bytes && (Integer) r != next + 1) {
                    throw new IllegalStateException("wrong result " + r + " for " + next);
                }
                next++;
            }
            return 100;
        }
    }

    private static final class RpcPipe extends RpcMode {
        final int depth;

        RpcPipe(RpcClient rpc, boolean bytes, int depth) {
            super(rpc, bytes);
            this.depth = depth;
        }

        @Override
        public long batch() throws Exception {
            CompletableFuture<Object> last = null;
            for (int i = 0; i < depth; i++) {
                last = rpc.call(bytes ? payload : (Object) i);
            }
            Object r = last.get(60, TimeUnit.SECONDS);
            if (!bytes && (Integer) r != depth) {
                throw new IllegalStateException("wrong result " + r);
            }
            return depth;
        }
    }

    private static final class RawSeq implements Mode {
        final ForkChannel ch;
        final Fork fork;
        final InputStream in;
        final OutputStream out;
        final byte[] frame;

        RawSeq(int size) throws Exception {
            fork = Fork.create().sendArg(String.valueOf(size));
            ch = fork.run(SELF + ".echo").get(60, TimeUnit.SECONDS);
            in = ch.inputStream();
            out = ch.outputStream();
            frame = new byte[size];
        }

        @Override
        public long batch() throws IOException {
            for (int i = 0; i < 100; i++) {
                out.write(frame);
                readFully(in, frame, frame.length);
            }
            return 100;
        }

        @Override
        public void close() {
            try {
                ch.close();
            } catch (IOException e) {
                // ignore
            }
            try {
                fork.onExit().get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                System.err.println("RpcBench: the exit of echo process " + fork.pid() + " was not reported within 30 s");
            } catch (Exception e) {
                System.err.println("RpcBench: waiting for the echo process failed: " + e);
            }
        }
    }

    private static final class RawPipe implements Mode {
        final RawSeq link;
        final int depth;
        final int size;
        final byte[] batch;
        final byte[] sink = new byte[64 * 1024];

        RawPipe(int size, int depth) throws Exception {
            this.link = new RawSeq(size);
            this.depth = depth;
            this.size = size;
            this.batch = new byte[size * 1024];
        }

        @Override
        public long batch() throws Exception {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    for (int sent = 0; sent < depth; sent += 1024) {
                        int k = Math.min(1024, depth - sent);
                        link.out.write(batch, 0, k * size);
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            long want = (long) depth * size;
            while (want > 0) {
                int n = link.in.read(sink, 0, (int) Math.min(sink.length, want));
                if (n < 0) {
                    throw new EOFException();
                }
                want -= n;
            }
            writer.get(60, TimeUnit.SECONDS);
            return depth;
        }

        @Override
        public void close() {
            link.close();
        }
    }

    private static void readFully(InputStream in, byte[] b, int len) throws IOException {
        int off = 0;
        while (off < len) {
            int n = in.read(b, off, len - off);
            if (n < 0) {
                throw new EOFException();
            }
            off += n;
        }
    }

    /** The size of the RPC call frame for {@code inc(42)}: 9 header bytes plus the encoded arguments. */
    static int callFrameSize(boolean bytes) throws Exception {
        RpcSerializer s = bytes ? new dev.jfork.rpc.internal.BytesSerializer()
                : new dev.jfork.rpc.internal.KryoSerializer(List.of());
        return 9 + s.encode(new Object[] {bytes ? new byte[4] : (Object) 42}).length;
    }

    private static Mode open(String mode, Options o, int frame) throws Exception {
        boolean bytes = o.serializer.equals("bytes");
        RpcOptions.Builder b = RpcOptions.builder();
        if (bytes) {
            b.serializer(RpcSerializer.bytes());
        }
        switch (mode) {
            case "raw-seq":
                return new RawSeq(frame);
            case "raw-pipe":
                return new RawPipe(frame, o.depth);
            case "sync-seq":
                return new RpcSeq(Rpc.run(Fork.create(), SELF + ".inc", b.build()), bytes);
            case "async-seq":
                return new RpcSeq(Rpc.run(Fork.create(), SELF + ".incAsync", b.async(true).build()), bytes);
            case "sync-pipe":
                return new RpcPipe(Rpc.run(Fork.create(), SELF + ".inc", b.build()), bytes, o.depth);
            case "async-pipe":
                return new RpcPipe(Rpc.run(Fork.create(), SELF + ".incAsync", b.async(true).build()), bytes, o.depth);
            default:
                throw new IllegalArgumentException("unknown mode " + mode + " (known: " + ALL_MODES + ")");
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        int frame = callFrameSize(o.serializer.equals("bytes"));
        Map<String, Mode> modes = new LinkedHashMap<>();
        for (String m : o.modes) {
            modes.put(m, open(m, o, frame));
        }
        Map<String, List<Double>> results = new LinkedHashMap<>();
        List<Double> seqRatios = new ArrayList<>();
        for (String m : modes.keySet()) {
            results.put(m, new ArrayList<>());
        }
        for (int round = 0; round < o.warmup + o.rounds; round++) {
            Map<String, Double> thisRound = new LinkedHashMap<>();
            for (Map.Entry<String, Mode> e : modes.entrySet()) {
                thisRound.put(e.getKey(), e.getValue().run(o.slice));
            }
            boolean warm = round < o.warmup;
            System.err.printf(Locale.ROOT, "%s %d: %s%n", warm ? "warm-up" : "round", warm ? round + 1 : round - o.warmup + 1,
                    format(thisRound));
            if (!warm) {
                thisRound.forEach((k, v) -> results.get(k).add(v));
                if (thisRound.containsKey("raw-seq") && thisRound.containsKey("sync-seq")) {
                    seqRatios.add(thisRound.get("sync-seq") / thisRound.get("raw-seq"));
                }
            }
        }
        for (Mode m : modes.values()) {
            m.close();
        }
        String report = report(o, frame, results, seqRatios);
        System.out.println(report);
        if (o.report != null) {
            Files.write(Paths.get(o.report), report.getBytes(StandardCharsets.UTF_8));
        }
        Fork.defaultTemplate().close();
    }

    private static String format(Map<String, Double> r) {
        StringBuilder b = new StringBuilder();
        r.forEach((k, v) -> b.append(String.format(Locale.ROOT, "%s=%.0f/s  ", k, v)));
        return b.toString().trim();
    }

    private static String report(Options o, int frame, Map<String, List<Double>> results, List<Double> seqRatios) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "## RPC round trips (%s, %s serializer, %d-byte call frames, %d rounds x %.1f s, depth %d)%n%n",
                "JDK " + Runtime.version(), o.serializer, frame, o.rounds, o.slice, o.depth));
        b.append("| mode | calls/s median | min | max | µs/call | vs raw |\n|---|---|---|---|---|---|\n");
        double rawSeq = results.containsKey("raw-seq") ? SpawnBench.median(results.get("raw-seq")) : Double.NaN;
        double rawPipe = results.containsKey("raw-pipe") ? SpawnBench.median(results.get("raw-pipe")) : Double.NaN;
        for (Map.Entry<String, List<Double>> e : results.entrySet()) {
            double med = SpawnBench.median(e.getValue());
            double raw = e.getKey().endsWith("-seq") ? rawSeq : rawPipe;
            b.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %,.0f | %.1f | %s |%n", e.getKey(), med,
                    SpawnBench.min(e.getValue()), SpawnBench.max(e.getValue()), 1e6 / med,
                    e.getKey().startsWith("raw") || Double.isNaN(raw) ? "" : String.format(Locale.ROOT, "%.2f×", med / raw)));
        }
        if (!seqRatios.isEmpty()) {
            b.append(String.format(Locale.ROOT, "%nsync-seq / raw-seq per round: median %.2f (%s)%n", SpawnBench.median(seqRatios),
                    seqRatios.stream().map(r -> String.format(Locale.ROOT, "%.2f", r)).reduce((x, y) -> x + ", " + y).orElse("")));
        }
        return b.toString();
    }
}
