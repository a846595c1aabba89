package dev.jfork;

import static dev.jfork.TestSupport.await;
import static dev.jfork.TestSupport.exitOf;
import static dev.jfork.TestSupport.readLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;

/** Templates: the shared default one, user templates, their lifetime and hand-over. */
class TemplateTest {
    private static final String DESCRIBE = "dev.jfork.ChildFunctions.describe";

    @Test
    void eightThreadsCreateAtOnce() throws Exception {
        Fork.defaultTemplate().close(); // make the threads race on starting the template, too
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<CompletableFuture<Fork>> created = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                created.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        throw new RuntimeException(e);
                    }
                    return Fork.create();
                }, pool));
            }
            start.countDown();
            Set<Long> pids = new HashSet<>();
            Set<Long> parents = new HashSet<>();
            for (CompletableFuture<Fork> c : created) {
                Fork f = await(c);
                long pid = f.pid().orElseThrow();
                pids.add(pid);
                parents.add(ProcessHandle.of(pid).orElseThrow().parent().orElseThrow().pid());
                ForkChannel ch = await(f.run(DESCRIBE));
                assertTrue(readLine(ch).startsWith("pid=" + pid));
                ch.close();
            }
            assertEquals(8, pids.size());
            // served by the default template's spares, or (none ready: it was just closed) started by this JVM itself
            Set<Long> servers = Set.of(Fork.defaultTemplate().pid().orElseThrow(), ProcessHandle.current().pid());
            assertTrue(servers.containsAll(parents), "parents " + parents + " are not among " + servers);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void deadDefaultTemplateIsReplaced() throws IOException {
        Fork old = Fork.defaultTemplate();
        long oldPid = old.pid().orElseThrow();
        ProcessHandle.of(oldPid).orElseThrow().destroyForcibly();
        assertEquals(OptionalInt.of(9), exitOf(old).signal());
        Fork f = Fork.create();
        ForkChannel ch = await(f.run(DESCRIBE));
        assertTrue(readLine(ch).startsWith("pid="));
        ch.close();
        assertNotEquals(oldPid, Fork.defaultTemplate().pid().orElseThrow());
    }

    @Test
    void closingATemplateLeavesItsChildrenRunning() throws IOException {
        Fork template = Fork.exec().sendArg("t");
        Fork running = template.fork();
        ForkChannel ch = await(running.run("dev.jfork.ChildFunctions.echo"));
        Fork notYetRun = template.fork().sendArg("late");
        template.close();
        assertEquals(OptionalInt.of(0), exitOf(template).exitCode());
        ch.outputStream().write("still here\n".getBytes());
        assertEquals("echo:still here", readLine(ch));
        ForkChannel late = await(notYetRun.run(DESCRIBE));
        assertTrue(readLine(late).endsWith("args=s:t,s:late"), "a fork requested before close completes");
        ch.close();
        late.close();
        // the template is gone, so the exit status is unknown, but the end is still observed
        assertTrue(exitOf(running).toString().startsWith("exit status unknown"), exitOf(running).toString());
        exitOf(notYetRun);
    }

    @Test
    void forksOfAUserTemplateAreItsChildren() throws IOException {
        try (Fork template = Fork.exec().require("dev.jfork.ChildFunctions")) {
            long tpid = template.pid().orElseThrow();
            Fork child = template.fork();
            long cpid = child.pid().orElseThrow();
            assertEquals(tpid, ProcessHandle.of(cpid).orElseThrow().parent().orElseThrow().pid());
            ForkChannel ch = await(child.run(DESCRIBE));
            assertTrue(readLine(ch).startsWith("pid=" + cpid + " "));
            ch.close();
            assertEquals(OptionalInt.of(0), exitOf(child).exitCode());
        }
    }

    /** t/04_tofrom.t: prepared processes handed to another process and driven from there. */
    @Test
    void processesCanBeHandedToAnotherProcess() throws IOException {
        Fork proc = Fork.create();
        Fork to1 = Fork.create();
        Fork to2 = Fork.create();
        to1.eval("dev.jfork.ChildFunctions.noArgs");
        ForkChannel fh1 = to1.toChannel();
        ForkChannel fh2 = to2.toChannel();
        Pipe p1 = Pipe.open();
        Pipe p2 = Pipe.open();
        proc.sendFd(fh1).sendFd(p1.sink()).sendFd(fh2).sendFd(p2.sink()).eval("dev.jfork.ChildFunctions.driveOthers");
        fh1.close();
        fh2.close();
        p1.sink().close();
        p2.sink().close();
        proc.close();
        assertEquals("172", TestSupport.readAll(Channels.newInputStream(p1.source())));
        assertEquals("174", TestSupport.readAll(Channels.newInputStream(p2.source())));
        assertEquals(OptionalInt.of(0), exitOf(proc).exitCode());
        assertEquals(OptionalInt.of(0), exitOf(to1).exitCode());
        assertEquals(OptionalInt.of(0), exitOf(to2).exitCode());
        p1.source().close();
        p2.source().close();
    }
}
