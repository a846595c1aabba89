package dev.jfork.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import dev.jfork.LeakCheck;

/**
 * Runs last, beside {@link NoLeaksTest}: no test sshd is left running (its sessions are not our
 * descendants once it is gone), and no directory of one is left behind.
 */
@Order(Integer.MAX_VALUE)
class NoLeftoversTest {
    @Test
    void noSshdAndNoSshdDirectoryIsLeft() throws Exception {
        List<ProcessHandle> sshds = LeakCheck.awaitEnd(ProcessHandle.allProcesses()
                .filter(p -> String.join(" ", LeakCheck.arguments(p).orElse(new String[0])).contains("/jfork-sshd-"))
                .collect(Collectors.toList()), 30);
        assertEquals(List.of(), sshds.stream().map(LeakCheck::describe).collect(Collectors.toList()), "test sshd left running");
        List<Path> left = SshServer.createdDirectories().stream().filter(Files::exists).collect(Collectors.toList());
        assertEquals(List.of(), left, "test sshd directories left");
    }
}
