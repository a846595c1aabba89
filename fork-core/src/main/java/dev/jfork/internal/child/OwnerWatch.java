package dev.jfork.internal.child;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.util.concurrent.locks.LockSupport;

import dev.jfork.internal.os.FileDescriptors;
import dev.jfork.internal.wire.ExitCodes;

/**
 * Exits the process as soon as the owner's end of the lifeline pipe is closed, i.e. the owner is
 * gone ({@code docs/PROTOCOL.md}, "Lifeline").
 *
 * <p>The watcher thread blocks in {@code read(2)} for the life of the process. HotSpot waits up
 * to 300 ms at exit for threads that are in native code, so the read goes through an
 * interruptible channel, and the watch is stopped before the JVM exits: by {@link #stop()} when a
 * run function returned (the usual end), else by a shutdown hook ({@code System.exit} in user
 * code, a signal). Stopping closes the channel, and the watcher then parks instead of ending:
 * a parked thread does not hold up the exit, and not ending it spares the process a thread's exit
 * (its stack is returned to the kernel, which on a VM costs a TLB shoot-down on every CPU) while
 * other forks may want the CPUs. Profiled in bursts of ten forks on 2 CPUs: a child's end cost
 * 10-20% less CPU without the hook's thread and the watcher's exit.
 *
 * <p>The channel reads through a descriptor of its own (see {@link #channel}; where {@code /proc}
 * is missing, the descriptor itself): closing it leaves {@code LIFELINE_FD} open until the process
 * is gone. A template hands that number on to every
 * process it spawns; were it closed while a spare is being spawned at exit, the number could be
 * reused by the spare's own socket, and the spare would hold both ends of its control socket and
 * never see end of stream.
 */
final class OwnerWatch {
    private static volatile OwnerWatch current;

    private final FileChannel lifeline;
    private final Thread hook;

    private OwnerWatch(FileChannel lifeline) {
        this.lifeline = lifeline;
        this.hook = new Thread(this::close, "jfork-owner-watch-stop");
    }

    /** Starts watching the lifeline pipe's read end {@code fd}. */
    static void start(int fd) {
        OwnerWatch w = new OwnerWatch(channel(fd));
        Thread t = new Thread(w::watch, "jfork-owner-watch");
        t.setDaemon(true);
        t.start();
        Runtime.getRuntime().addShutdownHook(w.hook);
        current = w;
    }

    /**
     * Stops the watch before this process exits, on the calling thread: the shutdown hook is
     * removed, so the JVM starts no thread for it. Does nothing if there is no watch or the JVM
     * is already shutting down (then the hook runs). From here on the process no longer ends
     * when its owner does: call it only on the way out.
     */
    static void stop() {
        OwnerWatch w = current;
        if (w == null) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(w.hook);
        } catch (IllegalStateException e) {
            return; // shutting down: the hook closes the channel
        } catch (SecurityException e) {
            // a security manager (JDK 17-23) forbids it: the hook stays and closes the channel again, harmlessly
        }
        w.close();
    }

    private void watch() {
        ByteBuffer b = ByteBuffer.allocate(16);
        try {
            while (lifeline.read(b) >= 0) {
                b.clear(); // the owner never writes; keep waiting for end of stream
            }
        } catch (ClosedChannelException e) {
            // stopped (closed before or during the read): this process is exiting; park rather than end (see above)
            while (true) {
                LockSupport.park(this);
                Thread.interrupted(); // an interrupt (the hook's, or user code's) would make park return at once
            }
        } catch (IOException ignored) {
            // treated like end of stream
        }
        Runtime.getRuntime().halt(ExitCodes.OWNER_GONE);
    }

    private void close() {
        try {
            lifeline.close();
        } catch (IOException ignored) {
            // the process is exiting
        }
    }

    /**
     * A channel reading the lifeline pipe through a new descriptor ({@code /proc/self/fd/N} opens
     * the same pipe again), falling back to the descriptor itself where {@code /proc} is missing.
     */
    private static FileChannel channel(int fd) {
        try {
            return new FileInputStream("/proc/self/fd/" + fd).getChannel();
        } catch (IOException e) {
            return new FileInputStream(FileDescriptors.of(fd)).getChannel();
        }
    }
}
