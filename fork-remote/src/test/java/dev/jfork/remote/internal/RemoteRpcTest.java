package dev.jfork.remote.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.jfork.Fork;
import dev.jfork.JvmSpec;
import dev.jfork.TestSupport;
import dev.jfork.internal.parent.ForkAccess;
import dev.jfork.pool.ForkPool;
import dev.jfork.remote.RemoteWorkers;
import dev.jfork.rpc.Rpc;
import dev.jfork.rpc.RpcClient;

/** fork-rpc and fork-pool on forks of a remote template, unchanged. */
class RemoteRpcTest {
    @Test
    void rpcCallsAndAPoolRunOnRemoteForks() throws Exception {
        try (LocalAgent agent = new LocalAgent("host rpc-agent", 256 * 1024)) {
            Fork template = ForkAccess.wrap(agent.connection.startTemplate(JvmSpec.defaults(), 2, TestSupport.DEADLINE.toMillis()));
            RpcClient rpc = Rpc.run(template.fork(), RemoteWorkers::sum);
            List<CompletableFuture<Long>> calls = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                calls.add(rpc.call(Long.class, i, 1));
            }
            for (int i = 0; i < 2000; i++) {
                assertEquals(i + 1L, TestSupport.await(calls.get(i)), "pipelined calls come back in order");
            }
            rpc.close();

            ForkPool pool = ForkPool.builder(template, RemoteWorkers::echo).max(3).build();
            List<CompletableFuture<String>> jobs = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                jobs.add(pool.call(String.class, "job" + i));
            }
            Set<String> workers = new HashSet<>();
            for (int i = 0; i < 60; i++) {
                String r = TestSupport.await(jobs.get(i));
                assertTrue(r.endsWith(":job" + i), r);
                workers.add(r.substring(0, r.indexOf(':')));
            }
            assertTrue(workers.size() >= 1 && workers.size() <= 3, "workers: " + workers);
            pool.close();
            assertTrue(pool.awaitTermination(TestSupport.DEADLINE), "the pool did not terminate");
            template.close();
            TestSupport.await(template.onExit());
        }
    }
}
