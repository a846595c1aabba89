package dev.jfork.remote;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * What the end-to-end test classes share: a private sshd and a remote cache for the class, and
 * after each test no process left running from that cache.
 */
abstract class OverSshTest {
    static SshServer sshd;
    static Path cache;

    @BeforeAll
    static void startSshd() throws Exception {
        sshd = SshServer.start();
        cache = Files.createTempDirectory("jfork-remote-cache");
    }

    @AfterEach
    void nothingRemoteIsLeft() {
        RemoteTesting.assertNothingRunsFrom(cache);
    }

    @AfterAll
    static void stopSshd() throws IOException {
        if (sshd != null) {
            sshd.close();
            sshd = null;
        }
        RemoteTesting.deleteTree(cache);
    }

    /** Over the suite's sshd, into this class's cache. */
    static RemoteSpec sshSpec() {
        return RemoteTesting.sshSpec(cache, sshd);
    }
}
