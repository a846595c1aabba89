package dev.jfork.remote.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.Pipe;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.jfork.Fork;
import dev.jfork.ForkChannel;
import dev.jfork.ForkExit;
import dev.jfork.JvmSpec;
import dev.jfork.TestSupport;
import dev.jfork.internal.parent.ForkAccess;
import dev.jfork.internal.parent.ProcessLink;

/**
 * A template started by an agent behind a connection (here the agent is a local process; over
 * ssh it is the same bytes): fork-core's whole protocol goes through unchanged, forks included.
 */
class AgentTest {
    private static final String DESCRIBE = "dev.jfork.ChildFunctions.describe";

    private static Fork template(LocalAgent agent) {
        ProcessLink link = agent.connection.startTemplate(JvmSpec.defaults(), 2, TestSupport.DEADLINE.toMillis());
        return ForkAccess.wrap(link);
    }

    @Test
    void aRemoteTemplateIsPreparedForkedAndRun() throws Exception {
        try (LocalAgent agent = new LocalAgent("host test-agent", 64 * 1024)) {
            Fork template = template(agent);
            template.require("dev.jfork.ChildFunctions").eval("dev.jfork.ChildFunctions.init", "x").sendArg("t");
            long templatePid = template.pid().orElseThrow();
            Fork one = template.fork().sendArg("one");
            Fork two = template.fork().sendArg("two");
            ForkChannel c1 = TestSupport.await(one.run(DESCRIBE));
            ForkChannel c2 = TestSupport.await(two.run(DESCRIBE));
            String l1 = TestSupport.readLine(c1);
            String l2 = TestSupport.readLine(c2);
            assertTrue(l1.endsWith("init=[init[x]] args=s:t,s:one"), l1);
            assertTrue(l2.endsWith("init=[init[x]] args=s:t,s:two"), l2);
            assertTrue(l1.startsWith("pid=" + one.pid().orElseThrow()), "pids are the remote host's: " + l1);
            assertNotEquals(templatePid, one.pid().orElseThrow());
            c1.close();
            c2.close();
            assertEquals(OptionalInt.of(0), TestSupport.await(one.onExit()).exitCode(), "the remote template reports its forks' exits");
            assertEquals(OptionalInt.of(0), TestSupport.await(two.onExit()).exitCode());
            template.close();
            ForkExit exit = TestSupport.await(template.onExit());
            assertEquals(OptionalInt.of(0), exit.exitCode(), "the agent reports the template's own exit: " + exit);
            assertTrue(agent.process.waitFor(TestSupport.DEADLINE.toSeconds(), TimeUnit.SECONDS),
                    "the connection ends once nothing runs there");
        }
    }

    @Test
    void sendFdFailsAtOnceNamingTheHost() throws Exception {
        try (LocalAgent agent = new LocalAgent("host test-agent", 64 * 1024)) {
            Fork template = template(agent);
            Pipe p = Pipe.open();
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> template.sendFd(p.sink()));
            assertTrue(e.getMessage().contains("host test-agent"), e.getMessage());
            Fork fork = template.fork();
            assertThrows(UnsupportedOperationException.class, () -> fork.sendFd(p.source()));
            p.sink().close();
            p.source().close();
            fork.close();
            template.close();
            TestSupport.await(template.onExit());
        }
    }

    @Test
    void whenTheConnectionDiesItsProcessesAreLostWithTheHostNamed() throws Exception {
        LocalAgent agent = new LocalAgent("host doomed", 64 * 1024);
        try {
            Fork template = template(agent);
            Fork fork = template.fork();
            ForkChannel ch = TestSupport.await(fork.run(DESCRIBE));
            assertTrue(TestSupport.readLine(ch).startsWith("pid="));
            agent.process.destroyForcibly(); // the agent (and so the connection) dies
            ForkExit exit = TestSupport.await(template.onExit());
            assertTrue(exit.toString().contains("host doomed"), "the template's end names the host: " + exit);
            assertEquals(-1, ch.inputStream().read(), "a running fork's channel ends");
            ch.close();
        } finally {
            agent.close();
        }
    }
}
