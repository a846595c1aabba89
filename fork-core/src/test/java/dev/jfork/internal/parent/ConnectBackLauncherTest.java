package dev.jfork.internal.parent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
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
import dev.jfork.FirstCreateProgram;
import dev.jfork.ProviderFirstProgram;
import dev.jfork.JvmSpec;
import dev.jfork.TestSupport;
import dev.jfork.internal.wire.LaunchLine;
import dev.jfork.internal.wire.Protocol;

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

    /** A directory declaring {@code provider} as the one {@code service} on a class path, removed by the caller. */
    private static Path services(String service, String provider) throws IOException {
        Path dir = Files.createTempDirectory("jfork-services");
        Path file = dir.resolve("META-INF/services/" + service);
        Files.createDirectories(file.getParent());
        Files.writeString(file, provider + "\n");
        return dir;
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(java.util.Comparator.reverseOrder()).forEach(q -> q.toFile().delete());
        }
    }

    /**
     * Runs {@code main} as a plain program on this test JVM's class path (plus {@code extra}; the
     * test JVM's own may be a manifest-only jar, which children do not share): its output, once it
     * exited 0.
     */
    private static String runProgram(Class<?> main, String extra, String... args) throws Exception {
        List<String> cmd = TestSupport.javaCommand(a -> true);
        cmd.set(cmd.indexOf("-cp") + 1, TestSupport.realClassPath() + (extra == null ? "" : File.pathSeparator + extra));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertTrue(p.waitFor(TestSupport.DEADLINE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS), "the program exits");
            assertEquals(0, p.exitValue(), out);
            return out;
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aProgramsFirstProcessHasTheJdksSelectorProviderAndNeverSeesTheProperty() throws Exception {
        String out = runProgram(FirstCreateProgram.class, null, "dev.jfork.ChildFunctions.selectorProvider");
        String jdk = java.nio.channels.spi.SelectorProvider.provider().getClass().getName();
        assertEquals("provider=" + jdk + " property=null\nchild " + ForkExit.exited(0), out);
    }

    @Test
    void aFirstProcessStartedBeforeTheProvidersAreAskedIsKilledWhenAProviderServesTheCall() throws Exception {
        Path services = services("dev.jfork.spi.TemplateProvider", "dev.jfork.ExecTemplateProvider");
        try {
            assertEquals("ran true forked-by-template true only-child true", runProgram(ProviderFirstProgram.class, services.toString()));
        } finally {
            delete(services);
        }
    }

    @Test
    void aClassPathOfItsOwnKeepsTheSelectorProviderItDeclares() throws Exception {
        Path services = services("java.nio.channels.spi.SelectorProvider", "dev.jfork.TestSelectorProvider");
        try {
            JvmSpec spec = JvmSpec.defaults().toBuilder().addClassPath(services.toString())
                    .jvmOptions(List.of("--add-exports=java.base/sun.nio.ch=ALL-UNNAMED")).build();
            try (Fork f = start(spec)) {
                ForkChannel ch = TestSupport.await(f.run("dev.jfork.ChildFunctions.selectorProvider"));
                // another class path than this JVM's: nothing named, the JDK finds the declared provider
                assertEquals("provider=dev.jfork.TestSelectorProvider property=null", TestSupport.readLine(ch));
                ch.close();
                assertEquals(ForkExit.exited(0), TestSupport.exitOf(f));
            }
        } finally {
            delete(services);
        }
    }

    @Test
    void theHeaderCarriesTheTokenTheSelectorNameOrNoneAndTheFlags() {
        byte[] token = new byte[Protocol.CONNECT_TOKEN_BYTES];
        java.util.Arrays.fill(token, (byte) 7);
        byte[] h = ConnectBackLauncher.header(token, "a.B", true);
        assertEquals(token.length + 1 + 3 + 1, h.length);
        assertEquals(3, h[token.length]);
        assertEquals("a.B", new String(h, token.length + 1, 3, StandardCharsets.US_ASCII));
        assertEquals(Protocol.CONNECT_MAPPED, h[h.length - 1]);
        byte[] none = ConnectBackLauncher.header(token, null, false);
        assertEquals(token.length + 2, none.length);
        assertEquals(0, none[token.length]);
        assertEquals(0, none[token.length + 1], "no flags");
        assertEquals(0, ConnectBackLauncher.header(token, "x".repeat(256), false)[token.length], "too long for its length byte: none");
    }

    @Test
    void passesDescriptorsOverTheSocketItConnectedWith() throws Exception {
        Path file = Files.createTempFile("jfork-connect-back", ".txt");
        try (Fork f = start(JvmSpec.defaults())) {
            try (FileOutputStream out = new FileOutputStream(file.toFile())) {
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
            BufferedReader in = new BufferedReader(new InputStreamReader(ch.inputStream(), StandardCharsets.UTF_8));
            List<String> fds = new ArrayList<>();
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

    @Test
    void theListenerIsPrivateAndTakesOnlyTheConnectionWithTheToken() throws Exception {
        ConnectBackLauncher.Listener listener = ConnectBackLauncher.Listener.named();
        try {
            listener.listen();
            Path dir = Paths.get(listener.path).getParent();
            assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(dir));
            UnixDomainSocketAddress address = UnixDomainSocketAddress.of(listener.path);
            try (SocketChannel silent = SocketChannel.open(address);
                    SocketChannel stranger = SocketChannel.open(address);
                    SocketChannel child = SocketChannel.open(address)) {
                byte[] wrong = listener.token.clone();
                wrong[0] ^= 1;
                stranger.write(ByteBuffer.wrap(wrong));
                child.write(ByteBuffer.wrap(listener.token));
                // the silent connection came first and sends nothing: it holds up nobody
                try (SocketChannel accepted = listener.accept()) {
                    accepted.write(ByteBuffer.wrap(new byte[] {42}));
                    ByteBuffer got = ByteBuffer.allocate(1);
                    assertEquals(1, child.read(got));
                    assertEquals(42, got.get(0));
                }
                // the others were closed, unanswered
                assertClosedByPeer(stranger);
                assertClosedByPeer(silent);
            }
            assertFalse(Files.exists(dir), "the listener's directory is removed once the child connected");
        } finally {
            listener.close();
        }
    }

    @Test
    void aProcessThatConnectedBackCanBeForkedFrom() throws Exception {
        try (Fork template = start(JvmSpec.defaults())) {
            template.sendArg("from the template");
            Fork fork = template.fork().sendArg("own");
            ForkChannel ch = TestSupport.await(fork.run("dev.jfork.ChildFunctions.describe"));
            assertEquals("pid=" + fork.pid().orElseThrow() + " init=[] args=s:from the template,s:own", TestSupport.readLine(ch));
            ch.close();
            assertEquals(ForkExit.exited(0), TestSupport.exitOf(fork));
        }
    }

    @Test
    void forksAskedOfAProcessThatEndsBeforeConnectingFailWithIt() throws Exception {
        Fork template = start(JvmSpec.defaults());
        Fork fork = template.fork();
        template.kill(); // long before its JVM has booted and connected
        assertEquals(ForkExit.killed(9), TestSupport.exitOf(template));
        ForkException e = TestSupport.awaitFailure(template.run("dev.jfork.ChildFunctions.describe"));
        assertTrue(e.getMessage().contains("killed by signal 9"), e.getMessage());
        TestSupport.awaitFailure(fork.run("dev.jfork.ChildFunctions.describe"));
    }

    /** End of stream, or a reset: the kernel may report a socket closed by its peer either way. */
    private static void assertClosedByPeer(SocketChannel ch) {
        try {
            assertEquals(-1, ch.read(ByteBuffer.allocate(1)));
        } catch (IOException e) {
            assertTrue(String.valueOf(e.getMessage()).contains("reset"), e.toString());
        }
    }
}
