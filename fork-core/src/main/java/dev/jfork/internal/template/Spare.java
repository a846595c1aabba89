package dev.jfork.internal.template;

import java.io.IOException;

import dev.jfork.internal.os.FdChannel;
import dev.jfork.internal.os.Native;
import dev.jfork.internal.os.OrderedWriter;

/**
 * A process a template started, before and while it is handed to a parent: its control socket
 * (written only through its own {@link OrderedWriter}, so a spare that is slow to read holds up
 * nobody), its stderr pipe, and where it is in the template's preparation.
 */
final class Spare {
    final int pid;
    final FdChannel control;
    final int stderr;
    /** How many of the template's descriptor arguments it inherited at spawn. */
    final int inherited;
    final OrderedWriter writer;

    // guarded by this
    /** Entries of the template's preparation queued for it so far. */
    private int position;
    /** Its first replay and warm-up have been written: it counts as a ready spare. */
    boolean ready;
    /** Taken for a hand-over: from now on only the hand-over uses its descriptors. */
    boolean taken;
    /** Handed to the parent as fork {@link #forkId}: its exit is reported. */
    boolean handed;
    int forkId;
    /** Handed to the parent ahead of any fork, as spare {@link #spareId}: its exit is reported under that id. */
    boolean delivered;
    int spareId;
    /** Its raw wait status once reaped. */
    Integer status;
    private boolean discarded;

    Spare(int pid, FdChannel control, int stderr, int inherited) {
        this.pid = pid;
        this.control = control;
        this.stderr = stderr;
        this.inherited = inherited;
        this.writer = new OrderedWriter(null); // a failed write shows as a spare that is not idle at hand-over
        writer.attach(control);
    }

    /** Queues what the template was prepared with since the last catch-up, up to entry {@code upTo}. Never blocks. */
    synchronized void catchUp(Preparation preparation, int upTo) throws IOException {
        if (upTo > position && !discarded) {
            preparation.replay(writer, position, upTo, inherited);
            position = upTo;
        }
    }

    synchronized boolean isReaped() {
        return status != null;
    }

    /** Entries of the template's preparation queued for it so far. */
    synchronized int position() {
        return position;
    }

    /**
     * Drops it: nothing more is written, its descriptors are closed (the process reads end of
     * stream and exits), and it is killed if it has not been reaped (after reaping its pid may
     * belong to someone else).
     */
    void discard(boolean kill) {
        synchronized (this) {
            if (discarded) {
                return;
            }
            discarded = true;
            if (kill && status == null) {
                Native.kill(pid, Native.SIGKILL);
            }
        }
        writer.drop();
        control.close();
        Native.closeQuietly(stderr);
    }

    @Override
    public String toString() {
        return "spare " + pid;
    }
}
