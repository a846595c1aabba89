package dev.jfork.pool;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

import dev.jfork.ForkArgs;
import dev.jfork.ForkFd;
import dev.jfork.rpc.RpcChild;

/**
 * The pool's side inside a worker, as fork-rpc's {@code init}: runs the user's init (named in the
 * last argument, which the pool appends and which the user's init does not see), then tells the
 * pool the worker is ready. Public only because fork-rpc calls it by name.
 */
public final class PoolWorker {
    private PoolWorker() {}

    /** Prefix of the argument the pool appends to each worker's arguments. */
    static final String MARKER = "dev.jfork.pool.init=";

    public static void init(ForkArgs args) throws Throwable {
        int last = args.size() - 1;
        if (last < 0 || args.isFd(last) || !args.string(last).startsWith(MARKER)) {
            throw new IllegalStateException("PoolWorker.init is for workers started by ForkPool");
        }
        String userInit = args.string(last).substring(MARKER.length());
        if (!userInit.isEmpty()) {
            callInit(userInit, new Prefix(args, last));
        }
        RpcChild.control(ForkPool.CONTROL_READY, new byte[0]);
    }

    private static void callInit(String spec, ForkArgs args) throws Throwable {
        int sep = spec.indexOf("::");
        int dot = spec.lastIndexOf('.');
        String cls = sep >= 0 ? spec.substring(0, sep) : dot > 0 ? spec.substring(0, dot) : null;
        String name = sep >= 0 ? spec.substring(sep + 2) : spec.substring(dot + 1);
        if (cls == null) {
            throw new IllegalArgumentException("init " + spec + ": expected pkg.Cls.method or pkg.Cls::method");
        }
        Class<?> c = Class.forName(cls, true, ClassLoader.getSystemClassLoader());
        Method withArgs = null;
        Method noArgs = null;
        for (Method m : c.getDeclaredMethods()) {
            if (m.getName().equals(name) && Modifier.isStatic(m.getModifiers())) {
                Class<?>[] p = m.getParameterTypes();
                if (p.length == 1 && p[0] == ForkArgs.class) {
                    withArgs = m;
                } else if (p.length == 0) {
                    noArgs = m;
                }
            }
        }
        Method m = withArgs != null ? withArgs : noArgs;
        if (m == null) {
            throw new NoSuchMethodException("init " + spec + ": no static " + name + "(ForkArgs) or " + name + "() in " + cls);
        }
        m.setAccessible(true);
        try {
            if (m == withArgs) {
                m.invoke(null, args);
            } else {
                m.invoke(null);
            }
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** The first {@code size} arguments of another argument list. */
    private static final class Prefix implements ForkArgs {
        private final ForkArgs all;
        private final int size;

        Prefix(ForkArgs all, int size) {
            this.all = all;
            this.size = size;
        }

        private int check(int i) {
            if (i < 0 || i >= size) {
                throw new IndexOutOfBoundsException("argument " + i + " of " + size);
            }
            return i;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public boolean isFd(int i) {
            return all.isFd(check(i));
        }

        @Override
        public String string(int i) {
            return all.string(check(i));
        }

        @Override
        public byte[] bytes(int i) {
            return all.bytes(check(i));
        }

        @Override
        public ForkFd fd(int i) {
            return all.fd(check(i));
        }
    }
}
