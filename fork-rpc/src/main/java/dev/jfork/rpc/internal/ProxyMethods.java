package dev.jfork.rpc.internal;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * The methods of a proxied interface that go to the child, numbered the same way in both
 * processes: every public abstract instance method (inherited ones included, Object's excluded),
 * sorted by name and parameter types. A call carries the method's number as its first argument.
 */
final class ProxyMethods {
    private ProxyMethods() {}

    /**
     * The parent's method tables, one per interface, kept while the interface's class is alive
     * (weak keys: proxies must not pin an application's class loader). A pool of typed workers
     * makes a proxy per worker; the reflection and sorting are done once. The child computes its
     * table once with {@link #of} and does not load Caffeine.
     */
    private static final Cache<Class<?>, List<Method>> TABLES = Caffeine.newBuilder().weakKeys().build();

    static List<Method> cached(Class<?> iface) {
        return TABLES.get(iface, ProxyMethods::of);
    }

    static List<Method> of(Class<?> iface) {
        TreeMap<String, Method> sorted = new TreeMap<>();
        for (Method m : iface.getMethods()) {
            if (Modifier.isStatic(m.getModifiers()) || m.isDefault() || isObjectMethod(m)) {
                continue;
            }
            sorted.putIfAbsent(key(m), m);
        }
        return new ArrayList<>(sorted.values());
    }

    static String key(Method m) {
        StringBuilder b = new StringBuilder(m.getName()).append('(');
        for (Class<?> p : m.getParameterTypes()) {
            b.append(p.getName()).append(';');
        }
        return b.append(')').toString();
    }

    static boolean isObjectMethod(Method m) {
        try {
            Object.class.getMethod(m.getName(), m.getParameterTypes());
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /** True if calls of this method return at once with a future. */
    static boolean isAsync(Method m) {
        Class<?> r = m.getReturnType();
        return r != Object.class && r.isAssignableFrom(CompletableFuture.class);
    }

    /** {@code close()} of an AutoCloseable interface: closes the client instead of going to the child. */
    static boolean isClose(Class<?> iface, Method m) {
        return AutoCloseable.class.isAssignableFrom(iface) && m.getName().equals("close") && m.getParameterCount() == 0;
    }
}
