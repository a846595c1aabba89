package dev.jfork.internal.template;

import java.io.IOException;
import java.util.List;

import dev.jfork.internal.os.OrderedWriter;

/**
 * What a template has been prepared with so far, in order, as its command loop recorded it: what
 * a fork is replayed to reach the template's state. Implemented on the child side (the replay log).
 */
public interface Preparation {
    /** The number of entries recorded so far; a fork's state is a position in this sequence. */
    int size();

    /** About how many bytes entries {@code [from, to)} take on the wire. */
    long bytes(int from, int to);

    /**
     * Queues entries {@code [from, to)} for a fork on its writer. Descriptor arguments the fork
     * inherited at spawn ({@code inherited} of them, the first ones) are named by number; later
     * ones are sent.
     */
    void replay(OrderedWriter fork, int from, int to, int inherited) throws IOException;

    /** The descriptor arguments received so far, in order (what a fork spawned now inherits). */
    int[] descriptors();

    /** The classes required (or preloaded) so far, in order (what a class-data archive holds). */
    List<String> requiredClasses();
}
