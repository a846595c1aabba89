package dev.jfork.rpc.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

import dev.jfork.internal.wire.FunctionRef;
import dev.jfork.rpc.RpcReply;

/** The child's side of {@code Rpc.proxy}: one instance of the implementation class, methods by number. */
final class ProxyTarget implements Target {
    private final Object instance;
    private final MethodHandle[] handles;
    private final int[] arity;
    private final String[] names;
    private final boolean async;

    ProxyTarget(String ifaceName, String implName, boolean async) throws FunctionRef.Invalid {
        this.async = async;
        Class<?> iface = FunctionRef.loadClass("proxy interface", ifaceName, RpcConfig.loader());
        Class<?> impl = FunctionRef.loadClass("proxy implementation", implName, RpcConfig.loader());
        if (!iface.isAssignableFrom(impl)) {
            throw new FunctionRef.Invalid("proxy implementation " + implName + " does not implement " + ifaceName, null);
        }
        try {
            java.lang.reflect.Constructor<?> c = impl.getDeclaredConstructor();
            c.setAccessible(true);
            instance = c.newInstance();
        } catch (InvocationTargetException e) {
            throw new FunctionRef.Invalid("proxy implementation " + implName + ": constructor threw " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new FunctionRef.Invalid("proxy implementation " + implName + " needs a no-argument constructor: " + e, e);
        }
        List<Method> methods = ProxyMethods.of(iface);
        handles = new MethodHandle[methods.size()];
        arity = new int[methods.size()];
        names = new String[methods.size()];
        for (int i = 0; i < handles.length; i++) {
            Method m = methods.get(i);
            try {
                m.setAccessible(true);
            } catch (RuntimeException e) {
                // public methods of a public interface need no access override
            }
            arity[i] = m.getParameterCount();
            names[i] = m.getName();
            handles[i] = Target.handle(m).bindTo(instance).asSpreader(Object[].class, arity[i])
                    .asType(MethodType.methodType(Object.class, Object[].class));
        }
    }

    @Override
    public void invoke(RpcReply reply, Object[] args) throws Throwable {
        if (args.length == 0 || !(args[0] instanceof Integer) || (Integer) args[0] < 0 || (Integer) args[0] >= handles.length) {
            throw new IllegalArgumentException("not a proxy call (different interface versions in parent and child?)");
        }
        int i = (Integer) args[0];
        if (args.length - 1 != arity[i]) {
            throw new IllegalArgumentException(names[i] + " takes " + arity[i] + " arguments, the call has " + (args.length - 1));
        }
        Object[] rest = new Object[arity[i]];
        System.arraycopy(args, 1, rest, 0, rest.length);
        Object result = (Object) handles[i].invokeExact(rest);
        if (!(result instanceof CompletionStage)) {
            reply.done(result);
            return;
        }
        CompletableFuture<?> f = ((CompletionStage<?>) result).toCompletableFuture();
        if (!async) {
            try {
                reply.done(f.get());
            } catch (ExecutionException e) {
                reply.fail(e.getCause());
            }
            return;
        }
        f.whenComplete((v, e) -> {
            if (e != null) {
                reply.fail(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
            } else {
                reply.done(v);
            }
        });
    }

    @Override
    public void close() {
        if (instance instanceof AutoCloseable) {
            try {
                ((AutoCloseable) instance).close();
            } catch (Exception e) {
                System.err.println("[jfork-rpc worker " + ProcessHandle.current().pid() + "] closing " + instance.getClass().getName()
                        + " failed: " + e);
            }
        }
    }
}
