package dev.jfork.rpc;

import java.io.Serializable;

/**
 * A worker function given as a method reference the compiler checks:
 * {@code Rpc.run(fork, Worker::add)} for {@code public static Object add(Object... args)}.
 *
 * <p>Only the static method's name travels (the child loads its class, as with the String form);
 * a lambda or a reference that captures a value is refused with an
 * {@link IllegalArgumentException} that says what to pass instead.
 */
@FunctionalInterface
public interface RpcFunction extends Serializable {
    /**
     * The function as the worker calls it, once per call, with the call's arguments.
     *
     * @param args the call's arguments
     * @return the call's result (null allowed)
     * @throws Exception anything the function throws: the call then fails with
     *                   {@link RpcException.Kind#REMOTE}
     */
    Object apply(Object... args) throws Exception;

    /**
     * The {@code "pkg.Cls::method"} name of a method reference ({@code Worker::add}), as the
     * String forms take it.
     *
     * @param function a method reference to a static worker function
     * @return the function's name, {@code "pkg.Cls::method"}
     * @throws IllegalArgumentException for a lambda, or a reference to an instance method, one
     *                                  that captures a value, or one whose method is not declared
     *                                  {@code static Object fn(Object... args)}
     */
    static String nameOf(RpcFunction function) {
        return dev.jfork.internal.wire.MethodReference.functionName(function, "([Ljava/lang/Object;)Ljava/lang/Object;",
                "public static Object fn(Object... args)");
    }
}
