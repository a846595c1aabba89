package dev.jfork.remote;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.jfork.LeakCheck;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the end-to-end tests share: the "remote" side is this machine, with a cache of its own. */
final class RemoteTesting {
    private RemoteTesting() {}

    /** This JVM's java, the test's class path (sent), the cache {@code cache}. */
    static RemoteSpec.Builder spec(Path cache) {
        return RemoteSpec.builder().java(Paths.get(System.getProperty("java.home"), "bin", "java").toString())
                .cacheDirectory(cache.toString()).classPath(classPath()).jvmOptions("--enable-native-access=ALL-UNNAMED");
    }

    /** ... reached through the suite's sshd. */
    static RemoteSpec sshSpec(Path cache, SshServer sshd) {
        return spec(cache).sshOptions(sshd.sshOptions().toArray(new String[0])).build();
    }

    /** The test's real class path (under surefire java.class.path may be a manifest-only jar). */
    static List<Path> classPath() {
        List<Path> entries = new ArrayList<>();
        for (String e : System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")).split(File.pathSeparator)) {
            if (!e.isEmpty()) {
                entries.add(Paths.get(e));
            }
        }
        return entries;
    }

    /**
     * After a test has closed its remote templates: no process runs from {@code cache} any more
     * (the agent and every JVM there take their class path from it), waiting up to 30 s for them
     * to end. On the "remote" side these are not this JVM's descendants, so NoLeaksTest cannot see them.
     */
    static void assertNothingRunsFrom(Path cache) {
        List<ProcessHandle> left = LeakCheck.awaitEnd(runningFrom(cache), 30);
        assertEquals(List.of(), left.stream().map(LeakCheck::describe).collect(Collectors.toList()),
                "remote processes left running after close");
    }

    /** The processes whose command line names {@code cache}: the agent and the JVMs it started. */
    static List<ProcessHandle> runningFrom(Path cache) {
        String dir = cache.toString();
        return ProcessHandle.allProcesses().filter(p -> String.join(" ", LeakCheck.arguments(p).orElse(new String[0])).contains(dir))
                .collect(Collectors.toList());
    }

    static void deleteTree(Path root) throws IOException {
        if (root == null) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
