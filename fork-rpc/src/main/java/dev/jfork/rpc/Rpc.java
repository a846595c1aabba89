package dev.jfork.rpc;

import java.lang.reflect.Proxy;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import dev.jfork.Fork;
import dev.jfork.ForkChannel;
import dev.jfork.rpc.internal.ClientHandle;
import dev.jfork.rpc.internal.ProxyHandler;
import dev.jfork.rpc.internal.RpcConfig;
import dev.jfork.rpc.internal.RpcServer;

/**
 * AnyEvent::Fork::RPC for the JVM: turns a prepared process into a worker that answers calls.
 *
 * <pre>{@code
 * RpcClient rpc = Rpc.run(Fork.create().require("com.example.Worker"), "com.example.Worker.work",
 *         RpcOptions.builder().onEvent(e -> System.out.println(Arrays.toString(e))).build());
 * rpc.call("job", 42).thenAccept(result -> ...);
 *
 * // in the child (sync backend):
 * public static Object work(Object... args) {
 *     RpcChild.event("starting", args[0]);
 *     return ...;
 * }
 * }</pre>
 */
public final class Rpc {
    private Rpc() {}

    /**
     * Takes the prepared process over (used <em>instead of</em> {@link Fork#run}) and starts the RPC
     * server in it with {@code function}: {@code "pkg.Cls.fn"} or {@code "pkg.Cls::fn"}, declared
     * {@code public static Object fn(Object... args)} for the sync backend or
     * {@code public static void fn(RpcReply reply, Object... args)} with {@code async(true)}. The
     * arguments sent to the process so far go to the {@code init} function. Returns at once; calls
     * made before the worker is up are buffered. If the worker cannot be started, buffered calls
     * fail and {@code onError} runs.
     *
     * @param fork     the prepared process, not yet run
     * @param function the worker function, {@code "pkg.Cls.fn"} or {@code "pkg.Cls::fn"}
     * @param options  the backend, init and done functions, callbacks, serializer and limits
     * @return the client that calls the worker
     * @throws IllegalStateException if {@code fork} was already run or closed
     * @throws IllegalArgumentException if the serializer cannot be instantiated here
     */
    public static RpcClient run(Fork fork, String function, RpcOptions options) {
        Objects.requireNonNull(function, "function");
        return start(fork, RpcConfig.forFunction(function, options), options);
    }

    /**
     * {@link #run(Fork, String, RpcOptions)} with {@link RpcOptions#defaults()}.
     *
     * @param fork     the prepared process, not yet run
     * @param function the worker function, {@code "pkg.Cls.fn"} or {@code "pkg.Cls::fn"}
     * @return the client that calls the worker
     */
    public static RpcClient run(Fork fork, String function) {
        return run(fork, function, RpcOptions.defaults());
    }

    /**
     * {@link #run(Fork, String, RpcOptions)} with the function as a method reference:
     * {@code Rpc.run(fork, Worker::add, options)} for {@code public static Object add(Object... args)}
     * (the sync backend; name an async function with the String form).
     *
     * @param fork     the prepared process, not yet run
     * @param function a reference to the worker's static function
     * @param options  the callbacks, serializer and limits; the backend must be sync
     * @return the client that calls the worker
     * @throws IllegalArgumentException if {@code function} is a lambda or a capturing reference, or
     *                                  {@code options} has {@code async(true)}
     */
    public static RpcClient run(Fork fork, RpcFunction function, RpcOptions options) {
        if (options != null && options.async()) {
            throw new IllegalArgumentException("an RpcFunction is a sync function (static Object fn(Object... args)); name an"
                    + " async one (static void fn(RpcReply reply, Object... args)) with Rpc.run(fork, \"pkg.Cls::fn\", options)");
        }
        return run(fork, RpcFunction.nameOf(function), options);
    }

    /**
     * {@link #run(Fork, RpcFunction, RpcOptions)} with {@link RpcOptions#defaults()}.
     *
     * @param fork     the prepared process, not yet run
     * @param function a reference to the worker's static function
     * @return the client that calls the worker
     */
    public static RpcClient run(Fork fork, RpcFunction function) {
        return run(fork, function, RpcOptions.defaults());
    }

    /**
     * A typed worker: the child creates an instance of {@code implClass} (a public class with a
     * public no-argument constructor implementing {@code iface}, after {@code init}) and the
     * returned proxy forwards every call of an abstract method of {@code iface} to it. Methods
     * returning {@code CompletableFuture} (or {@code CompletionStage}/{@code Future}) are
     * asynchronous: they return at once, and the child's implementation may itself return a
     * {@code CompletableFuture}; other methods block until the result arrives and throw
     * {@link RpcException} (unchecked) if the call fails. Default methods run locally; the
     * {@code Object} methods are the proxy's own. If {@code iface} extends {@code AutoCloseable},
     * {@code close()} closes the client (and the child closes its instance when it exits); otherwise
     * use {@link #clientOf(Object)}.
     *
     * <p>With {@code async(false)} (default) the child runs one method at a time; with
     * {@code async(true)} it starts methods as requests arrive and answers each when its
     * {@code CompletableFuture} completes.
     *
     * @param <T>       the interface type
     * @param fork      the prepared process, not yet run
     * @param iface     the interface the proxy implements
     * @param implClass the binary name of the implementation class, loaded in the child
     * @param options   the backend, init and done functions, callbacks, serializer and limits
     * @return a proxy implementing {@code iface} whose calls run in the child
     * @throws IllegalArgumentException if {@code iface} is not an interface, or the serializer cannot
     *                                  be instantiated here
     * @throws IllegalStateException if {@code fork} was already run or closed
     */
    public static <T> T proxy(Fork fork, Class<T> iface, String implClass, RpcOptions options) {
        Objects.requireNonNull(iface, "iface");
        Objects.requireNonNull(implClass, "implClass");
        if (!iface.isInterface()) {
            throw new IllegalArgumentException(iface.getName() + " is not an interface");
        }
        ProxyHandler handler = new ProxyHandler(iface);
        ClientHandle client = start(fork, RpcConfig.forProxy(iface.getName(), implClass, options), options, iface);
        handler.attach(client);
        return iface.cast(Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[] {iface}, handler));
    }

    /**
     * {@link #proxy(Fork, Class, String, RpcOptions)} with the implementation as a class the
     * compiler checks: {@code Rpc.proxy(fork, Calculator.class, CalculatorImpl.class, options)}.
     * Only its name travels: the child loads and instantiates it.
     *
     * @param <T>       the interface type
     * @param fork      the prepared process, not yet run
     * @param iface     the interface the proxy implements
     * @param implClass the implementation class, instantiated in the child
     * @param options   the backend, init and done functions, callbacks, serializer and limits
     * @return a proxy implementing {@code iface} whose calls run in the child
     */
    public static <T> T proxy(Fork fork, Class<T> iface, Class<? extends T> implClass, RpcOptions options) {
        return proxy(fork, iface, Objects.requireNonNull(implClass, "implClass").getName(), options);
    }

    /**
     * {@link #proxy(Fork, Class, Class, RpcOptions)} with {@link RpcOptions#defaults()}.
     *
     * @param <T>       the interface type
     * @param fork      the prepared process, not yet run
     * @param iface     the interface the proxy implements
     * @param implClass the implementation class, instantiated in the child
     * @return a proxy implementing {@code iface} whose calls run in the child
     */
    public static <T> T proxy(Fork fork, Class<T> iface, Class<? extends T> implClass) {
        return proxy(fork, iface, implClass, RpcOptions.defaults());
    }

    /**
     * The client behind a proxy made by {@link #proxy}.
     *
     * @param proxy a proxy returned by {@link #proxy}
     * @return its client, to close it or wait for {@link RpcClient#terminated()}
     * @throws IllegalArgumentException if {@code proxy} is not one
     */
    public static RpcClient clientOf(Object proxy) {
        if (proxy != null && Proxy.isProxyClass(proxy.getClass()) && Proxy.getInvocationHandler(proxy) instanceof ProxyHandler) {
            return ((ProxyHandler) Proxy.getInvocationHandler(proxy)).client();
        }
        throw new IllegalArgumentException("not an RPC proxy: " + proxy);
    }

    private static ClientHandle start(Fork fork, RpcConfig config, RpcOptions options) {
        return start(fork, config, options, null);
    }

    private static ClientHandle start(Fork fork, RpcConfig config, RpcOptions options, Class<?> proxyInterface) {
        Objects.requireNonNull(fork, "fork");
        Objects.requireNonNull(options, "options");
        config.newSerializer(null); // fails here, not in the child, if it cannot be instantiated
        fork.sendArg(config.encode());
        CompletableFuture<ForkChannel> channel = fork.run(RpcServer.ENTRY);
        return ClientHandle.start(fork, channel, config, options, proxyInterface);
    }

    /** For tests: a client over a process whose run function speaks the protocol itself. */
    static RpcClient attach(Fork fork, CompletableFuture<ForkChannel> channel, RpcOptions options) {
        return ClientHandle.start(fork, channel, RpcConfig.forFunction("(raw)", options), options);
    }
}
