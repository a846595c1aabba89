package dev.jfork.rpc.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** Finds the static methods named in the configuration ({@code "pkg.Cls.method"} or {@code "pkg.Cls::method"}). */
final class Methods {
    private Methods() {}

    /** A name that cannot be resolved to a suitable method. */
    static final class NotFound extends Exception {
        private static final long serialVersionUID = 1L;

        NotFound(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The first static method with one of the parameter lists, in the order given. */
    static Method find(String kind, String spec, List<Class<?>[]> signatures, String wanted) throws NotFound {
        Class<?> cls = classOf(kind, spec);
        String name = methodName(spec);
        List<Method> named = new ArrayList<>();
        for (Method m : cls.getDeclaredMethods()) {
            if (m.getName().equals(name)) {
                named.add(m);
            }
        }
        for (Class<?>[] sig : signatures) {
            for (Method m : named) {
                if (Modifier.isStatic(m.getModifiers()) && Arrays.equals(m.getParameterTypes(), sig)) {
                    try {
                        m.setAccessible(true);
                    } catch (RuntimeException e) {
                        throw new NotFound(kind + " " + spec + ": cannot access " + m + ": " + e, e);
                    }
                    return m;
                }
            }
        }
        throw new NotFound(kind + " " + spec + ": " + cls.getName() + " has no " + wanted
                + (named.isEmpty() ? "" : "; found: " + named.stream().map(Method::toGenericString).collect(Collectors.joining(", "))), null);
    }

    static MethodHandle handle(Method m) throws NotFound {
        try {
            return MethodHandles.lookup().unreflect(m);
        } catch (IllegalAccessException e) {
            throw new NotFound("cannot access " + m + ": " + e, e);
        }
    }

    static Class<?> load(String kind, String className) throws NotFound {
        String name = className;
        while (true) {
            try {
                return Class.forName(name, true, RpcConfig.loader());
            } catch (ClassNotFoundException e) {
                int dot = name.lastIndexOf('.');
                if (dot < 0) {
                    throw new NotFound(kind + ": class " + className + " not found on the child's class path", null);
                }
                name = name.substring(0, dot) + '$' + name.substring(dot + 1); // a nested class written with '.'
            } catch (LinkageError e) {
                throw new NotFound(kind + ": class " + className + " could not be loaded: " + e, e);
            }
        }
    }

    private static Class<?> classOf(String kind, String spec) throws NotFound {
        int sep = spec.indexOf("::");
        if (sep >= 0) {
            return load(kind + " " + spec, spec.substring(0, sep));
        }
        int dot = spec.lastIndexOf('.');
        if (dot < 0) {
            throw new NotFound(kind + " " + spec + ": expected a qualified name such as pkg.Cls.method or pkg.Cls::method", null);
        }
        return load(kind + " " + spec, spec.substring(0, dot));
    }

    private static String methodName(String spec) {
        int sep = spec.indexOf("::");
        return sep >= 0 ? spec.substring(sep + 2) : spec.substring(spec.lastIndexOf('.') + 1);
    }
}
