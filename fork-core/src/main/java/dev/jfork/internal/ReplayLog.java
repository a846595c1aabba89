package dev.jfork.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a process has been prepared with, in order, so that a fork can be brought to the same
 * state: {@code require}, {@code eval} and argument frames as received, and a marker for each
 * descriptor argument. A fork inherits the descriptor arguments that existed when it was spawned
 * at fixed numbers, so its replay names those numbers ({@link Protocol#ARG_INHERITED_FD}); later
 * ones are passed with {@code SCM_RIGHTS} like any {@code sendFd}.
 */
final class ReplayLog {
    /** The k-th descriptor argument (counting descriptor arguments only). */
    private static final class FdMarker {
        final int ordinal;

        FdMarker(int ordinal) {
            this.ordinal = ordinal;
        }
    }

    private final List<Object> entries = new ArrayList<Object>();
    private int fdCount;

    synchronized void frame(byte[] frame) {
        entries.add(frame);
        notifyAll();
    }

    synchronized void fd() {
        entries.add(new FdMarker(fdCount++));
        notifyAll();
    }

    synchronized int size() {
        return entries.size();
    }

    /** About how many bytes entries {@code [from, to)} take on the wire. */
    synchronized long bytes(int from, int to) {
        long n = 0;
        for (Object e : entries.subList(from, to)) {
            n += e instanceof byte[] ? ((byte[]) e).length : 10;
        }
        return n;
    }

    /**
     * Writes entries {@code [from, to)} to a fork's control socket.
     *
     * @param inherited how many descriptor arguments the fork inherited at spawn
     * @param fds       this process's descriptor arguments, in order
     * @return {@code to}, the new position
     */
    int writeTo(int socket, int from, int to, int inherited, List<FdArg> fds) throws IOException {
        List<Object> todo;
        synchronized (this) {
            todo = new ArrayList<Object>(entries.subList(from, to));
        }
        for (Object e : todo) {
            if (e instanceof FdMarker) {
                int k = ((FdMarker) e).ordinal;
                if (k < inherited) {
                    Native.sendFully(socket, Protocol.frame(Protocol.ARG_INHERITED_FD, Protocol.ints(Protocol.FD_FIRST_INHERITED_ARG + k)));
                } else {
                    Native.sendFully(socket, Protocol.frame(Protocol.ARG_FDS, Protocol.ints(1)));
                    FdPassing.send(socket, new int[] {fds.get(k).intValue()});
                }
            } else {
                Native.sendFully(socket, (byte[]) e);
            }
        }
        return to;
    }
}
