package dev.jfork.rpc.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;

import dev.jfork.internal.wire.FunctionRef;
import dev.jfork.rpc.RpcReply;

/** What the child server calls for each request: a user function or a proxy implementation. */
interface Target {
    /** Handles one call; sync targets answer before returning. */
    void invoke(RpcReply reply, Object[] args) throws Throwable;

    /** Called when the server ends (the proxy closes an AutoCloseable implementation). */
    default void close() {}

    Class<?>[][] SYNC = {{Object[].class}};
    Class<?>[][] ASYNC = {{RpcReply.class, Object[].class}};

    static Target function(String spec, boolean async) throws FunctionRef.Invalid {
        FunctionRef ref = FunctionRef.parse("function", spec);
        String name = ref.methodName();
        String syncText = "public static Object " + name + "(Object... args)";
        String asyncText = "public static void " + name + "(RpcReply reply, Object... args)";
        Class<?> cls = ref.load(RpcConfig.loader(), true);
        Method m;
        try {
            m = ref.find(cls, async ? ASYNC : SYNC, async ? asyncText : syncText);
        } catch (FunctionRef.Invalid e) {
            try {
                ref.find(cls, async ? SYNC : ASYNC, "");
            } catch (FunctionRef.Invalid e2) {
                throw e;
            }
            throw new FunctionRef.Invalid("function(" + spec + ") is declared for the " + (async ? "sync" : "async")
                    + " backend, but RpcOptions.async is " + async + " (wanted: " + (async ? asyncText : syncText) + ")", null);
        }
        if (async) {
            MethodHandle h = handle(m).asType(MethodType.methodType(void.class, RpcReply.class, Object[].class));
            return (reply, args) -> {
                h.invokeExact(reply, args);
            };
        }
        MethodHandle h = handle(m).asType(MethodType.methodType(Object.class, Object[].class));
        return (reply, args) -> {
            Object result = (Object) h.invokeExact(args);
            reply.done(result);
        };
    }

    /** A handle for a method made accessible. */
    static MethodHandle handle(Method m) throws FunctionRef.Invalid {
        try {
            return MethodHandles.lookup().unreflect(m);
        } catch (IllegalAccessException e) {
            throw new FunctionRef.Invalid("cannot access " + FunctionRef.describe(m) + ": " + e, e);
        }
    }
}
