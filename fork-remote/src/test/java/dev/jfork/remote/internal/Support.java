package dev.jfork.remote.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import dev.jfork.remote.RemoteSpec;

/** What the RemoteLaunch tests share: the class path they sync, specs, and checks. */
final class Support {
    private Support() {}

    static final String ECHO = EchoMain.class.getName();

    /** The message of the IOException {@code launch} must fail with ("" if it has none). */
    static String failureMessage(org.junit.jupiter.api.function.Executable launch) {
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, launch);
        return e.getMessage() == null ? "" : e.getMessage();
    }

    /** This JVM's java: the remote side is this machine in every test. */
    static String java() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    static Path codeSource(Class<?> c) {
        try {
            return Paths.get(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The test classes (a directory: packed), a jar (JUnit's), and an entry that does not exist (skipped). */
    static List<Path> classPath() {
        Path testClasses = codeSource(EchoMain.class);
        assertTrue(Files.isDirectory(testClasses), "test classes are a directory: " + testClasses);
        Path jar = codeSource(org.junit.jupiter.api.Test.class);
        assertTrue(Files.isRegularFile(jar), "JUnit's API is a jar: " + jar);
        return List.of(testClasses, jar, testClasses.resolve("no-such-entry.jar"), jar);
    }

    static RemoteSpec.Builder spec(Path cache) {
        return RemoteSpec.builder().java(java()).cacheDirectory(cache.toString()).classPath(classPath());
    }

    /** Echoes bytes of every value through the connection. */
    static void assertEchoes(RemoteLaunch launch) throws IOException {
        byte[] data = new byte[100_000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + (i >> 8));
        }
        launch.out().write(data);
        launch.out().flush();
        byte[] back = launch.in().readNBytes(data.length);
        assertArrayEquals(data, back, "the echo");
    }

    /** What EchoMain wrote: its pid, then its arguments. */
    static long pid(Path file) throws IOException {
        String s = Files.readString(file, StandardCharsets.UTF_8);
        return Long.parseLong(s.substring(0, s.indexOf('\n')));
    }

    static List<String> args(Path file) throws IOException {
        String s = Files.readString(file, StandardCharsets.UTF_8);
        String rest = s.substring(s.indexOf('\n') + 1);
        List<String> args = new ArrayList<>(Arrays.asList(rest.split("\0", -1)));
        assertEquals("", args.remove(args.size() - 1), "arguments end with NUL");
        return args;
    }

    /** The process has ended (within a deadline) and left no descendant. */
    static void assertGone(ProcessHandle p) throws Exception {
        List<ProcessHandle> tree = p.descendants().collect(Collectors.toList());
        awaitEnd(p);
        for (ProcessHandle d : tree) {
            awaitEnd(d);
        }
    }

    static void assertGone(long pid) throws Exception {
        ProcessHandle.of(pid).ifPresent(p -> {
            try {
                awaitEnd(p);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    private static void awaitEnd(ProcessHandle p) throws Exception {
        try {
            p.onExit().get(20, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("process " + p.pid() + " " + p.info().commandLine().orElse("") + " is still alive");
        }
        assertFalse(p.isAlive());
    }

    static Set<PosixFilePermission> mode(Path p) throws IOException {
        return Files.getPosixFilePermissions(p);
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return ClassPathJars.sha256(in.readAllBytes());
        }
    }

    /** The cached jars and the class path's hashes are one and the same; modes 0700 and 0600. */
    static void assertCache(Path cache, RemoteLaunch launch) throws IOException {
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE),
                mode(cache), "cache directory mode");
        Path jars = cache.resolve("jars");
        assertEquals(mode(cache), mode(jars), "jars directory mode");
        List<String> names;
        try (var list = Files.list(jars)) {
            names = list.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
        assertEquals(launch.classPathHashes().stream().map(h -> h + ".jar").sorted().collect(Collectors.toList()), names,
                "the cache holds the class path's jars and nothing else (no temporary file)");
        for (String h : launch.classPathHashes()) {
            Path jar = jars.resolve(h + ".jar");
            assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE), mode(jar), "jar mode");
            assertEquals(h, sha256(jar), "cached jar content");
        }
    }
}
