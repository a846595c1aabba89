package dev.jfork.pool;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.NotSerializableException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How {@link ForkExecutor} tasks and their outcomes travel: Java serialization (a serializable
 * lambda and what it captures can only travel that way), with a filter on what the parent accepts
 * back from a worker. A worker that processes untrusted input must not be able to make the parent
 * instantiate a class the parent did not allow: the parent deserializes only
 * <ul>
 *   <li>JDK value types, collections and exceptions (classes of {@code java.base} in
 *       {@code java.lang}, {@code java.util}, {@code java.util.concurrent}, {@code java.time},
 *       {@code java.math}, {@code java.net}, {@code java.io}; not {@code java.lang.invoke}: no
 *       lambdas), and arrays of them;
 *   <li>classes the parent itself sent in a task (the task's own class, what it captured);
 *   <li>classes and packages allowed with {@link ForkExecutor.Builder#allow}.
 * </ul>
 * Anything else is refused before it is instantiated: a result fails its task with an
 * {@link InvalidClassException} that says what to allow; an exception arrives as its description
 * (class name, message, the worker's stack trace) instead.
 */
final class TaskCodec {
    private static final Set<String> JDK_PACKAGES = Set.of("java.lang", "java.util", "java.util.concurrent",
            "java.util.concurrent.atomic", "java.time", "java.math", "java.net", "java.io");

    private final Set<Class<?>> sent = ConcurrentHashMap.newKeySet();
    /** Allowed name prefixes ("com.example." for "com.example.*"), names and classes. */
    private final List<String> allowedPackages;
    private final Set<String> allowedNames;
    private final Set<Class<?>> allowedClasses;

    TaskCodec(List<String> allowedPackages, Set<String> allowedNames, Set<Class<?>> allowedClasses) {
        this.allowedPackages = List.copyOf(allowedPackages);
        this.allowedNames = Set.copyOf(allowedNames);
        this.allowedClasses = Set.copyOf(allowedClasses);
    }

    /** Serializes a task, remembering the classes it consists of. */
    byte[] encodeTask(Object task) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(b) {
            @Override
            protected void annotateClass(Class<?> cl) {
                sent.add(cl);
            }
        }) {
            out.writeObject(task);
        } catch (NotSerializableException e) {
            throw new IllegalArgumentException("the task cannot be sent to a worker: it captures a " + e.getMessage()
                    + ", which is not Serializable (capture only serializable values, or make that class Serializable)", e);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("the task cannot be sent to a worker: " + e, e);
        }
        return b.toByteArray();
    }

    /** Serializes a worker's result or exception (worker side). */
    static byte[] serialize(Object value, String what) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(b)) {
            out.writeObject(value);
        } catch (NotSerializableException e) {
            throw new IllegalStateException(what + " is a " + e.getMessage() + ", which is not Serializable", e);
        } catch (IOException e) {
            throw new IllegalStateException(what + " cannot be serialized: " + e, e);
        }
        return b.toByteArray();
    }

    /** Deserializes what a worker sent, refusing classes the parent did not allow. */
    Object decode(byte[] bytes, ClassLoader loader) throws IOException, ClassNotFoundException {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes)) {
            @Override
            protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
                try {
                    return Class.forName(desc.getName(), false, loader);
                } catch (ClassNotFoundException e) {
                    return super.resolveClass(desc);
                }
            }
        }) {
            in.setObjectInputFilter(this::check);
            return in.readObject();
        }
    }

    private ObjectInputFilter.Status check(ObjectInputFilter.FilterInfo info) {
        Class<?> c = info.serialClass();
        if (c == null) {
            return ObjectInputFilter.Status.UNDECIDED;
        }
        while (c.isArray()) {
            c = c.getComponentType();
        }
        return c.isPrimitive() || allowed(c) ? ObjectInputFilter.Status.ALLOWED : ObjectInputFilter.Status.REJECTED;
    }

    boolean allowed(Class<?> c) {
        if (sent.contains(c) || allowedClasses.contains(c) || allowedNames.contains(c.getName())) {
            return true;
        }
        if (c.getModule() == Object.class.getModule() && JDK_PACKAGES.contains(c.getPackageName())) {
            return true;
        }
        String name = c.getName();
        for (String p : allowedPackages) {
            if (name.startsWith(p)) {
                return true;
            }
        }
        return false;
    }
}
