package dev.jfork.internal.parent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.jfork.Fork;
import dev.jfork.ForkChannel;
import dev.jfork.ForkException;
import dev.jfork.ForkExit;
import dev.jfork.JvmSpec;
import dev.jfork.TestSupport;
import dev.jfork.internal.wire.LaunchLine;

/**
 * Processes started with the JDK alone (a program's first processes, before libc is bound): they
 * connect back to a private listener and then behave like any other process: commands, descriptor
 * passing, the run channel, their exit, their failures. Started here through
 * {@link ConnectBackLauncher} directly, whatever this test JVM has bound already.
 */
class ConnectBackLauncherTest {
    private Set<String> listenersBefore;

    private static Fork start(JvmSpec spec) {
        return ForkAccess.wrap(ConnectBackLauncher.exec(spec, LaunchLine.CHILD));
    }

    /** The listener directories in the temporary directory now. */
    private static Set<String> listeners() throws IOException {
        try (Stream<Path> s = Files.list(Paths.get(System.getProperty("java.io.tmpdir")))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("jfork-") && n.length() == 6 + 32)
                    .collect(Collectors.toSet());
        }
    }

    @BeforeEach
    void noteListeners() throws IOException {
        assertTrue(ConnectBackLauncher.usable(), "this machine has /proc and a short temporary directory");
        listenersBefore = listeners();
    }

    @AfterEach
    void noListenerIsLeft() throws IOException {
        Set<String> left = listeners();
        left.removeAll(listenersBefore);
        assertEquals(Set.of(), left, "listener directories left behind");
    }

    @Test
    void preparesRunsAndTalksLikeAnyProcess() throws Exception {
        try (Fork f = start(JvmSpec.defaults())) {
            f.sendArg("a", "b");
            ForkChannel ch = TestSupport.await(f.run("dev.jfork.ChildFunctions.describe"));
            String line = TestSupport.readLine(ch);
            assertEquals("pid=" + f.pid().orElseThrow() + " init=[] args=s:a,s:b", line);
            ch.close();
            assertEquals(ForkExit.exited(0), TestSupport.exitOf(f));
        }
    }

    @Test
    void passesDescriptorsOverTheSocketItConnectedWith() throws Exception {
        Path file = Files.createTempFile("jfork-connect-back", ".txt");
        try (Fork f = start(JvmSpec.defaults())) {
            try (java.io.FileOutputStream out = new java.io.FileOutputStream(file.toFile())) {
                f.sendFd(out.getFD()).sendArg("7");
            }
            ForkChannel ch = TestSupport.await(f.run("dev.jfork.ChildFunctions.greetFds"));
            assertEquals("pid=" + f.pid().orElseThrow() + " init=[] args=fd,s:7", TestSupport.readLine(ch));
            assertEquals("hi #7\n", Files.readString(file, StandardCharsets.US_ASCII));
            // the parent's end tells its descriptor number, found through /proc/self/fd
            assertTrue(new File("/proc/self/fd/" + ch.fd()).exists());
            ch.close();
            assertEquals(ForkExit.exited(0), TestSupport.exitOf(f));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void closedBeforeItConnectedItStillGetsWhatWasSentThenExits() throws Exception {
        Fork f = start(JvmSpec.defaults());
        f.sendArg("x");
        f.close();
        assertEquals(ForkExit.exited(0), TestSupport.exitOf(f));
    }

    @Test
    void aChildThatDiesBeforeConnectingFailsRunWithItsExitAndStderr() throws Exception {
        JvmSpec bad = JvmSpec.builder().jvmOptions(List.of("-XX:+NoSuchJforkOption")).build();
        Fork f = start(bad);
        ForkException e = TestSupport.awaitFailure(f.run("dev.jfork.ChildFunctions.describe"));
        assertTrue(e.getMessage().contains("ended before connecting"), e.getMessage());
        assertEquals(ForkExit.exited(1), e.exit().orElseThrow());
        assertTrue(e.stderrTail().stream().anyMatch(l -> l.contains("NoSuchJforkOption")), e.stderrTail().toString());
    }

    @Test
    void aStatusAndASignalAreToldApart() throws Exception {
        Fork exiting = start(JvmSpec.defaults()).sendArg("42");
        try (ForkChannel ch = TestSupport.await(exiting.run("dev.jfork.ChildFunctions.exitWith"))) {
            assertEquals(ForkExit.exited(42), TestSupport.exitOf(exiting));
        }

        Fork killed = start(JvmSpec.defaults());
        try (ForkChannel ch = TestSupport.await(killed.run("dev.jfork.ChildFunctions.sleepForever"))) {
            killed.kill();
            assertEquals(ForkExit.killed(9), TestSupport.exitOf(killed));
        }
    }

    @Test
    void theChildsStandardInputIsItsLifelineNotItsControlSocket() throws Exception {
        try (Fork f = start(JvmSpec.defaults())) {
            ForkChannel ch = TestSupport.await(f.run("dev.jfork.ChildFunctions.listFds"));
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(ch.inputStream(), StandardCharsets.UTF_8));
            List<String> fds = new java.util.ArrayList<>();
            for (String l = in.readLine(); l != null && !l.equals("end"); l = in.readLine()) {
                fds.add(l);
            }
            // descriptor 0 is a pipe (the lifeline), the control socket is elsewhere
            assertTrue(fds.stream().anyMatch(l -> l.startsWith("0 -> pipe:")), fds.toString());
            assertTrue(fds.stream().anyMatch(l -> !l.startsWith("0 ") && l.contains(" -> socket:")), fds.toString());
            ch.close();
            TestSupport.exitOf(f);
        }
    }

    @Test
    void whatDoesNotFitTheSocketBufferIsWrittenInTheBackground() throws Exception {
        try (Fork f = start(JvmSpec.defaults())) {
            String big = "x".repeat(1 << 20); // far more than a socket buffer, sent before the child connects
            f.sendArg(big, "end");
            ForkChannel ch = TestSupport.await(f.run("dev.jfork.ChildFunctions.describe"));
            assertTrue(TestSupport.readLine(ch).endsWith(",s:end"));
            ch.close();
            assertEquals(ForkExit.exited(0), TestSupport.exitOf(f));
        }
    }
}
