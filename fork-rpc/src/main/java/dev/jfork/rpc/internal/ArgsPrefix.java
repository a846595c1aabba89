package dev.jfork.rpc.internal;

import dev.jfork.ForkArgs;
import dev.jfork.ForkFd;


/**
 * The first arguments of a child's argument list: what an init sees once a framework took off
 * what it appended (fork-rpc its configuration, fork-pool its worker marker).
 */
public final class ArgsPrefix implements ForkArgs {
    private final ForkArgs all;
    private final int size;

    /** The first {@code size} arguments of {@code all}. */
    public ArgsPrefix(ForkArgs all, int size) {
        if (size < 0 || size > all.size()) {
            throw new IndexOutOfBoundsException("a prefix of " + size + " of " + all.size() + " arguments");
        }
        this.all = all;
        this.size = size;
    }

    @Override
    public int size() {
        return size;
    }

    private int check(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("argument " + i + " of " + size);
        }
        return i;
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

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("ForkArgs[");
        for (int i = 0; i < size; i++) {
            b.append(i == 0 ? "" : ", ");
            b.append(all.isFd(i) ? "fd " + all.fd(i).intValue() : '"' + all.string(i) + '"');
        }
        return b.append(']').toString();
    }
}
