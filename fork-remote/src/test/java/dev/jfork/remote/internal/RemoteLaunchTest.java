package dev.jfork.remote.internal;

import static dev.jfork.remote.internal.Support.ECHO;
import static dev.jfork.remote.internal.Support.assertCache;
import static dev.jfork.remote.internal.Support.assertEchoes;
import static dev.jfork.remote.internal.Support.assertGone;
import static dev.jfork.remote.internal.Support.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jfork.remote.RemoteSpec;

/**
 * RemoteLaunch over a plain command: the local {@code sh}, reached the way {@code docker exec -i c}
 * reaches a container (the script appended as the arguments {@code sh -c <script>}).
 */
class RemoteLaunchTest {
    @TempDir
    Path tmp;

    @Test
    void startsTheMainClassFromTheSyncedClassPathAndEchoes() throws Exception {
        Path cache = tmp.resolve("cache");
        Path pidFile = tmp.resolve("pid");
        RemoteSpec spec = spec(cache).build();
        RemoteLaunch launch = RemoteLaunch.overCommand(List.of(), spec, ECHO, List.of(pidFile.toString()));
        try {
            assertEquals(2, launch.jarsTransferred(), "the packed test classes and JUnit's jar (once, though listed twice)");
            assertEquals(2, launch.classPathHashes().size());
            long sizes = 0;
            for (String h : launch.classPathHashes()) {
                sizes += Files.size(cache.resolve("jars").resolve(h + ".jar"));
            }
            assertEquals(sizes, launch.bytesTransferred());
            assertEquals(launch.classPathHashes(), launch.hashesTransferred(), "sent in class path order");
            assertEquals(cache.toString(), launch.remoteCacheDirectory());
            assertEquals("sha256", launch.remoteVerification());
            assertEquals("head", launch.remoteReader());
            assertCache(cache, launch);
            assertEquals(launch.process().pid(), Support.pid(pidFile), "sh exec'd the JVM");
            assertEchoes(launch);
            assertEchoes(launch);
        } finally {
            launch.close();
        }
        assertFalse(launch.process().isAlive());
        assertGone(Support.pid(pidFile));
        assertTrue(launch.stderrEnded(), "stderr drained to its end");
        assertEquals(List.of(), launch.stderrLines(), "nothing on stderr");
    }

    @Test
    void aSecondConnectionTransfersNoJar() throws Exception {
        Path cache = tmp.resolve("cache");
        RemoteSpec spec = spec(cache).build();
        try (RemoteLaunch first = RemoteLaunch.overCommand(List.of(), spec, ECHO, List.of())) {
            assertEquals(2, first.jarsTransferred());
        }
        // and not because this JVM remembers: a new JVM's first connection has nothing to send either
        ClassPathJars.clearCache();
        try (RemoteLaunch second = RemoteLaunch.overCommand(List.of(), spec, ECHO, List.of())) {
            assertEquals(0, second.jarsTransferred());
            assertEquals(0, second.bytesTransferred());
            assertEchoes(second);
            assertCache(cache, second);
        }
    }

    @Test
    void aCorruptedCachedJarIsReplaced() throws Exception {
        Path cache = tmp.resolve("cache");
        RemoteSpec spec = spec(cache).build();
        String corrupted;
        try (RemoteLaunch first = RemoteLaunch.overCommand(List.of(), spec, ECHO, List.of())) {
            corrupted = first.classPathHashes().get(1);
        }
        Path jar = cache.resolve("jars").resolve(corrupted + ".jar");
        long size = Files.size(jar);
        try (RandomAccessFile f = new RandomAccessFile(jar.toFile(), "rw")) {
            // same size, other content: only the hash can tell
            f.seek(size / 2);
            int b = f.read();
            f.seek(size / 2);
            f.write(b ^ 0xff);
        }
        assertEquals(size, Files.size(jar));
        try (RemoteLaunch second = RemoteLaunch.overCommand(List.of(), spec, ECHO, List.of())) {
            assertEquals(List.of(corrupted), second.hashesTransferred());
            assertEquals(size, second.bytesTransferred());
            assertCache(cache, second);
            assertEchoes(second);
        }
    }

    @Test
    void theCacheDirectoryExpandsHomeAndIsPrivate() throws Exception {
        Path home = tmp.resolve("home dir");
        Files.createDirectories(home);
        RemoteSpec spec = RemoteSpec.builder().java(Support.java()).classPath(Support.classPath()).build();
        assertEquals(RemoteSpec.DEFAULT_CACHE_DIRECTORY, spec.cacheDirectory());
        try (RemoteLaunch launch = RemoteLaunch.overCommand(List.of("env", "HOME=" + home), spec, ECHO, List.of())) {
            Path cache = home.resolve(".cache/jfork/remote");
            assertEquals(cache.toString(), launch.remoteCacheDirectory());
            assertCache(cache, launch);
            assertEquals(Support.mode(cache), Support.mode(home.resolve(".cache")), "created under umask 077");
            assertEchoes(launch);
        }
    }

    @Test
    void argumentsAndOptionsArriveAsTheyAre() throws Exception {
        List<String> tricky = List.of("plain", "with space", "it's", "\"double\"", "$HOME", "`id`", "$(id)", "back\\slash",
                "new\nline", "*", ";echo x", "", "tab\there", "ünïcödé", "'", "\\'");
        for (List<String> command : List.of(List.<String>of(), List.of("sh", "-c"), List.of("bash", "-c"))) {
            // ARGUMENTS with the local sh; SHELL_STRING read by sh and by bash, as a login shell reads ssh's command
            RemoteLaunch.Append append = command.isEmpty() ? RemoteLaunch.Append.ARGUMENTS : RemoteLaunch.Append.SHELL_STRING;
            Path pidFile = tmp.resolve("pid " + command.size() + command);
            List<String> args = new java.util.ArrayList<>();
            args.add(pidFile.toString());
            args.addAll(tricky);
            // the cache directory is a shell word where only parameters expand: quotes and backslashes stay
            RemoteSpec spec = spec(tmp.resolve("cache `x` \"y\" \\z")).jvmOptions("-Djfork.test=it's $HOME").build();
            try (RemoteLaunch launch = RemoteLaunch.start(command, append, spec, ECHO, args)) {
                assertEquals(tricky, Support.args(pidFile), "over " + command);
                assertEquals(tmp.resolve("cache `x` \"y\" \\z").toString(), launch.remoteCacheDirectory());
                long pid = Support.pid(pidFile);
                List<String> jvmArgs = List.of(dev.jfork.LeakCheck.arguments(ProcessHandle.of(pid).orElseThrow()).orElseThrow());
                assertTrue(jvmArgs.contains("-Djfork.test=it's $HOME"), jvmArgs.toString());
                assertTrue(jvmArgs.contains("-XX:+DisplayVMOutputToStderr"), jvmArgs.toString());
                assertEchoes(launch);
            }
        }
    }

    @Test
    void aMissingJavaFailsAtJavaStartQuotingStderr() throws Exception {
        RemoteSpec spec = spec(tmp.resolve("cache")).java("/nonexistent/bin/java").build();
        String m = Support.failureMessage(() -> RemoteLaunch.overCommand(List.of(), spec, ECHO, List.of()));
        assertTrue(m.contains("\"java start\""), m);
        assertTrue(m.contains("exit status 127: the remote java was not found"), m);
        assertTrue(m.contains("/nonexistent/bin/java: not found"), "stderr quoted: " + m);
    }

    @Test
    void aJvmOptionTheJvmRejectsFailsAtJavaStartQuotingStderr() throws Exception {
        RemoteSpec spec = spec(tmp.resolve("cache")).jvmOptions("-XX:+JforkNoSuchOption").build();
        String m = Support.failureMessage(() -> RemoteLaunch.overCommand(List.of(), spec, ECHO, List.of()));
        assertTrue(m.contains("\"java start\""), m);
        assertTrue(m.contains("Unrecognized VM option 'JforkNoSuchOption'"), m);
        assertTrue(m.contains("Could not create the Java Virtual Machine"), m);
    }

    @Test
    void anUnusableCacheDirectoryFailsAtCacheDirectory() throws Exception {
        Path file = Files.writeString(tmp.resolve("a file"), "not a directory");
        RemoteSpec spec = spec(file.resolve("cache")).build();
        String m = Support.failureMessage(() -> RemoteLaunch.overCommand(List.of(), spec, ECHO, List.of()));
        assertTrue(m.contains("\"cache directory\""), m);
        assertTrue(m.contains("cannot create " + file.resolve("cache") + "/jars"), m);
        assertTrue(m.contains("Not a directory"), "mkdir's stderr quoted: " + m);
    }

    @Test
    void outputBeforeTheHandshakeFailsAtJavaStart() throws Exception {
        RemoteSpec spec = spec(tmp.resolve("cache")).build();
        String m = Support.failureMessage(() -> RemoteLaunch.overCommand(List.of(), spec, NoisyMain.class.getName(), List.of()));
        assertTrue(m.contains("\"java start\""), m);
        assertTrue(m.contains("unexpected output instead of the agent's handshake: \"Hello from a main"), m);
    }

    @Test
    void aMissingMainClassFailsAtJavaStart() throws Exception {
        RemoteSpec spec = spec(tmp.resolve("cache")).build();
        String m = Support.failureMessage(() -> RemoteLaunch.overCommand(List.of(), spec, "dev.jfork.NoSuchMain", List.of()));
        assertTrue(m.contains("\"java start\""), m);
        assertTrue(m.contains("the command ended before the agent's handshake (exit status 1)"), m);
        assertTrue(m.contains("Could not find or load main class dev.jfork.NoSuchMain"), m);
    }

    @Test
    void aCommandThatCannotRunFailsAtConnect() {
        RemoteSpec spec = spec(tmp.resolve("cache")).build();
        String m = Support.failureMessage(() -> RemoteLaunch.overCommand(List.of("/nonexistent/ssh"), spec, ECHO, List.of()));
        assertTrue(m.contains("\"connect\""), m);
        assertTrue(m.contains("cannot run /nonexistent/ssh"), m);
    }

    @Test
    void aRemoteSideThatNeverAnswersTimesOut() throws Exception {
        RemoteSpec spec = spec(tmp.resolve("cache")).connectTimeout(Duration.ofMillis(500)).build();
        long start = System.nanoTime();
        // a "remote shell" that ignores the script it is given and says nothing; stderr proves it ran
        List<String> silent = List.of("sh", "-c", "echo waiting >&2; exec sleep 600");
        String m = Support.failureMessage(() -> RemoteLaunch.overCommand(silent, spec, ECHO, List.of()));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(m.contains("\"connect\""), m);
        assertTrue(m.contains("timed out after 500 ms"), m);
        assertTrue(m.contains("waiting"), m);
        assertTrue(millis < 15_000, "failed in " + millis + " ms");
        assertTrue(ProcessHandle.current().descendants().collect(Collectors.toList()).isEmpty(), "nothing left");
    }

    @Test
    void closeEndsARemoteSideThatIgnoresTheEndOfItsInput() throws Exception {
        Path pidFile = tmp.resolve("pid");
        // a close timeout far below the default: a stubborn side is killed after it, not after 5 s
        RemoteSpec spec = spec(tmp.resolve("cache")).closeTimeout(Duration.ofMillis(300)).build();
        RemoteLaunch launch = RemoteLaunch.overCommand(List.of(), spec, StubbornMain.class.getName(), List.of(pidFile.toString()));
        long pid = Support.pid(pidFile);
        long start = System.nanoTime();
        launch.close();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertFalse(launch.process().isAlive());
        assertGone(pid);
        assertTrue(millis < RemoteSpec.DEFAULT_CLOSE_TIMEOUT.toMillis(), "closed in " + millis + " ms, not after the spec's 300 ms");
        launch.close(); // again: nothing happens
    }

    @Test
    void aClassDirectoryChangedSinceTheLastConnectionIsSentAgain() throws Exception {
        Path cache = tmp.resolve("cache");
        Path classes = tmp.resolve("classes");
        Files.createDirectories(classes.resolve("data"));
        Files.writeString(classes.resolve("data/a.txt"), "one");
        List<Path> cp = new java.util.ArrayList<>(Support.classPath());
        cp.add(classes);
        RemoteSpec spec = spec(cache).classPath(cp).build();
        String before;
        try (RemoteLaunch first = RemoteLaunch.overCommand(List.of(), spec, ECHO, List.of())) {
            assertEquals(3, first.classPathHashes().size());
            before = first.classPathHashes().get(2);
        }
        Files.writeString(classes.resolve("data/b.txt"), "two");
        try (RemoteLaunch second = RemoteLaunch.overCommand(List.of(), spec, ECHO, List.of())) {
            String after = second.classPathHashes().get(2);
            assertFalse(before.equals(after));
            assertEquals(List.of(after), second.hashesTransferred());
            assertEchoes(second);
        }
    }
}
