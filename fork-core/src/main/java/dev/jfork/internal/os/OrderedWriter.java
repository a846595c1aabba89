package dev.jfork.internal.os;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

import dev.jfork.internal.concurrent.JforkThreads;

/**
 * The single writer of one control socket: frames, descriptor messages and actions are written
 * (or run) in the order they were queued, by one thread at a time, and queuing never blocks.
 *
 * <p>The thread that queues something tries to write it at once without blocking (a small command
 * to a process that keeps up costs one system call, no thread hand-off); what does not fit in the
 * socket buffer, or comes while another thread is writing, is written by a background writer
 * ({@link JforkThreads#io}) that blocks for as long as the peer takes to read. So a process that is
 * slow to read (a template's spare replaying a long {@code eval}, a child busy in its init) holds
 * up nobody but its own queue. Before the socket is known ({@link #attach}) everything waits in the
 * queue.
 *
 * <p>Descriptors queued with {@link #sendFds} belong to the writer: it closes them once sent, or
 * when they cannot be sent. After a write fails (the peer is gone) the remaining frames and
 * descriptors are dropped, but actions still run, in order, so that whoever waits on them learns
 * of the failure ({@link #failure()}).
 */
public final class OrderedWriter {
    /** Descriptors to send with one SCM_RIGHTS byte; closed by the writer afterwards. */
    private static final class Fds {
        final int[] fds;

        Fds(int[] fds) {
            this.fds = fds;
        }
    }

    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    /** Called once, on the writing thread, when a write fails; may be null. */
    private final FailureListener onFailure;
    // guarded by this
    private FdChannel channel;
    private boolean writing;
    private boolean dropped;
    private IOException failure;

    /** Told when a write to the socket fails. */
    public interface FailureListener {
        void failed(IOException e);
    }

    public OrderedWriter(FailureListener onFailure) {
        this.onFailure = onFailure;
    }

    /** Queues a whole frame (not copied: the caller must not change it). */
    public void write(byte[] bytes) {
        enqueue(ByteBuffer.wrap(bytes));
    }

    /**
     * Queues a whole frame that need not go out at once: it is written with whatever is written
     * next, or at {@link #flush()}. For a frame whose own system call would delay something more
     * urgent (a fork's first command) when written now.
     */
    public void writeLater(byte[] bytes) {
        synchronized (this) {
            if (!dropped) {
                queue.addLast(ByteBuffer.wrap(bytes));
            }
        }
    }

    /** Writes what {@link #writeLater} queued, if nobody is writing already. */
    public void flush() {
        kick();
    }

    /** Queues a descriptor message; the descriptors belong to the writer from now on. */
    public void sendFds(int[] fds) {
        enqueue(new Fds(fds));
    }

    /** Queues an action that runs once everything queued before it has been written. */
    public void then(Runnable action) {
        enqueue(action);
    }

    /** The socket is known: what was queued starts to be written. */
    public void attach(FdChannel ch) {
        synchronized (this) {
            channel = ch;
        }
        kick();
    }

    /** The first write failure, or null. */
    public synchronized IOException failure() {
        return failure;
    }

    /** Whether anything is queued or being written. */
    public synchronized boolean busy() {
        return writing || !queue.isEmpty();
    }

    /** Waits until everything queued so far has been written (or dropped after a failure). */
    public void awaitWritten() throws InterruptedException {
        Object done = new Object();
        boolean[] flag = new boolean[1];
        then(() -> {
            synchronized (done) {
                flag[0] = true;
                done.notifyAll();
            }
        });
        synchronized (done) {
            while (!flag[0]) {
                done.wait();
            }
        }
    }

    /**
     * Drops everything not written yet, and everything queued later: descriptors are closed,
     * actions do not run. The entry being written now, if any, is finished first.
     */
    public void drop() {
        synchronized (this) {
            dropped = true;
            if (writing) {
                return; // the writing thread drops the rest when it is done with its entry
            }
            writing = true;
        }
        drain(false);
    }

    private void enqueue(Object entry) {
        synchronized (this) {
            if (dropped) {
                if (entry instanceof Fds) {
                    closeAll(((Fds) entry).fds);
                }
                return;
            }
            queue.addLast(entry);
        }
        kick();
    }

    /** Starts writing if nobody is: here without blocking, then in the background for the rest. */
    private void kick() {
        synchronized (this) {
            if (writing || channel == null || queue.isEmpty()) {
                return;
            }
            writing = true;
        }
        if (!drain(false)) {
            JforkThreads.io(() -> drain(true));
        }
    }

    /**
     * Writes queued entries until the queue is empty (true) or, when not {@code blocking}, until
     * the socket buffer is full (false: the caller hands the rest to a background writer). The
     * caller holds the writing role.
     */
    private boolean drain(boolean blocking) {
        while (true) {
            Object entry;
            FdChannel ch;
            IOException failed;
            synchronized (this) {
                if (dropped) {
                    for (Object o : queue) {
                        if (o instanceof Fds) {
                            closeAll(((Fds) o).fds);
                        }
                    }
                    queue.clear();
                }
                entry = queue.peekFirst();
                if (entry == null) {
                    writing = false;
                    return true;
                }
                ch = channel;
                failed = failure;
            }
            if (entry instanceof Runnable) {
                take(entry);
                try {
                    ((Runnable) entry).run();
                } catch (RuntimeException | Error e) {
                    System.getLogger("dev.jfork").log(System.Logger.Level.WARNING, "jfork: a queued action failed", e);
                }
                continue;
            }
            if (failed != null) {
                take(entry);
                if (entry instanceof Fds) {
                    closeAll(((Fds) entry).fds);
                }
                continue;
            }
            try {
                if (entry instanceof Fds) {
                    int[] fds = ((Fds) entry).fds;
                    if (blocking) {
                        ch.sendFds(fds);
                    } else if (!ch.sendFdsNonBlocking(fds)) {
                        return false;
                    }
                    take(entry);
                    closeAll(fds);
                } else {
                    ByteBuffer b = (ByteBuffer) entry;
                    if (blocking) {
                        ch.write(b);
                    } else {
                        ch.writeNonBlocking(b);
                        if (b.hasRemaining()) {
                            return false;
                        }
                    }
                    take(entry);
                }
            } catch (IOException | RuntimeException | Error e) {
                // not only I/O errors: a descriptor that cannot be passed (libc not bound) must not stop the queue for good
                IOException reason = e instanceof IOException ? (IOException) e : new IOException("writing failed: " + e, e);
                boolean first;
                synchronized (this) {
                    first = failure == null;
                    if (first) {
                        failure = reason;
                    }
                }
                if (first && onFailure != null) {
                    onFailure.failed(reason);
                }
            }
        }
    }

    private synchronized void take(Object entry) {
        if (queue.peekFirst() == entry) {
            queue.pollFirst();
        }
    }

    private static void closeAll(int[] fds) {
        for (int fd : fds) {
            Native.closeQuietly(fd);
        }
    }
}
