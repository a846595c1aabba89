package dev.jfork.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.jfork.Fork;
import dev.jfork.ForkChannel;
import dev.jfork.remote.ForkRemote;
import dev.jfork.remote.RemoteSpec;
import dev.jfork.remote.SshServer;
import dev.jfork.rpc.Rpc;
import dev.jfork.rpc.RpcClient;

/**
 * fork-remote next to the same work on this machine, in one run (issue "fork-remote"): a template
 * reached through real OpenSSH against a local template.
 *
 * <p>Measured per target ({@code local}: {@code Fork.exec()}; {@code ssh}: {@code ForkRemote.ssh}
 * to a private sshd on 127.0.0.1 started for the run, the same machine, so what shows is the cost
 * of the connection, not of a network; {@code command}: {@code ForkRemote.command(env)}, the
 * connection without ssh's encryption):
 * <ul>
 *   <li>{@code fork}: {@code template.fork().run(BenchChild::writeByte)} until the parent read the
 *       byte, one at a time with a pause (spares ready), p50/p90;
 *   <li>{@code rpc-seq}: {@code rpc.call(i).get()} in a loop, calls/s;
 *   <li>{@code rpc-pipe}: {@code depth} calls queued, the last awaited, repeated, calls/s.
 * </ul>
 *
 * <p>Options ({@code --name=value}): {@code samples} (30), {@code pause} (0.2 s), {@code seconds}
 * (3 per RPC mode), {@code depth} (10000), {@code targets} (local,ssh,command), {@code out}
 * (directory for {@code remote.md}).
 */
public final class RemoteBench {
    private RemoteBench() {}

    static final List<String> TARGETS = List.of("local", "ssh", "command");

    /** The options. */
    static final class Options {
        final int samples;
        final double pause;
        final double seconds;
        final int depth;
        final List<String> targets;
        final Path out;

        Options(BenchArgs a) {
            samples = a.integer("samples", 30);
            pause = a.decimal("pause", 0.2);
            seconds = a.decimal("seconds", 3);
            depth = a.integer("depth", 10_000);
            targets = a.names("targets", TARGETS, "target", TARGETS);
            out = a.path("out", Paths.get("target", "remote").toAbsolutePath());
            if (samples < 1 || pause < 0 || seconds <= 0 || depth < 1) {
                throw new IllegalArgumentException("need samples >= 1, pause >= 0, seconds > 0, depth >= 1");
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = BenchArgs.parse(args, Options::new);
        int samples = o.samples;
        double pause = o.pause;
        double seconds = o.seconds;
        int depth = o.depth;
        List<String> targets = o.targets;
        Path out = o.out;
        Path cache = Files.createTempDirectory("jfork-remote-bench-cache");
        Map<String, double[]> results = new LinkedHashMap<>();
        SshServer sshd = targets.contains("ssh") ? SshServer.start() : null;
        try {
            for (String t : targets) {
                Fork template = template(t, sshd, cache).require(BenchChild.class).require(RpcBench.class);
                try {
                    results.put(t, measure(t, template, samples, pause, seconds, depth));
                } finally {
                    template.close();
                    template.onExit().get(60, TimeUnit.SECONDS);
                }
            }
        } finally {
            if (sshd != null) {
                sshd.close();
            }
            deleteTree(cache);
        }
        String report = report(results, samples, seconds, depth);
        System.out.println(report);
        Files.createDirectories(out);
        Files.write(out.resolve("remote.md"), report.getBytes(StandardCharsets.UTF_8));
    }

    private static Fork template(String target, SshServer sshd, Path cache) {
        RemoteSpec.Builder spec = RemoteSpec.builder().java(Paths.get(System.getProperty("java.home"), "bin", "java").toString())
                .cacheDirectory(cache.toString()).jvmOptions("--enable-native-access=ALL-UNNAMED");
        switch (target) {
            case "local":
                return Fork.exec();
            case "ssh":
                return ForkRemote.ssh(sshd.destination(), spec.sshOptions(sshd.sshOptions().toArray(new String[0])).build());
            default:
                return ForkRemote.command(List.of("env"), spec.build());
        }
    }

    /** {fork p50 ms, fork p90 ms, rpc-seq calls/s, rpc-pipe calls/s}. */
    private static double[] measure(String target, Fork template, int samples, double pause, double seconds, int depth) throws Exception {
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < samples + 3; i++) {
            Thread.sleep((long) (pause * 1000)); // spares are ready again, and the machine is quiet
            long t0 = System.nanoTime();
            Fork f = template.fork();
            ForkChannel ch = f.run(BenchChild::writeByte).get(60, TimeUnit.SECONDS);
            if (ch.inputStream().read() < 0) {
                throw new IOException(target + ": no byte from the fork");
            }
            long t1 = System.nanoTime();
            ch.close();
            f.onExit().get(60, TimeUnit.SECONDS);
            if (i >= 3) {
                ms.add((t1 - t0) / 1e6);
            }
        }
        RpcClient rpc = Rpc.run(template.fork(), RpcBench::inc);
        long n = 0;
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long t0 = System.nanoTime();
        while (System.nanoTime() < deadline) {
            rpc.call(Integer.class, 1).get(60, TimeUnit.SECONDS);
            n++;
        }
        double seq = n * 1e9 / (System.nanoTime() - t0);
        n = 0;
        deadline = System.nanoTime() + (long) (seconds * 1e9);
        t0 = System.nanoTime();
        while (System.nanoTime() < deadline) {
            CompletableFuture<Integer> last = null;
            for (int i = 0; i < depth; i++) {
                last = rpc.call(Integer.class, i);
            }
            last.get(60, TimeUnit.SECONDS);
            n += depth;
        }
        double pipe = n * 1e9 / (System.nanoTime() - t0);
        rpc.close();
        rpc.terminated().get(60, TimeUnit.SECONDS);
        System.err.printf(Locale.ROOT, "[bench] %s: fork p50 %.2f ms, rpc-seq %.0f/s, rpc-pipe %.0f/s%n", target,
                SpawnBench.median(ms), seq, pipe);
        return new double[] {SpawnBench.median(ms), FastForkBench.percentile(ms, 0.9), seq, pipe};
    }

    private static void deleteTree(Path root) {
        try (java.util.stream.Stream<Path> s = Files.walk(root)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("[bench] WARNING: cannot delete " + root + ": " + e);
        }
    }

    private static String report(Map<String, double[]> r, int samples, double seconds, int depth) {
        StringBuilder b = new StringBuilder("### RemoteBench, JDK ").append(Runtime.version().feature()).append(", ")
                .append(java.time.Instant.now().toString(), 0, 16).append(" UTC, load average ").append(SpawnBench.loadAverage())
                .append("\n\n| target | fork to first byte, spare ready: p50 | p90 | RPC sequential calls/s | RPC pipelined (")
                .append(depth).append(") calls/s |\n|---|---:|---:|---:|---:|\n");
        for (Map.Entry<String, double[]> e : r.entrySet()) {
            double[] v = e.getValue();
            b.append(String.format(Locale.ROOT, "| %s | %.2f ms | %.2f ms | %.0f | %.0f |%n", label(e.getKey()), v[0], v[1], v[2], v[3]));
        }
        b.append(String.format(Locale.ROOT, "%n%d fork samples per target (0.2 s apart, spares ready), %.0f s per RPC mode.%n", samples,
                seconds));
        return b.toString();
    }

    private static String label(String target) {
        switch (target) {
            case "local":
                return "this machine: `Fork.exec()`";
            case "ssh":
                return "`ForkRemote.ssh` to 127.0.0.1 (OpenSSH)";
            default:
                return "`ForkRemote.command(env)` (the connection without ssh)";
        }
    }
}
