package dev.jfork.rpc.internal;

import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

import dev.jfork.Fork;
import dev.jfork.ForkChannel;
import dev.jfork.internal.concurrent.JforkThreads;
import dev.jfork.rpc.RpcClient;
import dev.jfork.rpc.RpcOptions;

/**
 * The {@link RpcClient} users hold. The connection (and its reader thread) never refers back to
 * it, so when users drop it a cleaner closes the connection: the child finishes what was sent and
 * exits, as when Perl's {@code $rpc} goes out of scope.
 */
public final class ClientHandle implements RpcClient {

    private final Connection connection;

    private ClientHandle(Connection connection) {
        this.connection = connection;
    }

    public static ClientHandle start(Fork fork, CompletableFuture<ForkChannel> channel, RpcConfig config, RpcOptions options) {
        return start(fork, channel, config, options, null);
    }

    /**
     * A client over {@code fork}'s channel; for a proxy, {@code proxyInterface} names the methods
     * of its calls (in JFR's {@code dev.jfork.RpcCall} events), else null.
     */
    public static ClientHandle start(Fork fork, CompletableFuture<ForkChannel> channel, RpcConfig config, RpcOptions options,
            Class<?> proxyInterface) {
        AcceptedClasses accepted = new AcceptedClasses(options.allowed(), options.registrations(), "RpcOptions.Builder.allow");
        String[] methods = null;
        if (proxyInterface != null) {
            java.util.List<java.lang.reflect.Method> table = ProxyMethods.cached(proxyInterface);
            methods = new String[table.size()];
            for (int i = 0; i < methods.length; i++) {
                methods[i] = proxyInterface.getName() + "." + table.get(i).getName();
            }
        }
        String function = config.function != null ? config.function : config.proxyInterface;
        Connection c = new Connection(fork, function, methods, config.newSerializer(accepted), accepted, options,
                config.maxFrameSize());
        ClientHandle h = new ClientHandle(c);
        JforkThreads.cleanWhenUnreachable(h, c::close);
        channel.whenComplete(c::started);
        return h;
    }

    @Override
    public <T> CompletableFuture<T> call(Object... args) {
        return connection.call(args, null);
    }

    @Override
    public <T> CompletableFuture<T> call(Class<T> resultType, Object... args) {
        return connection.call(args, java.util.Objects.requireNonNull(resultType, "resultType"));
    }

    /**
     * For fork-pool: a call (its result must be a {@code resultType}, null: anything) whose outcome
     * goes to {@code listener} without a dependent stage: once, on the thread that completes the
     * call (the connection's reader, usually; this thread, before this method returns, if the call
     * fails at once). A listener that throws is logged.
     *
     * @param args       the function's arguments
     * @param resultType the class the result must be an instance of, or null
     * @param listener   told the result (and a null error) or the error (and a null result)
     */
    public void call(Object[] args, Class<?> resultType, BiConsumer<Object, Throwable> listener) {
        connection.call(args, resultType, java.util.Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void close() {
        connection.close();
    }

    @Override
    public CompletableFuture<Void> terminated() {
        return connection.terminated().copy();
    }

    @Override
    public int inFlight() {
        return connection.inFlight();
    }

    @Override
    public Fork fork() {
        return connection.fork;
    }

    @Override
    public void control(int kind, byte[] payload) {
        connection.control(kind, payload);
    }

    @Override
    public void kill() {
        connection.kill();
    }

    @Override
    public String toString() {
        return connection.toString();
    }
}
