package dev.jfork;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Deadline-bounded waiting helpers: tests wait for events, never sleep. Shared with other modules' tests. */
public final class TestSupport {
    private TestSupport() {}

    public static final Duration DEADLINE = Duration.ofSeconds(60);

    public static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (ExecutionException e) {
            throw new AssertionError("future failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("no result within " + DEADLINE);
        }
    }

    /** The ForkException a run future fails with. */
    public static ForkException awaitFailure(CompletableFuture<?> future) {
        return awaitFailure(future, ForkException.class);
    }

    /** The exception of the given type a future fails with. */
    public static <E extends Throwable> E awaitFailure(CompletableFuture<?> future, Class<E> type) {
        try {
            Object v = future.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError("expected a failure, got " + v);
        } catch (ExecutionException e) {
            if (type.isInstance(e.getCause())) {
                return type.cast(e.getCause());
            }
            throw new AssertionError("expected a " + type.getSimpleName() + ", got " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (TimeoutException e) {
            throw new AssertionError("no failure within " + DEADLINE);
        }
    }

    public static void await(java.util.concurrent.CountDownLatch latch) {
        try {
            if (!latch.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("latch not released within " + DEADLINE + " (count " + latch.getCount() + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Reads one line (without read-ahead past the newline). */
    public static String readLine(ForkChannel ch) throws IOException {
        return readLine(ch.inputStream());
    }

    public static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0) {
                return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
            }
            if (c == '\n') {
                return b.toString(StandardCharsets.UTF_8);
            }
            b.write(c);
        }
    }

    public static String readAll(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    /** Waits for {@code condition} to hold, at most {@link #DEADLINE}; fails with {@code what} if it never does. */
    public static void waitUntil(java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail(what);
            }
            // polled, not spun: what it waits for may need this CPU (a niced background JVM, say)
            java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    public static ForkExit exitOf(Fork f) {
        return await(f.onExit());
    }

    /** Waits for a process (not necessarily a child) to end. */
    public static void awaitGone(long pid) {
        ProcessHandle.of(pid).ifPresent(h -> {
            try {
                h.onExit().get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException | ExecutionException | TimeoutException e) {
                fail("process " + pid + " still alive after " + DEADLINE);
            }
        });
    }

    /**
     * A command that starts a JVM like this test JVM: the same java and class path, and the JVM
     * options this suite's processes need ({@code --add-opens}, native access, Unsafe access) that
     * {@code keep} accepts. Append options and a main class.
     */
    public static java.util.List<String> javaCommand(java.util.function.Predicate<String> keep) {
        java.util.List<String> cmd = new java.util.ArrayList<>();
        cmd.add(java.nio.file.Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if ((a.startsWith("--add-opens") || a.startsWith("--enable-native-access") || a.startsWith("--sun-misc")) && keep.test(a)) {
                cmd.add(a);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        return cmd;
    }

    /**
     * This test JVM's class path as a program would have it: the entries of the manifest-only jar
     * surefire may start test JVMs with, or of {@code java.class.path}, without empty entries
     * (surefire's ends with one, which means the working directory).
     */
    public static String realClassPath() throws java.io.IOException {
        String cp = System.getProperty("java.class.path");
        java.util.List<String> entries = new java.util.ArrayList<>();
        for (String e : cp.split(java.io.File.pathSeparator)) {
            if (!e.isEmpty()) {
                entries.add(e);
            }
        }
        if (entries.size() == 1 && entries.get(0).endsWith(".jar")) {
            try (java.util.jar.JarFile jar = new java.util.jar.JarFile(entries.get(0))) {
                String listed = jar.getManifest() == null ? null : jar.getManifest().getMainAttributes().getValue("Class-Path");
                if (listed != null) {
                    entries.clear();
                    for (String url : listed.trim().split(" +")) {
                        entries.add(java.nio.file.Paths.get(java.net.URI.create(url)).toString());
                    }
                }
            }
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    /** A jar that only has a manifest naming {@code premainClass}: an agent whose classes come from the class path. */
    public static java.nio.file.Path agentJar(java.nio.file.Path dir, String premainClass) throws IOException {
        java.nio.file.Path jar = dir.resolve("agent-" + premainClass + ".jar");
        java.util.jar.Manifest m = new java.util.jar.Manifest();
        m.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(new java.util.jar.Attributes.Name("Premain-Class"), premainClass);
        new java.util.jar.JarOutputStream(java.nio.file.Files.newOutputStream(jar), m).close();
        return jar;
    }

    /** The threads of a JVM that did not end in time (its own jcmd, or why there is none), for a failure message. */
    public static String threadDump(long pid) {
        java.nio.file.Path jcmd = java.nio.file.Paths.get(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process p = new ProcessBuilder(jcmd.toString(), String.valueOf(pid), "Thread.print").redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            return "\nthreads of " + pid + ":\n" + text;
        } catch (IOException | InterruptedException e) {
            return "\n(no thread dump of " + pid + ": " + e + ")";
        }
    }
}
