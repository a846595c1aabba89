package dev.jfork.remote.internal;

import static dev.jfork.remote.internal.Support.ECHO;
import static dev.jfork.remote.internal.Support.assertCache;
import static dev.jfork.remote.internal.Support.assertEchoes;
import static dev.jfork.remote.internal.Support.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jfork.remote.RemoteSpec;

/**
 * The script on hosts without GNU coreutils (Alpine's busybox, BSDs): their {@code head} reads ahead
 * through stdio and would swallow the next jar, so the script must read with dd; without
 * {@code sha256sum} it can only check sizes. Each host is simulated by the PATH the script gets.
 */
class PortableShellTest {
    @TempDir
    Path tmp;

    /** Our links, removed before JUnit removes the directory (it warns about each link it meets). */
    @AfterEach
    void removeLinks() throws IOException {
        try (var walk = Files.walk(tmp)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isSymbolicLink(p)) {
                    Files.delete(p);
                }
            }
        }
    }

    private static final String ESSENTIALS_DIRS = "/usr/bin:/bin";

    /** A bin directory of links to the given tools, found on the essentials' PATH. */
    private Path bin(String name, List<String> tools) throws IOException {
        Path bin = Files.createDirectories(tmp.resolve(name));
        for (String tool : tools) {
            for (String dir : ESSENTIALS_DIRS.split(":")) {
                Path target = Paths.get(dir, tool);
                if (Files.isExecutable(target)) {
                    Files.createSymbolicLink(bin.resolve(tool), target);
                    break;
                }
            }
        }
        return bin;
    }

    private static void executable(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
    }

    private void connectTwiceAndRepair(List<String> command, String reader, String verification) throws Exception {
        Path cache = tmp.resolve("cache");
        RemoteSpec spec = spec(cache).build();
        String second;
        try (RemoteLaunch launch = RemoteLaunch.overCommand(command, spec, ECHO, List.of())) {
            assertEquals(reader, launch.remoteReader());
            assertEquals(verification, launch.remoteVerification());
            assertEquals(2, launch.jarsTransferred());
            assertCache(cache, launch);
            assertEchoes(launch);
            second = launch.classPathHashes().get(1);
        }
        try (RemoteLaunch launch = RemoteLaunch.overCommand(command, spec, ECHO, List.of())) {
            assertEquals(0, launch.jarsTransferred());
            assertEchoes(launch);
        }
        // a truncated jar (an interrupted copy by hand, a full disk) is seen by size or by hash
        Path jar = cache.resolve("jars").resolve(second + ".jar");
        byte[] bytes = Files.readAllBytes(jar);
        Files.write(jar, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        try (RemoteLaunch launch = RemoteLaunch.overCommand(command, spec, ECHO, List.of())) {
            assertEquals(List.of(second), launch.hashesTransferred());
            assertCache(cache, launch);
            assertEchoes(launch);
        }
    }

    @Test
    void withoutGnuHeadTheScriptReadsWithDd() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        // a head that is not GNU's and would eat all input: the script must not use it for jars
        executable(bin.resolve("head"), "#!/bin/sh\ncat >/dev/null\nexit 1\n");
        String path = bin + ":" + System.getenv("PATH");
        connectTwiceAndRepair(List.of("env", "PATH=" + path), "dd", "sha256");
    }

    @Test
    void withoutSha256sumTheScriptChecksSizes() throws Exception {
        Path bin = bin("bin", List.of("sh", "mkdir", "chmod", "head", "grep", "wc", "dd", "cat", "mv", "rm"));
        connectTwiceAndRepair(List.of("env", "PATH=" + bin), "head", "size");
    }

    @Test
    void busyboxAlone() throws Exception {
        Path busybox = null;
        for (String dir : System.getenv("PATH").split(":")) {
            if (Files.isExecutable(Paths.get(dir, "busybox"))) {
                busybox = Paths.get(dir, "busybox");
                break;
            }
        }
        Assumptions.assumeTrue(busybox != null, "busybox is not installed (apt-get install -y busybox): skipped");
        Process list = new ProcessBuilder(busybox.toString(), "--list").redirectErrorStream(true).start();
        String applets = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        list.waitFor(30, TimeUnit.SECONDS);
        Path bin = Files.createDirectories(tmp.resolve("busybox"));
        for (String applet : applets.split("\n")) {
            if (!applet.isBlank()) {
                Files.createSymbolicLink(bin.resolve(applet.trim()), busybox);
            }
        }
        // every tool the script finds is busybox's, sh included (env looks sh up on the new PATH)
        connectTwiceAndRepair(List.of("env", "PATH=" + bin), "dd", "sha256");
    }
}
