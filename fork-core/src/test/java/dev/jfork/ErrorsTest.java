package dev.jfork;

import static dev.jfork.TestSupport.await;
import static dev.jfork.TestSupport.awaitFailure;
import static dev.jfork.TestSupport.exitOf;
import static dev.jfork.TestSupport.readLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.file.Paths;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

import dev.jfork.internal.wire.ExitCodes;
import dev.jfork.internal.wire.Frame;
import dev.jfork.internal.wire.Protocol;


/** Every bad input ends in a clear error, and nothing hangs. */
class ErrorsTest {
    private static final String DESCRIBE = "dev.jfork.ChildFunctions.describe";
    private static final JvmSpec QUIET = JvmSpec.builder().discardStderr().build();

    @Test
    void unknownClassInRequire() {
        ForkException e = awaitFailure(Fork.exec(QUIET).require("no.such.Thing").run(DESCRIBE));
        assertTrue(e.childError().orElseThrow().contains("require(no.such.Thing): class not found"), e.getMessage());
        assertTrue(e.childError().orElseThrow().contains("java.lang.ClassNotFoundException: no.such.Thing"));
        assertEquals(OptionalInt.of(ExitCodes.FAILED), e.exit().orElseThrow().exitCode());
        assertTrue(e.stderrTail().stream().anyMatch(l -> l.contains("ERROR: require(no.such.Thing)")), e.stderrTail().toString());
        assertTrue(e.getMessage().contains("exited with code 70"), e.getMessage());
    }

    @Test
    void failingStaticInitialiserInRequire() {
        ForkException e = awaitFailure(Fork.exec(QUIET).require("dev.jfork.BadStaticInit").run(DESCRIBE));
        String report = e.childError().orElseThrow();
        assertTrue(report.contains("ExceptionInInitializerError"), report);
        assertTrue(report.contains("static initialiser failed on purpose"), report);
    }

    @Test
    void unknownMethodInEval() {
        ForkException e = awaitFailure(Fork.exec(QUIET).eval("dev.jfork.ChildFunctions.nope").run(DESCRIBE));
        assertTrue(e.childError().orElseThrow().contains("dev.jfork.ChildFunctions has no static nope(String...)"), e.getMessage());
    }

    @Test
    void unknownClassInEval() {
        ForkException e = awaitFailure(Fork.exec(QUIET).eval("no.such.Cls.init").run(DESCRIBE));
        assertTrue(e.childError().orElseThrow().contains("class no.such.Cls not found"), e.getMessage());
    }

    @Test
    void evalOfAnInstanceMethodNamesWhatItFound() {
        ForkException e = awaitFailure(Fork.exec(QUIET).eval("dev.jfork.ChildFunctions.instanceMethod").run(DESCRIBE));
        assertTrue(e.childError().orElseThrow().contains("found: void instanceMethod()"), e.getMessage());
    }

    @Test
    void exceptionInInitCode() {
        ForkException e = awaitFailure(Fork.create().eval("dev.jfork.ChildFunctions.fail", "why").run(DESCRIBE));
        String report = e.childError().orElseThrow();
        assertTrue(report.contains("IllegalStateException: init failed on purpose: why"), report);
        assertEquals(OptionalInt.of(ExitCodes.FAILED), e.exit().orElseThrow().exitCode());
    }

    @Test
    void wrongRunSignature() {
        ForkException e = awaitFailure(Fork.create().run("dev.jfork.ChildFunctions.wrongSignature"));
        assertTrue(e.childError().orElseThrow().contains("has no static void wrongSignature(ForkChannel, ForkArgs); found: static void wrongSignature(String)"),
                e.getMessage());
    }

    @Test
    void unqualifiedRunFunction() {
        ForkException e = awaitFailure(Fork.create().run("main"));
        assertTrue(e.childError().orElseThrow().contains("expected a qualified name"), e.getMessage());
    }

    @Test
    void closedDescriptorsAreRefusedAtOnce() throws IOException {
        Fork f = Fork.create();
        try {
            Pipe p = Pipe.open();
            p.sink().close();
            IllegalArgumentException closed = assertThrows(IllegalArgumentException.class, () -> f.sendFd(p.sink()));
            assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
            p.source().close();
            IllegalArgumentException notOpen = assertThrows(IllegalArgumentException.class, () -> f.sendFd(987654));
            assertTrue(notOpen.getMessage().contains("descriptor 987654"), notOpen.getMessage());
        } finally {
            f.close();
        }
    }

    @Test
    void childKilledBeforeRun() {
        Fork f = Fork.create().require("dev.jfork.ChildFunctions");
        ProcessHandle.of(f.pid().orElseThrow()).orElseThrow().destroyForcibly();
        assertEquals(OptionalInt.of(9), exitOf(f).signal());
        ForkException e = awaitFailure(f.sendArg("after death").run(DESCRIBE));
        assertTrue(e.getMessage().contains("ended before entering run"), e.getMessage());
        assertTrue(e.getMessage().contains("killed by signal 9 (SIGKILL)"), e.getMessage());
    }

    @Test
    void malformedFrameSentToAChild() throws IOException {
        Fork f = Fork.exec(QUIET);
        ForkChannel raw = f.toChannel();
        raw.write(ByteBuffer.wrap(new byte[] {'Z', 0, 0, 0, 0, 0, 0, 0, 1, 42})); // type, id, length, payload
        Frame reply = Frame.read(raw.inputStream(), 1 << 20);
        assertEquals(Protocol.FAILED, reply.type);
        assertTrue(reply.utf8(0).contains("unknown frame type 'Z'"), reply.utf8(0));
        assertEquals(OptionalInt.of(ExitCodes.PROTOCOL), exitOf(f).exitCode());
        raw.close();
    }

    @Test
    void oversizedFrameSentToAChild() throws IOException {
        Fork f = Fork.exec(QUIET);
        ForkChannel raw = f.toChannel();
        raw.write(ByteBuffer.wrap(new byte[] {Protocol.ARG_BYTES, 0, 0, 0, 0, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff}));
        Frame reply = Frame.read(raw.inputStream(), 1 << 20);
        assertEquals(Protocol.FAILED, reply.type);
        assertTrue(reply.utf8(0).contains("more than the limit"), reply.utf8(0));
        assertEquals(OptionalInt.of(ExitCodes.PROTOCOL), exitOf(f).exitCode());
        raw.close();
    }

    @Test
    void truncatedStringListIsMalformed() throws IOException {
        Fork f = Fork.exec(QUIET);
        ForkChannel raw = f.toChannel();
        // a string list that claims 2 strings but holds one
        byte[] payload = {0, 0, 0, 2, 0, 0, 0, 1, 'x'};
        raw.write(ByteBuffer.wrap(Frame.encode(Protocol.ARG_STRINGS, payload)));
        Frame reply = Frame.read(raw.inputStream(), 1 << 20);
        assertTrue(reply.utf8(0).contains("malformed frame"), reply.utf8(0));
        assertEquals(OptionalInt.of(ExitCodes.PROTOCOL), exitOf(f).exitCode());
        raw.close();
    }

    @Test
    void argumentOverTheFrameLimitIsRefusedInTheCaller() {
        Fork f = Fork.exec(JvmSpec.builder().maxFrameSize(4096).build());
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.sendArg(new byte[5000]));
            assertTrue(e.getMessage().contains("maxFrameSize"), e.getMessage());
        } finally {
            f.close();
        }
    }

    @Test
    void badJvmOptionIsReportedWithTheJvmsOwnWords() {
        JvmSpec spec = JvmSpec.builder().jvmOptions("-XX:+NoSuchOptionForJfork").discardStderr().build();
        ForkException e = awaitFailure(Fork.exec(spec).run(DESCRIBE));
        assertEquals(OptionalInt.of(1), e.exit().orElseThrow().exitCode());
        assertTrue(String.join("\n", e.stderrTail()).contains("NoSuchOptionForJfork"), e.getMessage());
    }

    @Test
    void missingJavaExecutableFailsAtOnce() {
        JvmSpec spec = JvmSpec.builder().java(Paths.get("/no/such/java")).build();
        ForkException e = assertThrows(ForkException.class, () -> Fork.exec(spec));
        assertTrue(e.getMessage().contains("/no/such/java"), e.getMessage());
    }

    @Test
    void runOnAFailedForkOfADeadTemplate() {
        Fork template = Fork.exec();
        ProcessHandle.of(template.pid().orElseThrow()).orElseThrow().destroyForcibly();
        exitOf(template);
        Fork child = template.fork();
        ForkException e = awaitFailure(child.run(DESCRIBE));
        assertTrue(e.getMessage().contains("template"), e.getMessage());
        assertTrue(child.pid().isEmpty());
    }

    @Test
    void stderrOfTheChildIsQuotedWhenItFails() throws IOException {
        // a child that writes to stderr and then fails
        Fork f = Fork.exec(QUIET).eval("dev.jfork.ChildFunctions.init", "x").eval("dev.jfork.ChildFunctions.fail", "late");
        ForkException e = awaitFailure(f.run(DESCRIBE));
        assertTrue(e.stderrTail().get(e.stderrTail().size() - 1).contains("init failed on purpose: late"), e.stderrTail().toString());
        // and a healthy process after all that
        ForkChannel ch = await(Fork.create().run(DESCRIBE));
        InputStream in = ch.inputStream();
        assertTrue(readLine(in).startsWith("pid="));
        ch.close();
    }

    @Test
    void runOnATemplateThatDiedAfterForkingFailsInsteadOfHanging() {
        Fork template = Fork.exec(QUIET);
        Fork child = template.fork(); // starts the template's reply reader
        ProcessHandle.of(template.pid().orElseThrow()).orElseThrow().destroyForcibly();
        exitOf(template);
        ForkException e = awaitFailure(template.run(DESCRIBE));
        assertTrue(e.getMessage().contains("killed by signal 9"), e.getMessage());
        awaitFailure(child.run(DESCRIBE));
    }
}
