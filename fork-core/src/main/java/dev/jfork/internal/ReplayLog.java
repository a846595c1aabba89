package dev.jfork.internal;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What a process has been prepared with, in order, so that a fork can be brought to the same
 * state: {@code require}, {@code eval} and argument frames as received, and a marker for each
 * descriptor argument. A fork inherits the descriptors at fixed numbers when it is spawned, so
 * the replay names those numbers instead of passing descriptors again.
 */
final class ReplayLog {
    private static final Object FD_MARKER = new Object();

    private final List<Object> entries = new ArrayList<Object>();

    synchronized void frame(byte[] frame) {
        entries.add(frame);
    }

    synchronized void fd() {
        entries.add(FD_MARKER);
    }

    /** The replay stream for a fork whose k-th descriptor argument is inherited at {@code firstFd + k}. */
    synchronized byte[] render(int firstFd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int k = 0;
        for (Object e : entries) {
            byte[] f = e == FD_MARKER ? Protocol.frame(Protocol.ARG_INHERITED_FD, Protocol.ints(firstFd + k++)) : (byte[]) e;
            out.write(f, 0, f.length);
        }
        return out.toByteArray();
    }
}
