package dev.jfork.internal.child;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import dev.jfork.internal.os.Native;
import dev.jfork.internal.os.OrderedWriter;
import dev.jfork.internal.template.Preparation;
import dev.jfork.internal.wire.Frame;
import dev.jfork.internal.wire.Protocol;

/**
 * What this process has been prepared with, in order, so that a fork can be brought to the same
 * state: {@code require}, {@code eval} and argument frames as received, and a marker for each
 * descriptor argument. A fork inherits the descriptor arguments that existed when it was spawned
 * at fixed numbers, so its replay names those numbers ({@link Protocol#ARG_INHERITED_FD}); later
 * ones are sent with {@code SCM_RIGHTS} like any {@code sendFd}. Appended by the command loop,
 * read by the template's threads.
 */
final class ReplayLog implements Preparation {
    /** The k-th descriptor argument (counting descriptor arguments only). */
    private static final class FdMarker {
        final int ordinal;

        FdMarker(int ordinal) {
            this.ordinal = ordinal;
        }
    }

    private final List<Object> entries = new ArrayList<Object>();
    private final List<Integer> descriptors = new ArrayList<Integer>();
    private final List<String> required = new ArrayList<String>();

    synchronized void frame(byte[] frame) {
        entries.add(frame);
    }

    synchronized void fd(int fd) {
        entries.add(new FdMarker(descriptors.size()));
        descriptors.add(fd);
    }

    /** A class that was required or preloaded (not an entry: its frame is). */
    synchronized void required(String className) {
        required.add(className);
    }

    @Override
    public synchronized int size() {
        return entries.size();
    }

    @Override
    public synchronized long bytes(int from, int to) {
        long n = 0;
        for (Object e : entries.subList(from, to)) {
            n += e instanceof byte[] ? ((byte[]) e).length : 2 * Frame.HEADER + 4;
        }
        return n;
    }

    @Override
    public void replay(OrderedWriter fork, int from, int to, int inherited) throws IOException {
        List<Object> todo;
        List<Integer> fds;
        synchronized (this) {
            todo = new ArrayList<Object>(entries.subList(from, to));
            fds = new ArrayList<Integer>(descriptors);
        }
        for (Object e : todo) {
            if (e instanceof FdMarker) {
                int k = ((FdMarker) e).ordinal;
                if (k < inherited) {
                    fork.write(Frame.encode(Protocol.ARG_INHERITED_FD, Frame.ints(Protocol.FD_FIRST_INHERITED_ARG + k)));
                } else {
                    fork.write(Frame.encode(Protocol.ARG_FDS, Frame.ints(1)));
                    fork.sendFds(new int[] {Native.dupCloexec(fds.get(k), 3)}); // the writer closes its copy
                }
            } else {
                fork.write((byte[]) e);
            }
        }
    }

    @Override
    public synchronized int[] descriptors() {
        int[] out = new int[descriptors.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = descriptors.get(i);
        }
        return out;
    }

    @Override
    public synchronized List<String> requiredClasses() {
        return new ArrayList<String>(required);
    }
}
