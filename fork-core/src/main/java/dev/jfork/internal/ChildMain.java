package dev.jfork.internal;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;

/**
 * Entry point of every jfork child JVM.
 *
 * <pre>java [options] -cp ... dev.jfork.internal.ChildMain VERSION OWNER_PID LIFELINE_FD MAX_FRAME ROLE SPARES SPARE_DELAY_MS ARCHIVE_DIR</pre>
 *
 * Descriptor 0 is the control socket (to the parent, or first to the template that replays its
 * preparation), 2 a pipe to the parent's stderr pump, {@code LIFELINE_FD} the read end of a pipe
 * whose only writer is the owner (end of stream = the owner died), 5 and up the template's
 * descriptor arguments. {@code ROLE} is {@code template} for processes started to be templates
 * (they load the native layer and start their spares at once) and {@code child} otherwise;
 * {@code SPARES} is how many ready forks this process keeps once it is forked from,
 * {@code SPARE_DELAY_MS} how long after handing one over it starts the replacement, and
 * {@code ARCHIVE_DIR} where its forks' class-data archives are cached ({@code -}: none).
 * {@code ChildMain check} exits 0 at once (used to check that a JVM starts with an archive).
 *
 * <p>This is the boot path: pure JDK, {@code java.io} only, so a child is ready as soon as a bare
 * JVM would be.
 */
public final class ChildMain {
    private ChildMain() {}

    public static void main(String[] args) {
        if (args.length == 1 && "check".equals(args[0])) {
            System.exit(0);
        }
        if (args.length != 8 || !String.valueOf(Protocol.VERSION).equals(args[0])) {
            System.err.println("[jfork] dev.jfork.internal.ChildMain is started by jfork; protocol version "
                    + (args.length > 0 ? args[0] : "(none)") + " does not match this jar's " + Protocol.VERSION
                    + " (is an older or newer fork-core on the child's class path?)");
            System.exit(Protocol.EXIT_PROTOCOL);
        }
        long owner = Long.parseLong(args[1]);
        int lifeline = Integer.parseInt(args[2]);
        int maxFrame = Integer.parseInt(args[3]);
        int spares = Integer.parseInt(args[5]);
        long spareDelayMs = Long.parseLong(args[6]);
        String archiveDir = "-".equals(args[7]) ? null : args[7];
        if (lifeline >= 0) {
            watchOwner(lifeline);
        }
        ChildServer server = new ChildServer(owner, maxFrame, spares, spareDelayMs, archiveDir);
        if ("template".equals(args[4])) {
            becomeTemplateSoon(server);
        }
        server.serve();
    }

    /**
     * A process started as a template will spawn children: load the native layer and start the
     * spares in the background now, rather than on the first fork.
     */
    private static void becomeTemplateSoon(ChildServer server) {
        Thread t = new Thread("jfork-warm-up") {
            @Override
            public void run() {
                try {
                    server.template().keepSpares();
                } catch (java.io.IOException | RuntimeException | LinkageError ignored) {
                    // reported when a fork needs it
                }
            }
        };
        t.setDaemon(true);
        t.start();
    }

    /**
     * Exits as soon as the owner's end of the lifeline pipe is closed, i.e. the owner is gone.
     *
     * <p>The watcher blocks in {@code read(2)} for the life of the process. HotSpot waits up to
     * 300 ms at exit for threads that are in native code, so the read goes through an interruptible
     * channel and a shutdown hook interrupts it: every normal exit stays fast.
     *
     * <p>Interrupting a channel closes its descriptor, so the watcher reads through a descriptor of
     * its own (see {@link #watcherChannel}): {@code LIFELINE_FD} itself stays open until the process
     * is gone. A template hands that number on to every process it spawns; were it closed while a
     * spare is being spawned at exit, the number could be reused by the spare's own socket, and the
     * spare would hold both ends of its control socket and never see end of stream.
     */
    private static void watchOwner(int fd) {
        FileChannel lifeline = watcherChannel(fd);
        Thread t = new Thread("jfork-owner-watch") {
            @Override
            public void run() {
                ByteBuffer b = ByteBuffer.allocate(16);
                try {
                    while (lifeline.read(b) >= 0) {
                        b.clear(); // the owner never writes; keep waiting for end of stream
                    }
                } catch (ClosedByInterruptException e) {
                    return; // this process is exiting anyway (see the shutdown hook)
                } catch (IOException ignored) {
                    // treated like end of stream
                }
                Runtime.getRuntime().halt(Protocol.EXIT_OWNER_GONE);
            }
        };
        t.setDaemon(true);
        t.start();
        Runtime.getRuntime().addShutdownHook(new Thread("jfork-owner-watch-stop") {
            @Override
            public void run() {
                t.interrupt();
            }
        });
    }

    /**
     * A channel reading the lifeline pipe through a new descriptor ({@code /proc/self/fd/N} opens
     * the same pipe again), falling back to the descriptor itself where {@code /proc} is missing.
     */
    private static FileChannel watcherChannel(int fd) {
        try {
            return new FileInputStream("/proc/self/fd/" + fd).getChannel();
        } catch (IOException e) {
            return new FileInputStream(FileDescriptors.of(fd)).getChannel();
        }
    }
}
