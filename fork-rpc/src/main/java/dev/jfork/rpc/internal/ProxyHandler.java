package dev.jfork.rpc.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

import dev.jfork.rpc.RpcClient;
import dev.jfork.rpc.RpcException;

/** The parent's side of {@code Rpc.proxy}: turns interface calls into RPC calls (see {@link ProxyMethods}). */
public final class ProxyHandler implements InvocationHandler {
    private final Class<?> iface;
    private final Map<String, Integer> numbers = new HashMap<>();
    private final Map<Method, Integer> cache = new ConcurrentHashMap<>();
    private volatile RpcClient client;

    public ProxyHandler(Class<?> iface) {
        this.iface = iface;
        List<Method> methods = ProxyMethods.cached(iface);
        for (int i = 0; i < methods.size(); i++) {
            numbers.put(ProxyMethods.key(methods.get(i)), i);
        }
    }

    public void attach(RpcClient c) {
        this.client = c;
    }

    public RpcClient client() {
        return client;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class || ProxyMethods.isObjectMethod(method)) {
            switch (method.getName()) {
                case "equals":
                    return proxy == args[0];
                case "hashCode":
                    return System.identityHashCode(proxy);
                default:
                    return "RpcProxy[" + iface.getName() + ", " + client + "]";
            }
        }
        if (method.isDefault()) {
            return InvocationHandler.invokeDefault(proxy, method, args);
        }
        if (ProxyMethods.isClose(iface, method)) {
            client.close();
            return null;
        }
        Integer number = cache.computeIfAbsent(method, m -> numbers.get(ProxyMethods.key(m)));
        int n = args == null ? 0 : args.length;
        Object[] callArgs = new Object[n + 1];
        callArgs[0] = number;
        if (n > 0) {
            System.arraycopy(args, 0, callArgs, 1, n);
        }
        CompletableFuture<Object> f = client.call(callArgs);
        if (ProxyMethods.isAsync(method)) {
            return f;
        }
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RpcException) {
                RpcException r = (RpcException) c;
                // a new exception, so the caller's stack shows up; the original (and the remote one) as cause
                throw new RpcException(r.kind(), r.getMessage(), r.exit().orElse(null), r.stderrTail(), r);
            }
            throw c;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RpcException(RpcException.Kind.LOCAL, "interrupted while waiting for " + iface.getSimpleName() + "."
                    + method.getName() + " (the call goes on)", null, null, e);
        }
    }
}
