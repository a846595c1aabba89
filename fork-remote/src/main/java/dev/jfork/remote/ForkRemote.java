package dev.jfork.remote;

import java.io.IOException;
import java.util.List;

import dev.jfork.Fork;
import dev.jfork.ForkException;
import dev.jfork.JvmSpec;
import dev.jfork.internal.parent.ForkAccess;
import dev.jfork.internal.parent.ProcessLink;
import dev.jfork.remote.internal.RemoteAgent;
import dev.jfork.remote.internal.RemoteConnection;
import dev.jfork.remote.internal.RemoteLaunch;

/**
 * Templates on other machines: AnyEvent::Fork::Remote for the JVM. {@link #ssh(String)} starts a
 * template JVM on another host through your {@code ssh} (your configuration, keys and known
 * hosts) and returns it as a {@link Fork}: {@code require}, {@code eval}, {@code sendArg},
 * {@code fork()} and {@code run} work as on this machine, and so do {@code Rpc.run},
 * {@code Rpc.proxy}, {@code ForkPool} and {@code ForkExecutor} on its forks.
 *
 * <pre>{@code
 * Fork template = ForkRemote.ssh("build@worker7").require(Worker.class);
 * RpcClient rpc = Rpc.run(template.fork(), Worker::add);     // a fork on worker7
 * ForkPool pool = ForkPool.builder(template, Worker::add).max(8).build();
 * }</pre>
 *
 * <p>How it works: one connection per template, the stdin and stdout of {@code ssh host sh -c
 * ...} (or of any command that reaches the other side, {@link #command(List)}: {@code docker exec
 * -i}, {@code kubectl exec -i}). A small shell script there makes the class path available (jars
 * are sent once, by content hash, into a cache that later connections reuse; class directories
 * are sent as jars) and starts an agent JVM, which starts the template with jfork and carries
 * every process's socket and stderr as channels of that one connection. So a fork with a spare
 * ready costs about one network round trip, not an ssh handshake; nothing listens on any port on
 * either side.
 *
 * <p>What differs from a local template: {@code sendFd} fails at once (a descriptor cannot reach
 * another machine: send a path or a port); pids are the remote host's; the processes there end
 * when the connection ends (they are the agent's, which exits with it), and a process whose
 * connection dies fails with the host named and the connection's last stderr lines.
 */
public final class ForkRemote {
    private ForkRemote() {}

    /**
     * A template on {@code destination}, started through ssh with {@link RemoteSpec#defaults()}.
     *
     * @param destination what you would give ssh: {@code host}, {@code user@host} or a
     *                    {@code Host} of your ssh configuration
     * @return the remote template, ready to be prepared and forked
     * @throws ForkException if it cannot be started (ssh fails, no java there, timeout), with
     *                       the step that failed and the last lines ssh or the remote side printed
     */
    public static Fork ssh(String destination) {
        return ssh(destination, RemoteSpec.defaults());
    }

    /**
     * A template on {@code destination}, started through ssh as {@code spec} says.
     *
     * @param destination what you would give ssh
     * @param spec        the ssh command and options, the remote java and its options, the cache
     * @return the remote template
     * @throws ForkException if it cannot be started
     */
    public static Fork ssh(String destination, RemoteSpec spec) {
        return start("host " + destination, () -> RemoteLaunch.overSsh(destination, spec, RemoteAgent.class.getName(), agentArgs(spec)),
                spec);
    }

    /**
     * A template started through any command whose stdin and stdout reach the other side, with
     * {@link RemoteSpec#defaults()}: {@code List.of("docker", "exec", "-i", "worker")}. The command
     * is given {@code sh -c SCRIPT} as its last arguments.
     *
     * @param command the command, e.g. {@code docker exec -i NAME}
     * @return the remote template
     * @throws ForkException if it cannot be started
     */
    public static Fork command(List<String> command) {
        return command(command, RemoteSpec.defaults());
    }

    /**
     * A template started through {@code command}, as {@code spec} says (its ssh settings are not
     * used).
     *
     * @param command the command, e.g. {@code kubectl exec -i POD --}
     * @param spec    the remote java and its options, the cache, the class path
     * @return the remote template
     * @throws ForkException if it cannot be started
     */
    public static Fork command(List<String> command, RemoteSpec spec) {
        List<String> argv = List.copyOf(command);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("command: empty");
        }
        return start("host `" + String.join(" ", argv) + "`",
                () -> RemoteLaunch.overCommand(argv, spec, RemoteAgent.class.getName(), agentArgs(spec)), spec);
    }

    private interface Launch {
        RemoteLaunch start() throws IOException;
    }

    private static List<String> agentArgs(RemoteSpec spec) {
        return List.of(String.valueOf(spec.channelWindow()));
    }

    private static Fork start(String host, Launch how, RemoteSpec spec) {
        RemoteConnection connection = connect(host, how, spec);
        connection.reconnectWith(() -> connect(host, how, spec)); // a pool whose host was lost reconnects with it
        ProcessLink link;
        try {
            link = connection.startTemplate(JvmSpec.defaults(), spec.spares(), spec.connectTimeout().toMillis());
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
        return ForkAccess.wrap(link);
    }

    private static RemoteConnection connect(String host, Launch how, RemoteSpec spec) {
        RemoteLaunch launch;
        try {
            launch = how.start();
        } catch (IOException e) {
            throw new ForkException("jfork: cannot start a template on " + host + ": " + e.getMessage(), null, null, null, e);
        }
        return new RemoteConnection(host, launch.in(), launch.out(), spec.channelWindow(), launch::stderrLines, launch::close);
    }
}
