package dev.jfork.rpc.internal;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which classes the parent accepts in what a worker sends (results, events): a worker that
 * processes untrusted input must not be able to make the parent instantiate a class the parent did
 * not allow. Accepted are
 * <ul>
 *   <li>JDK value types, collections and exceptions: classes of {@code java.base} in
 *       {@code java.lang}, {@code java.util}, {@code java.util.concurrent(.atomic)},
 *       {@code java.time}, {@code java.math}, {@code java.net}, {@code java.io} (not
 *       {@code java.lang.invoke}: no lambdas), and arrays of accepted types;
 *   <li>classes the parent declared: registered ones, the result type a call asked for;
 *   <li>classes the parent itself sent on this connection;
 *   <li>classes and packages allowed with {@code RpcOptions.Builder.allow} (or
 *       {@code ForkPool.Builder.allow}, {@code ForkExecutor.Builder.allow}).
 * </ul>
 * Checked before anything of the class is instantiated; a refused class fails what it came with,
 * with a message that says how to allow it. Only the parent checks: a worker trusts its parent.
 */
public final class AcceptedClasses {
    private static final Set<String> JDK_PACKAGES = Set.of("java.lang", "java.util", "java.util.concurrent",
            "java.util.concurrent.atomic", "java.time", "java.math", "java.net", "java.io");

    private final Set<Class<?>> declared = ConcurrentHashMap.newKeySet();
    private final Set<String> allowedNames;
    /** Name prefixes: "com.example." for "com.example.*". */
    private final List<String> allowedPackages;
    private final String howToAllow;

    /**
     * @param allowed     class names, or {@code "pkg.*"} for every class whose name starts with {@code "pkg."}
     * @param howToAllow  the builder method a refusal names, e.g. {@code "RpcOptions.Builder.allow"}
     */
    public AcceptedClasses(List<String> allowed, List<Class<?>> declared, String howToAllow) {
        Set<String> names = new java.util.HashSet<>();
        List<String> packages = new java.util.ArrayList<>();
        for (String a : allowed) {
            if (a.endsWith(".*")) {
                packages.add(a.substring(0, a.length() - 1));
            } else {
                names.add(a);
            }
        }
        this.allowedNames = Set.copyOf(names);
        this.allowedPackages = List.copyOf(packages);
        this.declared.addAll(declared);
        this.howToAllow = howToAllow;
    }

    /** The parent declared (or sent) this class: a worker may send it back. */
    public void declare(Class<?> c) {
        if (c != null) {
            declared.add(c);
        }
    }

    /** Whether a worker may make this program instantiate {@code c}. */
    public boolean accepts(Class<?> c) {
        while (c.isArray()) {
            c = c.getComponentType();
        }
        if (c.isPrimitive() || declared.contains(c) || allowedNames.contains(c.getName())) {
            return true;
        }
        if (c.getModule() == Object.class.getModule() && JDK_PACKAGES.contains(c.getPackageName())) {
            return true;
        }
        for (String p : allowedPackages) {
            if (c.getName().startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /** Why {@code c} is refused, and how to accept it. */
    public String refusal(Class<?> c) {
        return "a worker sent a " + c.getName() + ", which this program does not accept from a worker (it did not send,"
                + " register or allow it): allow it with " + howToAllow + "(" + c.getName() + ".class) or " + howToAllow + "(\""
                + c.getPackageName() + ".*\")";
    }
}
