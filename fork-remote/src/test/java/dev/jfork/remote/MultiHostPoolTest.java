package dev.jfork.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.jfork.Fork;
import dev.jfork.ForkExit;
import dev.jfork.TestSupport;
import dev.jfork.pool.ForkExecutor;
import dev.jfork.pool.ForkPool;
import dev.jfork.rpc.RpcException;

/**
 * One pool over a local and a remote template (real OpenSSH): it uses both; when the remote side
 * dies only the jobs there fail, naming the host; the pool goes on here and reconnects there.
 */
class MultiHostPoolTest extends OverSshTest {
    /** What dies on the remote side (the "remote" host is this machine in this test). */
    enum RemoteDeath {
        /** the remote template's JVM */
        TEMPLATE {
            @Override
            ProcessHandle victim(Fork remote) {
                return ProcessHandle.of(remote.pidNow().orElseThrow()).orElseThrow();
            }
        },
        /** jfork's agent there, and with it the connection */
        AGENT {
            @Override
            ProcessHandle victim(Fork remote) {
                return TEMPLATE.victim(remote).parent().orElseThrow();
            }
        },
        /** the sshd serving the connection (what a reboot or a network cut looks like to ssh) */
        SSHD {
            @Override
            ProcessHandle victim(Fork remote) {
                ProcessHandle p = AGENT.victim(remote);
                while (!p.info().command().orElse("").endsWith("sshd") && !p.info().commandLine().orElse("").startsWith("sshd")) {
                    p = p.parent().orElseThrow(() -> new AssertionError("no sshd above the remote agent"));
                }
                return p;
            }
        };

        abstract ProcessHandle victim(Fork remote);
    }

    @ParameterizedTest
    @EnumSource(RemoteDeath.class)
    void aPoolOverALocalAndARemoteTemplateUsesBothAndSurvivesTheRemoteSide(RemoteDeath death) throws Exception {
        Fork local = Fork.exec();
        Fork remote = ForkRemote.ssh(sshd.destination(), sshSpec());
        ForkPool pool = ForkPool.builder(List.of(local, remote), RemoteWorkers::slowEcho).max(4).maxPerTemplate(2).load(1)
                .restartBackoff(Duration.ofMillis(200), Duration.ofSeconds(2)).build();
        try {
            // enough 20 ms jobs at once for four workers, two from each template; again until both
            // templates have served (a remote template's first workers may take longer to start than
            // the local ones need for a round, on a busy machine)
            Set<String> workers = new HashSet<>();
            Set<Long> remoteWorkers = new HashSet<>();
            long onRemote = 0;
            long bothBy = System.nanoTime() + TestSupport.DEADLINE.toNanos();
            while (onRemote == 0 || workers.size() - onRemote == 0) {
                assertTrue(System.nanoTime() < bothBy, "jobs ran on both templates: " + workers + ", remote " + remoteWorkers);
                List<CompletableFuture<String>> jobs = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    jobs.add(pool.call(String.class, i));
                }
                for (CompletableFuture<String> j : jobs) {
                    String r = TestSupport.await(j);
                    workers.add(r.substring(0, r.indexOf(':')));
                }
                ProcessHandle.of(remote.pidNow().orElseThrow()).orElseThrow().children().forEach(h -> remoteWorkers.add(h.pid()));
                onRemote = workers.stream().filter(w -> remoteWorkers.contains(Long.parseLong(w))).count();
            }

            // the remote side dies: only its jobs fail
            ProcessHandle victim = death.victim(remote);
            List<CompletableFuture<String>> during = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                during.add(pool.call(String.class, "d" + i));
            }
            assertTrue(victim.destroyForcibly() || !victim.isAlive(), "could not kill " + death + " " + victim.pid());
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
            if (death == RemoteDeath.TEMPLATE) {
                // its workers live on there (forks do not die with their template) and keep serving;
                // the template's end is known here, with the host
                ForkExit end = TestSupport.await(remote.onExit());
                assertEquals(java.util.OptionalInt.of(9), end.signal(), "the remote template was killed: " + end);
            }
            // a later burst runs on the remote host again (the workers that lived on, or new ones
            // from a new connection)
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
                    remoteAgain |= remoteWorkers.contains(pid) || ProcessHandle.of(pid).flatMap(ProcessHandle::parent).flatMap(ProcessHandle::parent)
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
        Fork remote = ForkRemote.ssh(sshd.destination(), sshSpec());
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
