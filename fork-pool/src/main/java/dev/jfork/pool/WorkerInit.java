package dev.jfork.pool;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

import dev.jfork.ForkArgs;
import dev.jfork.internal.wire.FunctionRef;
import dev.jfork.rpc.RpcChild;
import dev.jfork.rpc.internal.ArgsPrefix;

/**
 * The pool's side inside a worker, as fork-rpc's {@code init}: runs the user's init (named in the
 * last argument, which the pool appends and which the user's init does not see), then tells the
 * pool the worker is ready. Public only because fork-rpc calls it by name: not for direct use.
 */
public final class WorkerInit {
    private WorkerInit() {}

    /** Prefix of the argument the pool appends to each worker's arguments. */
    static final String MARKER = "dev.jfork.pool.init=";

    /**
     * Runs the user's init named in the last argument, if any, with the arguments before it, then
     * tells the pool this worker is ready.
     *
     * @param args the worker's arguments: the template's, then the marker the pool appended
     * @throws IllegalStateException if the last argument is not the pool's marker (the worker was
     *                               not started by a {@link ForkPool})
     * @throws Throwable             what the user's init throws, or why it cannot be found or called;
     *                               the worker then fails to start
     */
    public static void init(ForkArgs args) throws Throwable {
        int last = args.size() - 1;
        if (last < 0 || args.isFd(last) || !args.string(last).startsWith(MARKER)) {
            throw new IllegalStateException("WorkerInit.init is for workers started by ForkPool");
        }
        String userInit = args.string(last).substring(MARKER.length());
        if (!userInit.isEmpty()) {
            callInit(userInit, new ArgsPrefix(args, last)); // without the marker
        }
        RpcChild.control(ForkPool.CONTROL_READY, new byte[0]);
    }

    private static final Class<?>[][] INIT_SIGNATURES = {{ForkArgs.class}, {}};

    private static void callInit(String spec, ForkArgs args) throws Throwable {
        FunctionRef ref = FunctionRef.parse("init", spec);
        Method m = ref.resolve(ClassLoader.getSystemClassLoader(), true, INIT_SIGNATURES,
                "static " + ref.methodName() + "(ForkArgs) or " + ref.methodName() + "()");
        try {
            m.invoke(null, m.getParameterCount() == 1 ? new Object[] {args} : new Object[0]);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
