package dev.jfork.internal.parent;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import dev.jfork.internal.os.Native;
import dev.jfork.internal.os.OrderedWriter;
import dev.jfork.internal.wire.Frame;
import dev.jfork.internal.wire.Protocol;

/**
 * What the parent sent a template since it took over the template's spares ({@link Protocol#PARK}),
 * in order: so that it can bring a spare the template handed over earlier to the template's
 * current state itself, when it makes it a fork. Counts every preparation entry the way the
 * template's replay log does (one per frame, one per descriptor), so a spare's replay position
 * and this log's positions agree. Keeps its own duplicate of each descriptor argument, closed
 * with {@link #close()}.
 */
final class PreparationLog {
    private final List<Object> entries = new ArrayList<>(); // byte[] frames and Integer descriptors
    private int size;
    /** The position of entries.get(0), or -1 while not recording. */
    private int start = -1;
    private boolean closed;

    /** @param size the entries sent before this log was made */
    PreparationLog(int size) {
        this.size = size;
    }

    /** A preparation frame was sent. */
    synchronized void frame(byte[] frame) {
        size++;
        if (start >= 0 && !closed) {
            entries.add(frame);
        }
    }

    /** Descriptor arguments are being sent (the caller's descriptors are not taken). */
    synchronized void fds(int[] fds) {
        for (int fd : fds) {
            size++;
            if (start >= 0 && !closed) {
                try {
                    entries.add(Native.dupCloexec(fd, 3));
                } catch (IOException e) {
                    // no descriptor to spare: a spare from before this point can no longer be caught up
                    entries.add(null);
                }
            }
        }
    }

    /** Records from now on. */
    synchronized void start() {
        if (start < 0) {
            start = size;
        }
    }

    synchronized int size() {
        return size;
    }

    /**
     * Queues entries {@code [from, size)} for a fork on its writer. False if they cannot be
     * (recorded from a later position, a descriptor missing, or closed): that spare cannot be used.
     */
    synchronized boolean replay(OrderedWriter fork, int from) {
        if (closed || start < 0 || from < start || from > size) {
            return false;
        }
        List<Object> todo = entries.subList(from - start, entries.size());
        if (todo.contains(null)) {
            return false;
        }
        List<int[]> dups = new ArrayList<>();
        try {
            for (Object e : todo) {
                if (e instanceof Integer) {
                    dups.add(new int[] {Native.dupCloexec((Integer) e, 3)});
                } else {
                    dups.add(null);
                }
            }
        } catch (IOException e) {
            for (int[] d : dups) {
                if (d != null) {
                    Native.closeQuietly(d[0]);
                }
            }
            return false;
        }
        for (int i = 0; i < todo.size(); i++) {
            Object e = todo.get(i);
            if (e instanceof Integer) {
                fork.write(Frame.encode(Protocol.ARG_FDS, Frame.ints(1)));
                fork.sendFds(dups.get(i)); // the writer closes its copy
            } else {
                fork.write((byte[]) e);
            }
        }
        return true;
    }

    /** Nothing more to catch up: the duplicates are closed. */
    synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Object e : entries) {
            if (e instanceof Integer) {
                Native.closeQuietly((Integer) e);
            }
        }
        entries.clear();
    }
}
