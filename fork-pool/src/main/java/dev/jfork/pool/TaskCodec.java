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

import dev.jfork.rpc.internal.AcceptedClasses;

/**
 * How {@link ForkExecutor} tasks and their outcomes travel: Java serialization (a serializable
 * lambda and what it captures can only travel that way), with a filter on what the parent accepts
 * back from a worker: the rule of fork-rpc ({@link AcceptedClasses}), where "sent" means the
 * classes of the tasks (the task's own class, what it captured). Anything else is refused before
 * it is instantiated: a result fails its task with an {@link InvalidClassException} that says
 * what to allow; an exception arrives as its description (class name, message, the worker's stack
 * trace) instead.
 */
final class TaskCodec {
    private final AcceptedClasses accepted;

    TaskCodec(List<String> allowed) {
        this.accepted = new AcceptedClasses(allowed, List.of(), "ForkExecutor.Builder.allow");
    }

    /** Serializes a task, remembering the classes it consists of. */
    byte[] encodeTask(Object task) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(b) {
            @Override
            protected void annotateClass(Class<?> cl) {
                accepted.declare(cl);
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

    /** Deserializes what a worker sent, refusing classes the parent did not accept (the message says how to). */
    Object decode(byte[] bytes, ClassLoader loader) throws IOException, ClassNotFoundException {
        Class<?>[] refused = new Class<?>[1];
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
            in.setObjectInputFilter(info -> {
                Class<?> c = info.serialClass();
                if (c == null) {
                    return ObjectInputFilter.Status.UNDECIDED;
                }
                if (accepted.accepts(c)) {
                    return ObjectInputFilter.Status.ALLOWED;
                }
                refused[0] = c;
                return ObjectInputFilter.Status.REJECTED;
            });
            return in.readObject();
        } catch (InvalidClassException e) {
            if (refused[0] != null) {
                throw new InvalidClassException(accepted.refusal(refused[0]));
            }
            throw e;
        }
    }
}
