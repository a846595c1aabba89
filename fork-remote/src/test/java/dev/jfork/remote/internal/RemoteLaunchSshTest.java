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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jfork.remote.RemoteSpec;
import dev.jfork.remote.SshServer;

/** RemoteLaunch over real OpenSSH: a test sshd on 127.0.0.1, the user's ssh client. */
class RemoteLaunchSshTest {
    private static SshServer server;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startServer() throws Exception {
        server = SshServer.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server == null) {
            return;
        }
        ProcessHandle sshd = server.process();
        Path dir = server.directory();
        server.close();
        assertFalse(sshd.isAlive(), "sshd stopped");
        assertFalse(Files.exists(dir), "its directory removed");
    }

    /** No session outlives its connection: sshd's only descendants are live sessions. */
    @AfterEach
    void noSessionLeft() throws Exception {
        for (ProcessHandle session : server.process().descendants().collect(Collectors.toList())) {
            assertGone(session);
        }
    }

    private RemoteSpec.Builder sshSpec(Path cache) {
        return spec(cache).sshOptions(server.sshOptions().toArray(new String[0]));
    }

    @Test
    void startsOverSshSyncsTheClassPathOnceAndEndsWithClose() throws Exception {
        // a space in the cache path: it travels through two shells (the login shell's and sh -c's)
        Path cache = tmp.resolve("remote cache");
        Path pidFile = tmp.resolve("pid");
        RemoteSpec spec = sshSpec(cache).build();
        RemoteLaunch launch = RemoteLaunch.overSsh(server.destination(), spec, ECHO, List.of(pidFile.toString()));
        long pid;
        try {
            assertEquals(List.of("ssh", "-T", "-e", "none", "-o", "BatchMode=yes"),
                    RemoteLaunch.sshCommand(spec, server.destination()).subList(0, 6));
            assertEquals(2, launch.jarsTransferred());
            assertEquals(cache.toString(), launch.remoteCacheDirectory());
            assertCache(cache, launch);
            assertEchoes(launch);
            pid = Support.pid(pidFile);
            ProcessHandle agent = ProcessHandle.of(pid).orElseThrow();
            assertTrue(server.process().descendants().anyMatch(p -> p.pid() == pid), "the agent runs in an sshd session");
            assertTrue(agent.info().command().orElse("").endsWith("java"), agent.info().toString());
        } finally {
            launch.close();
        }
        assertFalse(launch.process().isAlive(), "ssh ended");
        assertEquals(0, launch.process().exitValue(), "the remote side ended by itself at the end of its input");
        assertGone(pid);

        try (RemoteLaunch again = RemoteLaunch.overSsh(server.destination(), spec, ECHO, List.of())) {
            assertEquals(0, again.jarsTransferred(), "all cached");
            assertEquals(0, again.bytesTransferred());
            assertEchoes(again);
        }
    }

    @Test
    void aCorruptedCachedJarIsReplaced() throws Exception {
        Path cache = tmp.resolve("cache");
        RemoteSpec spec = sshSpec(cache).build();
        String corrupted;
        try (RemoteLaunch first = RemoteLaunch.overSsh(server.destination(), spec, ECHO, List.of())) {
            corrupted = first.classPathHashes().get(0);
        }
        Path jar = cache.resolve("jars").resolve(corrupted + ".jar");
        try (RandomAccessFile f = new RandomAccessFile(jar.toFile(), "rw")) {
            f.seek(10);
            int b = f.read();
            f.seek(10);
            f.write(b ^ 0x01);
        }
        try (RemoteLaunch second = RemoteLaunch.overSsh(server.destination(), spec, ECHO, List.of())) {
            assertEquals(List.of(corrupted), second.hashesTransferred());
            assertCache(cache, second);
            assertEchoes(second);
        }
    }

    @Test
    void argumentsSurviveTheRemoteLoginShell() throws Exception {
        List<String> tricky = List.of("with space", "it's", "\"double\"", "$HOME", "`id`", "back\\slash", "new\nline", "*", "");
        Path pidFile = tmp.resolve("pid");
        List<String> args = new ArrayList<>();
        args.add(pidFile.toString());
        args.addAll(tricky);
        RemoteSpec spec = sshSpec(tmp.resolve("cache")).jvmOptions("-Djfork.test=a b 'c'").build();
        try (RemoteLaunch launch = RemoteLaunch.overSsh(server.destination(), spec, ECHO, args)) {
            assertEquals(tricky, Support.args(pidFile));
            List<String> jvmArgs = List.of(dev.jfork.LeakCheck.arguments(ProcessHandle.of(Support.pid(pidFile)).orElseThrow()).orElseThrow());
            assertTrue(jvmArgs.contains("-Djfork.test=a b 'c'"), jvmArgs.toString());
        }
    }

    @Test
    void aJvmOptionTheJvmRejectsIsReportedWithTheRemoteStderr() throws Exception {
        RemoteSpec spec = sshSpec(tmp.resolve("cache")).jvmOptions("-XX:+JforkNoSuchOption").build();
        String m = Support.failureMessage(() -> RemoteLaunch.overSsh(server.destination(), spec, ECHO, List.of()));
        assertTrue(m.contains("\"java start\""), m);
        assertTrue(m.contains("(exit status 1)"), m);
        assertTrue(m.contains("Unrecognized VM option 'JforkNoSuchOption'"), m);
    }

    @Test
    void aMissingRemoteJavaIsReported() throws Exception {
        RemoteSpec spec = sshSpec(tmp.resolve("cache")).java("/nonexistent/bin/java").build();
        String m = Support.failureMessage(() -> RemoteLaunch.overSsh(server.destination(), spec, ECHO, List.of()));
        assertTrue(m.contains("\"java start\""), m);
        assertTrue(m.contains("exit status 127: the remote java was not found"), m);
        assertTrue(m.contains("/nonexistent/bin/java: not found"), m);
    }

    @Test
    void aHostKeyThatDoesNotMatchKnownHostsIsRefused() throws Exception {
        Path other = tmp.resolve("other_host_key");
        SshServer.generateKey(other, "not-the-server");
        Path knownHosts = tmp.resolve("known_hosts");
        SshServer.writeKnownHosts(knownHosts, server.port(), SshServer.publicKey(tmp.resolve("other_host_key.pub")));
        RemoteSpec spec = spec(tmp.resolve("cache")).sshOptions(server.sshOptions(knownHosts).toArray(new String[0])).build();
        String m = Support.failureMessage(() -> RemoteLaunch.overSsh(server.destination(), spec, ECHO, List.of()));
        assertTrue(m.contains("\"connect\""), m);
        assertTrue(m.contains("exit status 255: ssh could not connect"), m);
        assertTrue(m.contains("has changed and you have requested strict checking"), m);
        assertTrue(m.contains("Host key verification failed."), m);
        assertFalse(Files.exists(tmp.resolve("cache")), "nothing ran remotely");
    }

    @Test
    void anUnknownHostIsRefused() throws Exception {
        Path knownHosts = Files.writeString(tmp.resolve("known_hosts"), "");
        RemoteSpec spec = spec(tmp.resolve("cache")).sshOptions(server.sshOptions(knownHosts).toArray(new String[0])).build();
        String m = Support.failureMessage(() -> RemoteLaunch.overSsh(server.destination(), spec, ECHO, List.of()));
        assertTrue(m.contains("\"connect\""), m);
        assertTrue(m.contains("Host key verification failed."), m);
        assertEquals("", Files.readString(knownHosts), "StrictHostKeyChecking=yes adds no key");
        assertFalse(Files.exists(tmp.resolve("cache")), "nothing ran remotely");
    }

    @Test
    void closeWhileTheAgentRunsLeavesNoProcessOnEitherSide() throws Exception {
        Path pidFile = tmp.resolve("pid");
        RemoteSpec spec = sshSpec(tmp.resolve("cache")).build();
        RemoteLaunch launch = RemoteLaunch.overSsh(server.destination(), spec, ECHO, List.of(pidFile.toString()));
        launch.out().write("unread".getBytes()); // echoed into a pipe nobody reads: close must not care
        launch.out().flush();
        List<ProcessHandle> session = server.process().descendants().collect(Collectors.toList());
        assertFalse(session.isEmpty());
        long start = System.nanoTime();
        launch.close();
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 10_000);
        assertFalse(launch.process().isAlive());
        assertGone(Support.pid(pidFile));
        for (ProcessHandle p : session) {
            assertGone(p);
        }
        assertTrue(launch.stderrEnded());
    }
}
