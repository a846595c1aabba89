package dev.jfork;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * {@code sendFd} of every JDK type the seeds pass works in a plain {@code java -cp ... Main}: no
 * {@code --add-opens}, no agent; and on JDK 25, with only {@code --enable-native-access}, nothing
 * (parent or child) prints a warning.
 */
class PlainJvmTest {
    private static final List<String> KINDS = List.of("ServerSocketChannel", "SocketChannel", "DatagramChannel",
            "ServerSocketChannel(UNIX)", "AsynchronousServerSocketChannel",
            "FileDescriptor.out, System.out, FileDescriptor.err, System.err", "FileDescriptor.in", "System.in",
            "sendFd(Path, WRITE, CREATE_NEW)", "sendFd(Path)", "FileChannel refused, with the flag-free alternative named");

    private static void assertEveryKindPassed(PlainJvm.Result r) {
        assertEquals(0, r.exitCode(), r.toString());
        List<String> out = r.stdoutLines();
        for (String kind : KINDS) {
            assertTrue(out.contains("ok " + kind), "missing: ok " + kind + "\n" + r);
        }
        assertTrue(out.contains("done"), r.toString());
        for (String s : List.of("FileDescriptor.out", "System.out")) {
            assertTrue(out.contains("child wrote to " + s), "the child's line did not reach our stdout: " + s + "\n" + r);
        }
        for (String s : List.of("FileDescriptor.err", "System.err")) {
            assertTrue(r.stderr().lines().anyMatch(("child wrote to " + s)::equals), "not on our stderr: " + s + "\n" + r);
        }
    }

    private static final String STDIN = "first stdin line\nsecond stdin line\n";

    @Test
    void everyKindWithNoJvmOptionAtAll() throws Exception {
        PlainJvm.Result r = PlainJvm.run(PlainJvm.thisJdk(), List.of(), PlainJvmProgram.class.getName(), STDIN);
        assertEveryKindPassed(r);
        assertTrue(r.stdoutLines().contains("flags []"), r.toString());
        if (Runtime.version().feature() < 22) {
            assertEquals(List.of(), r.warnings(), r.toString());
        }
    }

    @Test
    void onJdk25WithOnlyNativeAccessNothingWarns() throws Exception {
        Path jdk = PlainJvm.jdk25().orElse(null);
        assumeTrue(jdk != null, "no JDK 25 on this machine");
        PlainJvm.Result r = PlainJvm.run(jdk, List.of("--enable-native-access=ALL-UNNAMED"), PlainJvmProgram.class.getName(), STDIN);
        assertEveryKindPassed(r);
        assertEquals(List.of(), r.warnings(), r.toString());
        boolean ffmBuilt = PlainJvmTest.class.getClassLoader().getResource("dev/jfork/internal/os/FfmBackend.class") != null;
        assertTrue(r.stdoutLines().contains(ffmBuilt ? "backend ffm" : "backend jnr"), r.toString());
    }
}
