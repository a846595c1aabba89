package dev.jfork.internal.wire;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;

/**
 * A static method named by a string, as {@code run}, {@code eval}, RPC functions and init/done
 * methods name them: {@code "pkg.Cls.method"} or {@code "pkg.Cls::method"}, a nested class written
 * with {@code '.'} or {@code '$'} ({@code "pkg.Outer.Inner.method"}, {@code "pkg.Outer$Inner::method"}).
 * The one parser, loader and signature matcher of jfork, with the one error text: every failure is
 * an {@link Invalid} whose message starts with {@code kind(spec): }.
 *
 * <p>On the child's boot path: pure JDK, no lambdas.
 */
public final class FunctionRef {
    private final String kind;
    private final String spec;
    private final String className;
    private final String methodName;

    private FunctionRef(String kind, String spec, String className, String methodName) {
        this.kind = kind;
        this.spec = spec;
        this.className = className;
        this.methodName = methodName;
    }

    /** A name that cannot be resolved to a suitable method; the message says why, once. */
    public static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        public Invalid(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Parses {@code spec}.
     *
     * @param kind what the method is for, in messages: {@code "run"}, {@code "eval"}, {@code "function"}, ...
     */
    public static FunctionRef parse(String kind, String spec) throws Invalid {
        int sep = spec.indexOf("::");
        String cls;
        String method;
        if (sep >= 0) {
            cls = spec.substring(0, sep);
            method = spec.substring(sep + 2);
        } else {
            int dot = spec.lastIndexOf('.');
            cls = dot > 0 ? spec.substring(0, dot) : "";
            method = dot > 0 ? spec.substring(dot + 1) : "";
        }
        if (cls.isEmpty() || method.isEmpty() || cls.endsWith(".") || method.indexOf('.') >= 0 || method.indexOf(':') >= 0) {
            throw new Invalid(kind + "(" + spec + "): expected a qualified name such as pkg.Cls.method or pkg.Cls::method", null);
        }
        return new FunctionRef(kind, spec, cls, method);
    }

    /** The class part of a function name, or null if it is not a qualified name (never throws). */
    public static String classOf(String spec) {
        try {
            return parse("", spec).className;
        } catch (Invalid e) {
            return null;
        }
    }

    public String spec() {
        return spec;
    }

    /** The class as written (nested classes maybe with '.'). */
    public String className() {
        return className;
    }

    public String methodName() {
        return methodName;
    }

    /**
     * Loads the class: the name as written, then with its last dots turned into '$' one by one (a
     * nested class written with '.').
     */
    public Class<?> load(ClassLoader loader, boolean initialize) throws Invalid {
        String name = className;
        while (true) {
            try {
                return Class.forName(name, initialize, loader);
            } catch (ClassNotFoundException e) {
                int dot = name.lastIndexOf('.');
                if (dot < 0) {
                    throw new Invalid(kind + "(" + spec + "): class " + className + " not found on the child's class path", null);
                }
                name = name.substring(0, dot) + '$' + name.substring(dot + 1);
            } catch (LinkageError e) {
                throw new Invalid(kind + "(" + spec + "): class " + className + " could not be loaded or initialised: " + e, e);
            }
        }
    }

    /**
     * The static method of {@code cls} with this name whose parameter types are the first of
     * {@code signatures} that matches (in the order given), made accessible.
     *
     * @param wanted what to call for, in the error text: {@code "static void run(ForkChannel, ForkArgs)"}
     */
    public Method find(Class<?> cls, Class<?>[][] signatures, String wanted) throws Invalid {
        Method[] declared = cls.getDeclaredMethods();
        for (Class<?>[] sig : signatures) {
            for (Method m : declared) {
                if (m.getName().equals(methodName) && Modifier.isStatic(m.getModifiers()) && Arrays.equals(m.getParameterTypes(), sig)) {
                    try {
                        m.setAccessible(true);
                    } catch (RuntimeException e) {
                        throw new Invalid(kind + "(" + spec + "): cannot access " + describe(m) + ": " + e, e);
                    }
                    return m;
                }
            }
        }
        StringBuilder found = new StringBuilder();
        for (Method m : declared) {
            if (m.getName().equals(methodName)) {
                found.append(found.length() == 0 ? "; found: " : ", ").append(describe(m));
            }
        }
        throw new Invalid(kind + "(" + spec + "): " + cls.getName() + " has no " + wanted + found, null);
    }

    /** {@link #load} then {@link #find}. */
    public Method resolve(ClassLoader loader, boolean initialize, Class<?>[][] signatures, String wanted) throws Invalid {
        return find(load(loader, initialize), signatures, wanted);
    }

    /**
     * Loads and initialises a class named on its own (an RPC proxy's interface or implementation),
     * nested classes written with '.' too.
     */
    public static Class<?> loadClass(String kind, String className, ClassLoader loader) throws Invalid {
        return new FunctionRef(kind, className, className, "").load(loader, true);
    }

    /** A method as its declaration reads, with simple type names: {@code static void run(ForkChannel, ForkArgs)}. */
    public static String describe(Method m) {
        StringBuilder b = new StringBuilder();
        if (Modifier.isStatic(m.getModifiers())) {
            b.append("static ");
        }
        b.append(m.getReturnType().getSimpleName()).append(' ').append(m.getName()).append('(');
        Class<?>[] p = m.getParameterTypes();
        for (int i = 0; i < p.length; i++) {
            String t = p[i].getSimpleName();
            if (m.isVarArgs() && i == p.length - 1) {
                t = t.substring(0, t.length() - 2) + "...";
            }
            b.append(i == 0 ? "" : ", ").append(t);
        }
        return b.append(')').toString();
    }

    @Override
    public String toString() {
        return spec;
    }
}
