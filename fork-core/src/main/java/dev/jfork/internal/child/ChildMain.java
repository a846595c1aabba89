package dev.jfork.internal.child;

import java.io.IOException;

import dev.jfork.internal.wire.ExitCodes;
import dev.jfork.internal.wire.LaunchLine;
import dev.jfork.internal.wire.Protocol;

/**
 * Entry point of every jfork child JVM: {@code java [options] -cp ... }{@link LaunchLine#MAIN_CLASS}
 * followed by a {@link LaunchLine} ({@code docs/PROTOCOL.md}, "Processes and descriptors").
 *
 * <p>Descriptor 0 is the control socket (to the parent, or first to the template that replays its
 * preparation), or, in a process its parent started with the JDK alone, the lifeline pipe, and the
 * control socket is one the process connects back with ({@link ConnectBack}); 2 a pipe to the parent's stderr pump, the lifeline descriptor the read end of a
 * pipe whose only writer is the owner (end of stream = the owner died), 5 and up the template's
 * descriptor arguments. A process started in the {@code template} role loads the native layer
 * and starts its spares at once. {@code ChildMain check} exits 0 at once (used to check that a JVM
 * starts with an archive).
 *
 * <p>This is the boot path: pure JDK, {@code java.io} only, so a child is ready as soon as a bare
 * JVM would be.
 */
public final class ChildMain {
    private ChildMain() {}

    public static void main(String[] args) {
        if (args.length == 1 && LaunchLine.CHECK.equals(args[0])) {
            System.exit(0);
        }
        LaunchLine line;
        try {
            line = LaunchLine.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("[jfork] " + e.getMessage());
            System.exit(ExitCodes.PROTOCOL);
            return;
        }
        // a process that connects back reads its token from the lifeline pipe: before the owner watch does
        int control = line.connect() == null ? Protocol.FD_CONTROL : connectOrExit(line);
        if (line.lifelineFd() >= 0) {
            OwnerWatch.start(line.lifelineFd());
        }
        CommandLoop server = new CommandLoop(line, control);
        if (LaunchLine.TEMPLATE.equals(line.role())) {
            becomeTemplateSoon(server);
        }
        server.serve();
    }

    /**
     * The descriptor of the socket connected back to the parent; exits if it cannot be made, or the
     * parent is gone. The main thread reads the header and connects, the way to the run function;
     * beside it, one thread sets up the security providers the JDK's first Unix socket needs (15-20
     * ms in a cold JVM), and, unless the process maps a first process's class-data archive (which
     * holds the run function's class, as a rule), another opens the class path's jars ahead of the
     * run function. The command loop is not warmed up here as a spare's is: its classes load on the
     * run itself, once (a warm-up on the way to the run loaded them twice over).
     */
    private static int connectOrExit(LaunchLine line) {
        beside(new Thread("jfork-prepare-security") {
            @Override
            public void run() {
                ConnectBack.prepareSecurity();
            }
        });
        try {
            ConnectBack.Header header = ConnectBack.readHeader();
            if (!header.mapped) {
                beside(new Thread("jfork-open-class-path") {
                    @Override
                    public void run() {
                        openClassPath();
                    }
                });
            }
            return ConnectBack.connect(line.connect(), header);
        } catch (ConnectBack.OwnerGoneException e) {
            Runtime.getRuntime().halt(ExitCodes.OWNER_GONE);
        } catch (IOException | RuntimeException | Error e) {
            System.err.println("[jfork] cannot connect to the parent at " + line.connect() + ": " + e);
            System.exit(ExitCodes.PROTOCOL);
        }
        return -1;
    }

    /** Starts a daemon thread (never a lambda: the first one costs a cold JVM ~10 ms). */
    private static void beside(Thread t) {
        t.setDaemon(true);
        t.start();
    }

    /**
     * Opens every jar of the class path, as the class loader does (in class path order, until it
     * finds a class) when the run function's class is loaded, and the JDK did when it looked for a
     * selector provider there (which the parent may have spared this process). The run function is
     * not known yet, and its jar is often one of the last; a cold JVM takes ~1 ms per jar. Done here
     * it overlaps the connection, not the function's first byte. Not where a class-data archive
     * is mapped: classes from it are found without opening a jar.
     */
    private static void openClassPath() {
        ClassLoader.getSystemClassLoader().getResource("dev/jfork/internal/child/none"); // found nowhere: every jar is looked in
    }

    /**
     * A process started as a template will spawn children: load the native layer and start the
     * spares in the background now, rather than on the first fork.
     */
    private static void becomeTemplateSoon(CommandLoop server) {
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
}
