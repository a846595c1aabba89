package dev.jfork.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.jfork.Fork;
import dev.jfork.ForkChannel;
import dev.jfork.ForkException;
import dev.jfork.TestSupport;
import dev.jfork.pool.ForkPool;
import dev.jfork.rpc.Rpc;
import dev.jfork.rpc.RpcClient;

/**
 * The public API end to end, over real OpenSSH (the suite's own sshd on 127.0.0.1) and over a
 * plain command: the class path is sent, a template starts there, forks run, RPC and pools work,
 * and what fails says where.
 */
class ForkRemoteTest extends OverSshTest {
    private static final String DESCRIBE = "dev.jfork.ChildFunctions.describe";
    private static RemoteSpec.Builder spec() {
        return RemoteTesting.spec(cache);
    }

    @Test
    void aTemplateOverSshForksRunsAndServesRpcAndAPool() throws Exception {
        Fork template = ForkRemote.ssh(sshd.destination(), sshSpec()).require("dev.jfork.ChildFunctions").sendArg("t");
        try {
            Fork fork = template.fork().sendArg("f");
            ForkChannel ch = TestSupport.await(fork.run(DESCRIBE));
            String line = TestSupport.readLine(ch);
            assertTrue(line.startsWith("pid=" + fork.pid().orElseThrow()) && line.endsWith("args=s:t,s:f"), line);
            ch.close();
            assertEquals(OptionalInt.of(0), TestSupport.await(fork.onExit()).exitCode());

            RpcClient rpc = Rpc.run(template.fork(), RemoteWorkers::sum);
            assertEquals(42L, TestSupport.await(rpc.call(Long.class, 40, 2)));
            rpc.close();

            ForkPool pool = ForkPool.builder(template, RemoteWorkers::echo).max(2).build();
            List<CompletableFuture<String>> jobs = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                jobs.add(pool.call(String.class, i));
            }
            for (int i = 0; i < 20; i++) {
                assertTrue(TestSupport.await(jobs.get(i)).endsWith(":" + i));
            }
            pool.close();
            assertTrue(pool.awaitTermination(TestSupport.DEADLINE));
            // what the check after each test looks for is there while the template is: its agent and its JVMs
            assertTrue(RemoteTesting.runningFrom(cache).size() >= 2, "the agent and the template run from the cache");
        } finally {
            template.close();
            TestSupport.await(template.onExit());
        }
    }

    @Test
    void aPlainCommandReachesTheOtherSideToo() throws Exception {
        Fork template = ForkRemote.command(List.of("env", "JFORK_REMOTE_TEST=1"), spec().build());
        try {
            ForkChannel ch = TestSupport.await(template.fork().require("dev.jfork.ChildFunctions").run(DESCRIBE));
            assertTrue(TestSupport.readLine(ch).startsWith("pid="));
            ch.close();
            assertThrows(UnsupportedOperationException.class, () -> template.sendFd(java.io.FileDescriptor.out));
        } finally {
            template.close();
            TestSupport.await(template.onExit());
        }
    }

    @Test
    void aHostThatCannotBeReachedFailsWithTheStepAndWhatSshSaid() {
        RemoteSpec spec = spec().sshOptions("-F", "/dev/null", "-p", "1", "-o", "ConnectTimeout=5").build(); // nothing listens on port 1
        ForkException e = assertThrows(ForkException.class, () -> ForkRemote.ssh("root@127.0.0.1", spec));
        String text = e.toString() + " " + e.stderrTail();
        assertTrue(text.contains("127.0.0.1") && text.toLowerCase().contains("connect"), text);
    }
}
