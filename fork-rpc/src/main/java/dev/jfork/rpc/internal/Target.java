package dev.jfork.rpc.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.util.List;

import dev.jfork.rpc.RpcReply;

/** What the child server calls for each request: a user function or a proxy implementation. */
interface Target {
    /** Handles one call; sync targets answer before returning. */
    void invoke(RpcReply reply, Object[] args) throws Throwable;

    /** Called when the server ends (the proxy closes an AutoCloseable implementation). */
    default void close() {}

    static Target function(String spec, boolean async) throws Methods.NotFound {
        Class<?>[] syncSig = {Object[].class};
        Class<?>[] asyncSig = {RpcReply.class, Object[].class};
        String syncText = "public static Object " + name(spec) + "(Object... args)";
        String asyncText = "public static void " + name(spec) + "(RpcReply reply, Object... args)";
        Method m;
        try {
            m = Methods.find("function", spec, List.<Class<?>[]>of(async ? asyncSig : syncSig), async ? asyncText : syncText);
        } catch (Methods.NotFound e) {
            try {
                Methods.find("function", spec, List.<Class<?>[]>of(async ? syncSig : asyncSig), "");
            } catch (Methods.NotFound e2) {
                throw e;
            }
            throw new Methods.NotFound("function " + spec + " is declared for the " + (async ? "sync" : "async")
                    + " backend, but RpcOptions.async is " + async + " (wanted: " + (async ? asyncText : syncText) + ")", null);
        }
        if (async) {
            MethodHandle h = Methods.handle(m).asType(MethodType.methodType(void.class, RpcReply.class, Object[].class));
            return (reply, args) -> {
                h.invokeExact(reply, args);
            };
        }
        MethodHandle h = Methods.handle(m).asType(MethodType.methodType(Object.class, Object[].class));
        return (reply, args) -> {
            Object result = (Object) h.invokeExact(args);
            reply.done(result);
        };
    }

    private static String name(String spec) {
        int sep = spec.indexOf("::");
        return sep >= 0 ? spec.substring(sep + 2) : spec.substring(spec.lastIndexOf('.') + 1);
    }
}
