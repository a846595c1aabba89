package dev.jfork.rpc.internal;

import dev.jfork.ForkArgs;
import dev.jfork.ForkFd;


/** The child's arguments without the RPC configuration appended by {@code Rpc.run}: what {@code init} sees. */
final class ChildArgs implements ForkArgs {
    private final ForkArgs all;
    private final int size;

    ChildArgs(ForkArgs all) {
        this.all = all;
        this.size = all.size() - 1;
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
