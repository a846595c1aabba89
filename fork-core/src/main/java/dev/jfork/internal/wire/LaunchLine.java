package dev.jfork.internal.wire;

import java.util.ArrayList;
import java.util.List;

/**
 * The arguments of every jfork JVM after its main class ({@code docs/PROTOCOL.md}, "Processes and
 * descriptors"): built by whoever spawns one (the parent, a template, the class-data archive's
 * training JVM) with {@link #toArgs()}, read back by {@code ChildMain} with {@link #parse}.
 *
 * <pre>MAIN_CLASS VERSION OWNER_PID LIFELINE_FD MAX_FRAME ROLE
 *            SPARES MAX_SPARES SPARE_DELAY_MS SPARE_IDLE_MS SPARE_BUDGET ARCHIVE_DIR CONNECT</pre>
 *
 * @param owner       pid of the program that owns the whole line of processes
 * @param lifelineFd  descriptor of the owner's lifeline pipe ({@link Protocol#FD_LIFELINE}; 0 for a
 *                    process that connects back), or -1
 * @param maxFrame    the largest frame payload this process accepts
 * @param role        {@link #TEMPLATE} for a process started to be forked from, else {@link #CHILD}
 * @param spares      how it keeps ready forks once forked from
 * @param archiveDir  where its forks' class-data archives are cached, or null for none
 * @param connect     null for a process whose control socket is descriptor {@link Protocol#FD_CONTROL};
 *                    else the path of the parent's listening socket the process connects to
 *                    ({@code docs/PROTOCOL.md}, "Started without libc")
 */
public record LaunchLine(long owner, int lifelineFd, int maxFrame, String role, SparePolicy spares, String archiveDir, String connect) {
    /** The main class of every jfork JVM. */
    public static final String MAIN_CLASS = "dev.jfork.internal.child.ChildMain";
    /** The one argument that makes {@code ChildMain} exit 0 at once (to check that a JVM starts with an archive). */
    public static final String CHECK = "check";
    public static final String CHILD = "child";
    public static final String TEMPLATE = "template";
    private static final int COUNT = 12;

    /** A process that only loads what it is told (the class-data archive's training JVM): no frame limit, no spares, no archive. */
    public static LaunchLine trainee(long owner) {
        return new LaunchLine(owner, Protocol.FD_LIFELINE, Integer.MAX_VALUE, CHILD, SparePolicy.NONE, null, null);
    }

    /**
     * The line of the forks this process spawns: children, with the lifeline at its usual
     * descriptor (whatever descriptor it has here) and the control socket at descriptor 0.
     */
    public LaunchLine forForks() {
        return new LaunchLine(owner, lifelineFd >= 0 ? Protocol.FD_LIFELINE : -1, maxFrame, CHILD, spares, archiveDir, null);
    }

    /** The arguments after the main class. */
    public List<String> toArgs() {
        List<String> a = new ArrayList<String>(COUNT);
        a.add(String.valueOf(Protocol.VERSION));
        a.add(String.valueOf(owner));
        a.add(String.valueOf(lifelineFd));
        a.add(String.valueOf(maxFrame));
        a.add(role);
        a.add(String.valueOf(spares.base()));
        a.add(String.valueOf(spares.max()));
        a.add(String.valueOf(spares.delayMs()));
        a.add(String.valueOf(spares.idleMs()));
        a.add(String.valueOf(spares.budgetBytes()));
        a.add(archiveDir == null ? "-" : archiveDir);
        a.add(connect == null ? "-" : connect);
        return a;
    }

    /** The main class followed by {@link #toArgs()}: what follows the JVM options on a command line. */
    public List<String> mainAndArgs() {
        List<String> a = new ArrayList<String>(COUNT + 1);
        a.add(MAIN_CLASS);
        a.addAll(toArgs());
        return a;
    }

    /**
     * Reads the arguments {@code ChildMain} was started with.
     *
     * @throws IllegalArgumentException with a message for the child's stderr if they are not a
     *                                  launch line of this protocol version
     */
    public static LaunchLine parse(String[] args) {
        if (args.length == 0 || !String.valueOf(Protocol.VERSION).equals(args[0])) {
            throw new IllegalArgumentException(MAIN_CLASS + " is started by jfork; protocol version "
                    + (args.length > 0 ? args[0] : "(none)") + " does not match this jar's " + Protocol.VERSION
                    + " (is an older or newer fork-core on the child's class path?)");
        }
        if (args.length != COUNT) {
            throw new IllegalArgumentException("malformed jfork launch line (" + args.length + " arguments, not " + COUNT + "): "
                    + String.join(" ", args));
        }
        try {
            SparePolicy spares = new SparePolicy(Integer.parseInt(args[5]), Integer.parseInt(args[6]), Long.parseLong(args[7]),
                    Long.parseLong(args[8]), Long.parseLong(args[9]));
            return new LaunchLine(Long.parseLong(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), args[4], spares,
                    "-".equals(args[10]) ? null : args[10], "-".equals(args[11]) ? null : args[11]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed jfork launch line: " + String.join(" ", args));
        }
    }
}
