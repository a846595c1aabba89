package dev.jfork.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.jfork.Fork;
import dev.jfork.TestSupport;
import dev.jfork.pool.ForkExecutor;
import dev.jfork.pool.ForkPool;
import dev.jfork.rpc.RpcException;

/**
 * One pool over a local and a remote template (real OpenSSH): it uses both; when the remote side
 * dies only the jobs there fail, naming the host; the pool goes on here and reconnects there.
 */
class MultiHostPoolTest {
    private static SshServer sshd;
    private static Path cache;

    @BeforeAll
    static void start() throws Exception {
        sshd = SshServer.start();
        cache = Files.createTempDirectory("jfork-remote-cache");
    }

    @AfterAll
    static void stop() throws IOException {
        if (sshd != null) {
            sshd.close();
        }
        RemoteTesting.deleteTree(cache);
    }

    private static RemoteSpec spec() {
        return RemoteTesting.sshSpec(cache, sshd);
    }

    /** The pids of the processes of a remote template's host: the agent and everything below it. */
    private static long agentOf(Fork remote) {
        long templatePid = remote.pidNow().orElseThrow();
        return ProcessHandle.of(templatePid).orElseThrow().parent().orElseThrow().pid(); // same machine in this test
    }

    @Test
    void aPoolOverALocalAndARemoteTemplateUsesBothAndSurvivesTheRemoteSide() throws Exception {
        Fork local = Fork.exec();
        Fork remote = ForkRemote.ssh(sshd.destination(), spec());
        ForkPool pool = ForkPool.builder(List.of(local, remote), RemoteWorkers::slowEcho).max(4).maxPerTemplate(2).load(1)
                .restartBackoff(Duration.ofMillis(200), Duration.ofSeconds(2)).build();
        try {
            // enough 20 ms jobs at once for four workers: two from each template
            List<CompletableFuture<String>> jobs = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                jobs.add(pool.call(String.class, i));
            }
            Set<String> workers = new HashSet<>();
            for (CompletableFuture<String> j : jobs) {
                String r = TestSupport.await(j);
                workers.add(r.substring(0, r.indexOf(':')));
            }
            Set<Long> remoteWorkers = new HashSet<>();
            ProcessHandle.of(remote.pidNow().orElseThrow()).orElseThrow().children().forEach(h -> remoteWorkers.add(h.pid()));
            long onRemote = workers.stream().filter(w -> remoteWorkers.contains(Long.parseLong(w))).count();
            assertTrue(onRemote >= 1 && workers.size() - onRemote >= 1, "jobs ran on both templates: " + workers + ", remote " + remoteWorkers);

            // the remote side dies (its agent, and with it the connection): only its jobs fail
            long agent = agentOf(remote);
            List<CompletableFuture<String>> during = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                during.add(pool.call(String.class, "d" + i));
            }
            ProcessHandle.of(agent).orElseThrow().destroyForcibly();
            int failed = 0;
            for (CompletableFuture<String> j : during) {
                try {
                    j.get(TestSupport.DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    failed++;
                    assertTrue(e.getCause() instanceof RpcException && e.getCause().getMessage().contains("host " + sshd.destination()),
                            "a job lost with its host says which: " + e.getCause());
                }
            }
            assertTrue(failed < during.size(), "the local workers went on");
            for (int i = 0; i < 10; i++) {
                assertTrue(TestSupport.await(pool.call(String.class, "after" + i)).endsWith(":after" + i), "the pool serves on");
            }
            // and it reconnects: a later burst runs on the remote host again
            long deadline = System.nanoTime() + TestSupport.DEADLINE.toNanos();
            boolean remoteAgain = false;
            while (!remoteAgain) {
                assertTrue(System.nanoTime() < deadline, "the pool did not start the remote template again: " + pool.stats());
                List<CompletableFuture<String>> burst = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    burst.add(pool.call(String.class, i));
                }
                for (CompletableFuture<String> j : burst) {
                    String r = TestSupport.await(j);
                    long pid = Long.parseLong(r.substring(0, r.indexOf(':')));
                    remoteAgain |= ProcessHandle.of(pid).flatMap(ProcessHandle::parent).flatMap(ProcessHandle::parent)
                            .map(p -> p.pid() != ProcessHandle.current().pid() && p.pid() != local.pidNow().orElse(-1)).orElse(false);
                }
            }
        } finally {
            pool.close();
            assertTrue(pool.awaitTermination(TestSupport.DEADLINE), "the pool did not terminate");
            local.close();
            remote.close();
            TestSupport.await(local.onExit());
        }
    }

    @Test
    void aForkExecutorRunsItsTasksOnARemoteTemplate() throws Exception {
        Fork remote = ForkRemote.ssh(sshd.destination(), spec());
        ForkExecutor executor = ForkExecutor.builder().templates(List.of(remote)).workers(2).build();
        try {
            long here = ProcessHandle.current().pid();
            long there = executor.submit(() -> ProcessHandle.current().parent().orElseThrow().parent().orElseThrow().pid())
                    .get(TestSupport.DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            assertTrue(there != here, "the task ran under the remote agent, not under this JVM");
            assertEquals(42, executor.submit(() -> 40 + 2).get(TestSupport.DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
        } finally {
            executor.close();
            remote.close();
            TestSupport.await(remote.onExit());
        }
    }
}
