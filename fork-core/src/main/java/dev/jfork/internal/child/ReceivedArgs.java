package dev.jfork.internal.child;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.jfork.ForkArgs;
import dev.jfork.ForkFd;


/** The growing argument list of a child (see {@link ForkArgs}). */
final class ReceivedArgs implements ForkArgs {
    /** Appended by the command loop, read by the template's keeper and hand-over threads too. */
    private final List<Object> values = java.util.Collections.synchronizedList(new ArrayList<Object>());

    void add(Object value) {
        values.add(value);
    }

    /** The descriptor arguments, in order (what a fork must inherit). */
    synchronized List<ReceivedFd> fds() {
        List<ReceivedFd> out = new ArrayList<ReceivedFd>();
        for (Object v : snapshot()) {
            if (v instanceof ReceivedFd) {
                out.add((ReceivedFd) v);
            }
        }
        return out;
    }

    private Object[] snapshot() {
        synchronized (values) {
            return values.toArray();
        }
    }

    @Override
    public int size() {
        return values.size();
    }

    @Override
    public boolean isFd(int i) {
        return values.get(i) instanceof ForkFd;
    }

    @Override
    public String string(int i) {
        Object v = values.get(i);
        if (v instanceof String) {
            return (String) v;
        }
        if (v instanceof byte[]) {
            return new String((byte[]) v, StandardCharsets.UTF_8);
        }
        throw new IllegalArgumentException("argument " + i + " is a descriptor, not a string");
    }

    @Override
    public byte[] bytes(int i) {
        Object v = values.get(i);
        if (v instanceof byte[]) {
            return ((byte[]) v).clone();
        }
        if (v instanceof String) {
            return ((String) v).getBytes(StandardCharsets.UTF_8);
        }
        throw new IllegalArgumentException("argument " + i + " is a descriptor, not bytes");
    }

    @Override
    public ForkFd fd(int i) {
        Object v = values.get(i);
        if (v instanceof ForkFd) {
            return (ForkFd) v;
        }
        throw new IllegalArgumentException("argument " + i + " is a " + (v instanceof String ? "string" : "byte array")
                + ", not a descriptor");
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("ForkArgs[");
        Object[] all = snapshot();
        for (int i = 0; i < all.length; i++) {
            if (i > 0) {
                b.append(", ");
            }
            Object v = all[i];
            b.append(v instanceof byte[] ? "byte[" + ((byte[]) v).length + "]" : v instanceof String ? '"' + (String) v + '"' : v);
        }
        return b.append(']').toString();
    }
}
