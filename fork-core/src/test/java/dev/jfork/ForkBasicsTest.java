package dev.jfork;

import static dev.jfork.TestSupport.await;
import static dev.jfork.TestSupport.exitOf;
import static dev.jfork.TestSupport.readAll;
import static dev.jfork.TestSupport.readLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

/** Creating, preparing and running processes; arguments and their cloning on fork. */
class ForkBasicsTest {
    private static final String DESCRIBE = "dev.jfork.ChildFunctions.describe";

    @Test
    void execRunsTheFunctionWithItsArgumentsAndReportsExit() throws IOException {
        Fork f = Fork.exec().require("dev.jfork.ChildFunctions").sendArg("a", "b").sendArg("c".getBytes(StandardCharsets.UTF_8));
        long pid = f.pid().orElseThrow();
        ForkChannel ch = await(f.run(DESCRIBE));
        assertEquals("pid=" + pid + " init=[] args=s:a,s:b,s:c", readLine(ch));
        ch.close();
        ForkExit exit = exitOf(f);
        assertEquals(OptionalInt.of(0), exit.exitCode());
        assertEquals("exited with code 0", exit.toString());
    }

    @Test
    void evalRunsInitWithArgumentsBeforeRun() throws IOException {
        Fork f = Fork.create().eval("dev.jfork.ChildFunctions.init", "x", "y").eval("dev.jfork.ChildFunctions::noArgs");
        ForkChannel ch = await(f.run(DESCRIBE));
        assertTrue(readLine(ch).endsWith("init=[init[x, y], noArgs] args="));
        ch.close();
    }

    @Test
    void createRunsAForkOfTheDefaultTemplate() throws Exception {
        assertTrue(Fork.defaultTemplate().link().awaitSpares(1, TestSupport.DEADLINE.toMillis()), "no spare of the default template");
        Fork f = Fork.create();
        long pid = f.pid().orElseThrow();
        long template = Fork.defaultTemplate().pid().orElseThrow();
        assertNotEquals(template, pid);
        assertEquals(template, ProcessHandle.of(pid).orElseThrow().parent().orElseThrow().pid(),
                "a created process is a child of the default template");
        ForkChannel ch = await(f.run(DESCRIBE));
        assertTrue(readLine(ch).startsWith("pid=" + pid + " "));
        ch.close();
        assertEquals(OptionalInt.of(0), exitOf(f).exitCode(), "the template reports its child's exit");
    }

    @Test
    void createWithNoSpareReadyStartsAJvmItselfAndTheTemplateInTheBackground() throws Exception {
        Fork template = Fork.defaultTemplate();
        template.close();
        TestSupport.await(template.onExit()); // the next create() finds no template: none is ready
        Fork f = Fork.create();
        long pid = f.pid().orElseThrow();
        assertEquals(ProcessHandle.current().pid(), ProcessHandle.of(pid).orElseThrow().parent().orElseThrow().pid(),
                "served by a JVM this program started, not by waiting for a template");
        ForkChannel ch = await(f.run(DESCRIBE));
        assertTrue(readLine(ch).startsWith("pid=" + pid + " "));
        ch.close();
        assertEquals(OptionalInt.of(0), exitOf(f).exitCode());
        // once the first process settled, the default template starts by itself
        long deadline = System.nanoTime() + TestSupport.DEADLINE.toNanos();
        while (ProcessHandle.current().children().noneMatch(ForkBasicsTest::isTemplate)) {
            assertTrue(System.nanoTime() < deadline, "the default template was not started in the background");
            Thread.onSpinWait();
        }
    }

    /** A jfork JVM started in the template role: its command line, read from /proc (ProcessHandle's can be empty at first). */
    private static boolean isTemplate(ProcessHandle h) {
        try {
            byte[] cmdline = java.nio.file.Files.readAllBytes(java.nio.file.Paths.get("/proc", String.valueOf(h.pid()), "cmdline"));
            return Arrays.asList(new String(cmdline, StandardCharsets.UTF_8).split("\0")).contains("template");
        } catch (IOException e) {
            return false; // gone
        }
    }

    @Test
    void forkClonesArgumentsInCallOrderAndTemplateKeepsItsOwn() throws IOException {
        Fork template = Fork.exec().sendArg("pre");
        try {
            Fork one = template.fork().sendArg("post1");
            Fork two = template.fork().sendArg("post2");
            template.sendArg("later");
            Fork three = template.fork();
            ForkChannel c1 = await(one.run(DESCRIBE));
            ForkChannel c2 = await(two.run(DESCRIBE));
            ForkChannel c3 = await(three.run(DESCRIBE));
            assertTrue(readLine(c1).endsWith("args=s:pre,s:post1"));
            assertTrue(readLine(c2).endsWith("args=s:pre,s:post2"));
            assertTrue(readLine(c3).endsWith("args=s:pre,s:later"), "the template keeps its own arguments");
            c1.close();
            c2.close();
            c3.close();
        } finally {
            template.close();
        }
    }

    @Test
    void forkOfAForkReplaysTheWholeLine() throws IOException {
        Fork a = Fork.exec().eval("dev.jfork.ChildFunctions.init", "a").sendArg("1");
        Fork b = a.fork().eval("dev.jfork.ChildFunctions.init", "b").sendArg("2");
        Fork c = b.fork().sendArg("3");
        ForkChannel ch = await(c.run(DESCRIBE));
        assertTrue(readLine(ch).endsWith("init=[init[a], init[b]] args=s:1,s:2,s:3"));
        ch.close();
        assertEquals(OptionalInt.of(0), exitOf(c).exitCode());
        b.close();
        assertEquals(OptionalInt.of(0), exitOf(b).exitCode()); // reported by a, which must outlive b for that
        a.close();
        assertEquals(OptionalInt.of(0), exitOf(a).exitCode());
    }

    @Test
    void closingBeforeRunEndsTheChild() {
        Fork f = Fork.create().require("dev.jfork.ChildFunctions");
        f.close();
        assertEquals(OptionalInt.of(0), exitOf(f).exitCode());
        assertThrows(IllegalStateException.class, () -> f.sendArg("too late"));
        assertThrows(IllegalStateException.class, () -> f.run(DESCRIBE));
    }

    /** The process exits when the function returns, even if the function left a non-daemon thread running. */
    @Test
    void aFunctionThatReturnsEndsTheProcessEvenWithItsThreadsRunning() throws Exception {
        for (Fork f : List.of(Fork.exec(), Fork.create())) {
            ForkChannel ch = await(f.run("dev.jfork.ChildFunctions.returnLeavingAThread"));
            assertEquals("started", readLine(ch));
            assertEquals(OptionalInt.of(0), exitOf(f).exitCode());
            ch.close();
        }
    }

    @Test
    void runSpendsTheForkObject() throws IOException {
        Fork f = Fork.create();
        CompletableFuture<ForkChannel> run = f.run(DESCRIBE);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.sendArg("x"));
        assertTrue(e.getMessage().contains("run(\"" + DESCRIBE + "\") was already called"));
        f.close(); // a no-op after run
        ForkChannel ch = await(run);
        assertTrue(ch.isOpen());
        ch.close();
    }

    @Test
    void exitCodesAndSignalsOfForkedChildrenAreReported() throws Exception {
        Fork three = Fork.create().sendArg("3");
        ForkChannel ch = await(three.run("dev.jfork.ChildFunctions.exitWith"));
        assertEquals(OptionalInt.of(3), exitOf(three).exitCode());
        ch.close();

        Fork killed = Fork.create();
        ForkChannel k = await(killed.run(DESCRIBE));
        readLine(k);
        ProcessHandle.of(killed.pid().orElseThrow()).orElseThrow().destroyForcibly();
        ForkExit exit = exitOf(killed);
        assertEquals(OptionalInt.of(9), exit.signal());
        assertEquals("killed by signal 9 (SIGKILL)", exit.toString());
        assertEquals(-1, k.inputStream().read(), "end of stream on the channel means the child is gone");
        k.close();
    }

    @Test
    void runFunctionThatThrowsExitsWith70() throws IOException {
        Fork f = Fork.create();
        ForkChannel ch = await(f.run("dev.jfork.ChildFunctions.throwing"));
        assertEquals(OptionalInt.of(70), exitOf(f).exitCode());
        ch.close();
    }

    @Test
    void streamsWorkFromTwoThreadsAtOnce() throws Exception {
        Fork f = Fork.create();
        ForkChannel ch = await(f.run("dev.jfork.ChildFunctions.copy"));
        byte[] data = new byte[4 << 20]; // far more than the socket buffers: reader and writer must overlap
        new Random(42).nextBytes(data);
        CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
            try {
                InputStream in = ch.inputStream();
                byte[] back = new byte[data.length];
                int n = 0;
                while (n < back.length) {
                    int r = in.read(back, n, back.length - n);
                    if (r < 0) {
                        break;
                    }
                    n += r;
                }
                return Arrays.copyOf(back, n);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        OutputStream out = ch.outputStream();
        for (int off = 0; off < data.length; off += 65536) {
            out.write(data, off, Math.min(65536, data.length - off));
        }
        assertTrue(Arrays.equals(data, await(received)));
        ch.close();
        assertEquals(OptionalInt.of(0), exitOf(f).exitCode());
    }

    @Test
    void byteChannelReadAndWriteWithDirectAndHeapBuffers() throws IOException {
        Fork f = Fork.create();
        ForkChannel ch = await(f.run("dev.jfork.ChildFunctions.echo"));
        ch.write(ByteBuffer.wrap("heap\n".getBytes(StandardCharsets.UTF_8)));
        ByteBuffer direct = ByteBuffer.allocateDirect(16);
        direct.put("direct\n".getBytes(StandardCharsets.UTF_8)).flip();
        ch.write(direct);
        assertEquals("echo:heap", readLine(ch));
        ByteBuffer in = ByteBuffer.allocateDirect(64);
        StringBuilder got = new StringBuilder();
        while (!got.toString().endsWith("\n")) {
            in.clear();
            assertTrue(ch.read(in) > 0);
            in.flip();
            got.append(StandardCharsets.UTF_8.decode(in));
        }
        assertEquals("echo:direct\n", got.toString());
        ch.close();
        assertFalse(ch.isOpen());
        assertEquals(OptionalInt.of(0), exitOf(f).exitCode());
    }

    @Test
    void closingAChannelWakesABlockedReader() throws Exception {
        Fork f = Fork.create();
        ForkChannel ch = await(f.run(DESCRIBE));
        readLine(ch);
        CompletableFuture<String> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                return readAll(ch.inputStream());
            } catch (IOException e) {
                return "error " + e;
            }
        });
        // the reader is either blocked in read or about to be; either way close must end it
        ch.close();
        assertEquals("", await(blocked));
        assertEquals(OptionalInt.of(0), exitOf(f).exitCode(), "the child saw end of stream and returned");
    }

    @Test
    void stderrTailAfterRunHasTheLastLines() throws IOException {
        Fork f = Fork.exec(JvmSpec.builder().stderrLines(2).discardStderr().build()).sendArg("one", "two", "three");
        ForkChannel ch = await(f.run("dev.jfork.ChildFunctions.complainAndExit"));
        assertEquals(OptionalInt.of(3), exitOf(f).exitCode());
        assertEquals(java.util.List.of("two", "three"), await(f.stderrTail()));
        ch.close();
    }
}
