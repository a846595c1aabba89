package dev.jfork.internal.wire;

/**
 * The control protocol of fork-core: frame types, descriptor numbers and the protocol version.
 * {@code docs/PROTOCOL.md} is its specification and must change together with this class. Frames
 * are {@link Frame}s; frames that carry descriptors are followed by exactly one byte {@code 0x00}
 * sent with {@code sendmsg} and an {@code SCM_RIGHTS} control message.
 *
 * <p>On the child's boot path: pure JDK.
 */
public final class Protocol {
    private Protocol() {}

    /** Bumped on every incompatible change; parent and child must agree. */
    public static final int VERSION = 7;

    // ---- parent -> process (commands); id 0 unless said otherwise ----
    /** Load and initialise classes: string list of binary class names. */
    public static final byte REQUIRE = 'R';
    /** Load and initialise classes, skipping those that fail: string list of binary class names. */
    public static final byte PRELOAD = 'L';
    /** Call a static init method: string list (method, args...). */
    public static final byte EVAL = 'E';
    /** Append string arguments: string list. */
    public static final byte ARG_STRINGS = 'A';
    /** Append one byte[] argument: raw payload. */
    public static final byte ARG_BYTES = 'B';
    /** Append descriptors: u32 count, then the descriptor byte carrying count fds. */
    public static final byte ARG_FDS = 'D';
    /** Fork: id = forkId, empty. The reply FORKED carries the new process's sockets. */
    public static final byte FORK = 'F';
    /** Spares only: exercise the run path now (resolve and call a no-op), so a hand-over is fast. Empty. */
    public static final byte WARM_UP = 'W';
    /** Enter the run function: UTF-8 function name. */
    public static final byte RUN = 'X';
    /**
     * A hint, not a command: a fork of this template entered a function of this class (UTF-8 binary
     * class name). A template passes it on to its idle spares, which load the class without
     * initialising it (no user code runs), so the next hand-over finds it loaded. Not replayed.
     */
    public static final byte HINT = 'H';
    /**
     * The parent keeps spares itself from now on (empty, not replayed): the template hands every
     * ready spare over at once ({@link #SPARE}); the parent catches a spare up to its own state
     * when it makes it a fork. Sent by a parent that records what it sends the template.
     */
    public static final byte PARK = 'P';
    /** The parent made spare {@code id} (from {@link #SPARE}) a fork: empty, not replayed. */
    public static final byte TAKEN = 'T';
    /** Keep at least this many spares (u32 count, bounded by the spare policy's max); not replayed. */
    public static final byte KEEP_SPARES = 'K';

    // ---- template -> new child (replay) ----
    /** Append a descriptor argument that was inherited at spawn: u32 fd number. */
    public static final byte ARG_INHERITED_FD = 'I';

    // ---- process -> parent (replies) ----
    /** The process is about to enter the run function; the socket is the function's from here on. */
    public static final byte RUNNING = 'r';
    /** A command failed: UTF-8 report. The process exits right after sending it. */
    public static final byte FAILED = '!';
    /** A fork was started: id = forkId, u32 pid, then the descriptor byte carrying [control socket, stderr pipe read end]. */
    public static final byte FORKED = 'p';
    /** A forked process was reaped: id = forkId, u32 raw wait status. */
    public static final byte EXITED = 'x';
    /** A fork could not be started: id = forkId, UTF-8 reason. The template lives on. */
    public static final byte FORK_FAILED = 'e';
    /** A template's number of ready spares changed: u32 count. */
    public static final byte SPARES = 'k';
    /**
     * After {@link #PARK}: a ready spare, handed to the parent ahead of any fork: id = spareId (the
     * template's, negative), u32 pid, u32 replay position (the number of preparation entries it was
     * sent), then the descriptor byte carrying [control socket, stderr pipe read end]. Its exit is
     * reported with {@link #EXITED} under the spareId.
     */
    public static final byte SPARE = 's';
    /** The template does not need spare {@code id} any more: the parent ends it if it still holds it. Empty. */
    public static final byte RETIRE = 'q';
    /** A template's forks now boot from a class-data archive (u32 1, UTF-8 path) or will not (u32 0, UTF-8 reason). */
    public static final byte ARCHIVE = 'a';

    /** Descriptor numbers in a freshly spawned child. */
    public static final int FD_CONTROL = 0;
    public static final int FD_STDOUT = 1;
    public static final int FD_STDERR = 2;
    public static final int FD_LIFELINE = 3;
    public static final int FD_FIRST_INHERITED_ARG = 5;

    /**
     * Length of the one-time token a process started without libc reads from its standard input
     * and sends first on the socket it connects back with ({@code docs/PROTOCOL.md}, "Started
     * without libc").
     */
    public static final int CONNECT_TOKEN_BYTES = 16;
    /** The longest selector provider class name that can follow the token (its length is one byte). */
    public static final int CONNECT_SELECTOR_MAX = 255;
    /**
     * The header's flag (its last byte) that says the process maps a class-data archive of a
     * first process: the run function's class is probably in it, so the class path's jars need
     * not be opened ahead of the run.
     */
    public static final int CONNECT_MAPPED = 1;
    /** The name a process started without libc binds its end of the control socket to, beside the parent's listening socket. */
    public static final String CONNECT_CLIENT_NAME = "c";
    /** The listen backlog of that socket: connections are taken at once, their tokens read on threads of their own. */
    public static final int CONNECT_BACKLOG = 8;

    /** The most descriptors one ARG_FDS frame may carry (SCM_MAX_FD is 253). */
    public static final int MAX_FDS_PER_FRAME = 253;
}
