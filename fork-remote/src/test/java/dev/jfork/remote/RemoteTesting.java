package dev.jfork.remote;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

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

    static void deleteTree(Path root) throws IOException {
        if (root == null) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
