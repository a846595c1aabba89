package dev.jfork.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The test sshd fixture itself: a real server, reachable only with its key, gone after close. */
class SshServerTest {
    @Test
    void withoutSshdTheTestsFailSayingHowToInstallIt() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SshServer.start(Paths.get("/nonexistent/sbin/sshd")));
        assertTrue(e.getMessage().contains("apt-get install -y openssh-server"), e.getMessage());
    }

    @Test
    void runsACommandOverItsOwnKeyAndLeavesNothing() throws Exception {
        SshServer server = SshServer.start();
        Path dir = server.directory();
        ProcessHandle sshd = server.process();
        try {
            assertEquals(String.valueOf(sshd.pid()), awaitPidFile(dir.resolve("sshd.pid")), "its PidFile");
            assertEquals("hello", ssh(server, server.sshOptions(), "echo hello"));
            // without the key (and with no other: -F /dev/null, IdentitiesOnly) there is no way in
            List<String> noKey = new ArrayList<>(server.sshOptions());
            int i = noKey.indexOf("-i");
            noKey.set(i + 1, dir.resolve("no-such-key").toString());
            assertThrows(AssertionError.class, () -> ssh(server, noKey, "echo hello"));
        } finally {
            server.close();
        }
        assertFalse(sshd.isAlive());
        assertFalse(Files.exists(dir));
    }

    /** sshd writes its pid file just after it starts listening: wait for it, with a deadline. */
    private static String awaitPidFile(Path file) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try (WatchService watch = file.getFileSystem().newWatchService()) {
            file.getParent().register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            while (true) {
                // a complete line: the file is created empty, then written
                String text = Files.exists(file) ? Files.readString(file) : "";
                if (text.endsWith("\n")) {
                    return text.trim();
                }
                WatchKey key = watch.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (key == null) {
                    throw new AssertionError("no pid file " + file + " within 20 s");
                }
                key.pollEvents();
                key.reset();
            }
        }
    }

    private static String ssh(SshServer server, List<String> options, String command) throws Exception {
        List<String> argv = new ArrayList<>(List.of("ssh", "-T", "-o", "BatchMode=yes"));
        argv.addAll(options);
        argv.add(server.destination());
        argv.add(command);
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes()).trim();
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        if (p.exitValue() != 0) {
            throw new AssertionError("ssh failed (" + p.exitValue() + "): " + out);
        }
        return out;
    }
}
