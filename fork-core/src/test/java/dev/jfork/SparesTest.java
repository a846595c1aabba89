package dev.jfork;

import static dev.jfork.TestSupport.await;
import static dev.jfork.TestSupport.awaitGone;
import static dev.jfork.TestSupport.exitOf;
import static dev.jfork.TestSupport.readLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/** Spares: forks started ahead of time must be indistinguishable from fresh forks. */
class SparesTest {
    private static final JvmSpec TWO_SPARES = JvmSpec.builder().spares(2).classDataSharing(false).build();

    private static void awaitSpares(Fork template, int n) throws InterruptedException {
        assertTrue(template.link().awaitSpares(n, TestSupport.DEADLINE.toMillis()), "no " + n + " spares within the deadline");
    }

    /** The template's children that have not been handed out. */
    private static Set<Long> spares(Fork template, Set<Long> handedOut) {
        return ProcessHandle.of(template.pid().orElseThrow()).orElseThrow().children().map(ProcessHandle::pid)
                .filter(p -> !handedOut.contains(p)).collect(Collectors.toSet());
    }

    @Test
    void aSpareHandedOverAfterMorePreparationHasTheStateOfAFreshFork() throws Exception {
        Pipe p1 = Pipe.open();
        Pipe p2 = Pipe.open();
        Fork template = Fork.exec(TWO_SPARES).sendArg("a").sendFd(p1.sink());
        Fork first = template.fork(); // makes it a template: the spares start now
        first.close();
        awaitSpares(template, 2);
        // more preparation after the spares were started: they must catch up
        template.require("dev.jfork.ChildFunctions").eval("dev.jfork.ChildFunctions.init", "b").sendArg("c").sendFd(p2.sink());
        Instant asked = Instant.now();
        Fork fromSpare = template.fork().sendArg("d");

        Fork reference = Fork.exec(TWO_SPARES.toBuilder().spares(0).build()).sendArg("a").sendFd(p1.sink())
                .require("dev.jfork.ChildFunctions").eval("dev.jfork.ChildFunctions.init", "b").sendArg("c").sendFd(p2.sink());
        Fork fresh = reference.fork().sendArg("d");
        p1.sink().close();
        p2.sink().close();

        long sparePid = fromSpare.pid().orElseThrow();
        assertTrue(ProcessHandle.of(sparePid).orElseThrow().info().startInstant().orElseThrow().isBefore(asked),
                "the fork was started before it was asked for: a spare");
        ForkChannel a = await(fromSpare.run("dev.jfork.ChildFunctions.greetFds"));
        ForkChannel b = await(fresh.run("dev.jfork.ChildFunctions.greetFds"));
        String spareState = readLine(a).replaceFirst("pid=\\d+ ", "");
        String freshState = readLine(b).replaceFirst("pid=\\d+ ", "");
        assertEquals("init=[init[b]] args=s:a,fd,s:c,fd,s:d", freshState);
        assertEquals(freshState, spareState);
        // both descriptors work in both forks: two greetings in each pipe
        for (Pipe p : new Pipe[] {p1, p2}) {
            InputStream in = Channels.newInputStream(p.source());
            assertEquals("hi #d", readLine(in));
            assertEquals("hi #d", readLine(in));
        }
        a.close();
        b.close();
        assertEquals(OptionalInt.of(0), exitOf(fromSpare).exitCode());
        assertEquals(OptionalInt.of(0), exitOf(fresh).exitCode());
        template.close();
        reference.close();
        exitOf(template);
        exitOf(reference);
        p1.source().close();
        p2.source().close();
    }

    /** The replacement of a spare handed over starts only after spareDelay; forks asked for meanwhile start fresh. */
    @Test
    void aReplacementSpareWaitsForTheSpareDelay() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> JvmSpec.builder().spareDelay(Duration.ofMillis(-1)));
        Fork template = Fork.exec(JvmSpec.builder().spares(1).spareDelay(Duration.ofHours(1)).classDataSharing(false).build());
        Fork first = template.fork(); // no spare yet: started fresh; the keeper starts one at once
        awaitSpares(template, 1);
        Fork second = template.fork(); // takes the spare; its replacement waits an hour
        ForkChannel ch2 = await(second.run("dev.jfork.ChildFunctions.describe"));
        readLine(ch2);
        Set<Long> handed = new HashSet<>(List.of(first.pid().orElseThrow(), second.pid().orElseThrow()));
        assertEquals(Set.of(), spares(template, handed), "a replacement started before spareDelay");
        Fork third = template.fork();
        ForkChannel ch = await(third.run("dev.jfork.ChildFunctions.describe"));
        assertFalse(readLine(ch).isEmpty());
        handed.add(third.pid().orElseThrow());
        assertEquals(Set.of(), spares(template, handed), "a replacement started before spareDelay");
        for (ForkChannel c : List.of(ch, ch2)) {
            c.outputStream().write("x\n".getBytes());
            c.close();
        }
        exitOf(third);
        exitOf(second);
        first.close();
        exitOf(first);
        template.close();
        exitOf(template);
    }

    /** After a fork ran HintTarget.run, the template's spares have loaded HintTarget, but not initialised it. */
    @Test
    void sparesLoadTheClassOfFunctionsForksRanWithoutInitialisingIt() throws Exception {
        JvmSpec spec = JvmSpec.builder().spares(1).classDataSharing(false)
                .jvmOptions(List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED")).build();
        Fork template = Fork.exec(spec);
        Fork first = template.fork();
        ForkChannel ch1 = await(first.run("dev.jfork.HintTarget.run")); // the parent tells the template
        assertEquals("ran", readLine(ch1));
        awaitSpares(template, 1);
        Fork second = template.fork(); // the hint reached the template, and its idle spare, before this
        ForkChannel ch2 = await(second.run("dev.jfork.ChildFunctions.hintState"));
        assertEquals("loaded=true initialised=null", readLine(ch2));
        ch2.outputStream().write("x\n".getBytes());
        ch1.close();
        ch2.close();
        exitOf(first);
        exitOf(second);
        template.close();
        exitOf(template);
    }

    @Test
    void sparesDieWithTheirTemplate() throws Exception {
        Fork template = Fork.exec(TWO_SPARES);
        Fork first = template.fork();
        ForkChannel ch = await(first.run("dev.jfork.ChildFunctions.describe"));
        readLine(ch);
        awaitSpares(template, 2);
        Set<Long> spares = spares(template, Set.of(first.pid().orElseThrow()));
        assertEquals(2, spares.size(), "spares: " + spares);
        template.close();
        for (long p : spares) {
            awaitGone(p);
        }
        ch.outputStream().write("x\n".getBytes());
        ch.close();
        exitOf(first);
    }

    @Test
    void aCrashedSpareIsNeverHandedOut() throws Exception {
        Fork template = Fork.exec(TWO_SPARES);
        template.fork().close();
        awaitSpares(template, 2);
        Set<Long> killed = new HashSet<>(spares(template, Set.of()));
        for (long p : killed) {
            ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly);
        }
        for (long p : killed) {
            awaitGone(p);
        }
        for (int i = 0; i < 3; i++) {
            Fork f = template.fork().sendArg(String.valueOf(i));
            ForkChannel ch = await(f.run("dev.jfork.ChildFunctions.describe"));
            assertTrue(readLine(ch).endsWith("args=s:" + i));
            assertFalse(killed.contains(f.pid().orElseThrow()), "a killed spare was handed out");
            ch.close();
            exitOf(f);
        }
        template.close();
        exitOf(template);
    }

    @Test
    void manyForksInARowAllWork() throws IOException {
        try (Fork template = Fork.exec(TWO_SPARES).sendArg("t")) {
            List<Fork> forks = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                forks.add(template.fork().sendArg(String.valueOf(i)));
            }
            for (int i = 0; i < forks.size(); i++) {
                ForkChannel ch = await(forks.get(i).run("dev.jfork.ChildFunctions.describe"));
                assertTrue(readLine(ch).endsWith("args=s:t,s:" + i));
                ch.close();
                assertEquals(OptionalInt.of(0), exitOf(forks.get(i)).exitCode());
            }
        }
    }

    @Test
    void runningATemplateEndsItsSpares() throws Exception {
        Fork template = Fork.exec(TWO_SPARES);
        template.fork().close();
        awaitSpares(template, 2);
        Set<Long> spares = spares(template, Set.of());
        ForkChannel ch = await(template.run("dev.jfork.ChildFunctions.describe"));
        readLine(ch);
        for (long p : spares) {
            awaitGone(p);
        }
        ch.close();
        exitOf(template);
    }

    @Test
    void sparesStopWhenPreparationFailsInEveryFork() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        CompletableFuture<Void> gaveUp = new CompletableFuture<>();
        java.io.OutputStream sink = new java.io.OutputStream() {
            private final StringBuilder seen = new StringBuilder();

            @Override
            public synchronized void write(int b) {
                seen.append((char) b);
                if (seen.indexOf("not keeping spares any more") >= 0) {
                    gaveUp.complete(null);
                }
            }
        };
        // the template holds the port; every fork's replay of the same eval fails
        Fork template = Fork.exec(TWO_SPARES.toBuilder().stderr(sink).build())
                .eval("dev.jfork.ChildFunctions.bindPort", String.valueOf(port));
        Fork first = template.fork();
        ForkException e = TestSupport.awaitFailure(first.run("dev.jfork.ChildFunctions.describe"));
        assertTrue(e.childError().orElseThrow().contains("BindException"), e.getMessage());
        await(gaveUp); // three spares in a row died before use: the keeper stopped
        template.close();
        exitOf(template);
    }
}
