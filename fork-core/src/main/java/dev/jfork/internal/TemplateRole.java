package dev.jfork.internal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a process does once it is forked from: it becomes a template. Every fork is a new JVM with
 * the template's own command line, connected to the template by a socketpair and a stderr pipe
 * that the template creates; the template writes its replay log to the new JVM over that socket
 * and then hands both ends over to the parent in the {@link Protocol#FORKED} reply. From then on the
 * parent talks to the fork directly; the template only reaps it and reports its exit.
 *
 * <p>Because the socket exists before the parent asks, forks can be started <em>ahead of time</em>:
 * the template keeps {@code spares} of them, already replayed to its current state, and a fork
 * request hands one over at once (a spare behind the template's state first gets the difference).
 * A spare runs nothing but the template's own preparation before it is handed over, needs no native
 * code (its descriptors are inherited at spawn), and exits with its template (end of stream on its
 * socket). A spare found dead or failed at hand-over is discarded and a fresh process started.
 *
 * <p>A failed fork is reported with {@link Protocol#FORK_FAILED}; the template lives on (unlike
 * AnyEvent::Fork, where a failed fork kills the template).
 */
final class TemplateRole {
    private static final System.Logger LOG = System.getLogger("dev.jfork");
    /** A catch-up this small cannot block on a socket buffer, so it is done in the main thread. */
    private static final long INLINE_HAND_OVER_BYTES = 32 * 1024;
    /** After this many spares in a row die before being handed over, stop keeping spares. */
    private static final int SPARE_FAILURES_TOLERATED = 3;

    /** A started process not yet (or just) handed to a parent. */
    private final class Spare {
        final int pid;
        final int control;
        final int stderr;
        final int inherited;
        int position;
        /** Taken for a hand-over: only the hand-over closes its descriptors from then on. */
        volatile boolean taken;
        boolean handed;
        int forkId;
        Integer status;

        Spare(int pid, int control, int stderr, int inherited) {
            this.pid = pid;
            this.control = control;
            this.stderr = stderr;
            this.inherited = inherited;
        }

        /** Writes what the template was prepared with since the last catch-up, up to entry {@code upTo}. */
        synchronized void catchUp(int upTo) throws IOException {
            if (upTo > position) {
                position = log.writeTo(control, position, upTo, inherited, args.fds());
            }
        }
    }

    private final long owner;
    private final int maxFrame;
    private final int spareTarget;
    private final String archiveDir;
    private final ArgsImpl args;
    private final ReplayLog log;
    private final ChildServer server;
    private final List<String> commandPrefix;
    private final List<String> environment;

    // guarded by this
    private final ArrayDeque<Spare> idle = new ArrayDeque<>();
    private int starting;
    private int pendingHandOvers;
    private int spareFailures;
    private boolean logGrew;
    /** Classes the parent said forks of this template run (Protocol.HINT), in order. */
    private final List<String> hints = new ArrayList<>();
    /** When a spare was last handed over (System.nanoTime). */
    private long lastTaken = System.nanoTime() - (1L << 62);
    /** How long after a hand-over the keeper waits before it starts a replacement. */
    private final long spareDelayMs;
    private boolean keeperStarted;
    private boolean archiveStarted;
    /** Set when this process enters a run function: no more spares. */
    private boolean stopped;
    /** JVM options that make forks boot from the class-data archive, once it is ready. */
    private List<String> archiveOptions = new ArrayList<>();

    TemplateRole(long owner, int maxFrame, int spareTarget, long spareDelayMs, String archiveDir, ArgsImpl args, ReplayLog log,
            ChildServer server) throws IOException {
        Native.load();
        this.owner = owner;
        this.maxFrame = maxFrame;
        this.spareTarget = spareTarget;
        this.spareDelayMs = spareDelayMs;
        this.archiveDir = archiveDir;
        this.args = args;
        this.log = log;
        this.server = server;
        this.commandPrefix = ownCommandPrefix();
        this.environment = new ArrayList<>();
        for (Map.Entry<String, String> e : System.getenv().entrySet()) {
            environment.add(e.getKey() + "=" + e.getValue());
        }
    }

    /**
     * Finds or builds the class-data archive, once, on the first fork: by then the template has
     * been sent what it requires (a template started with {@code Fork.newTemplate} is a template
     * before it is prepared, so boot time would be too early).
     */
    private void startArchive() {
        synchronized (this) {
            if (archiveDir == null || archiveStarted) {
                return;
            }
            archiveStarted = true;
        }
        new ClassDataArchive(Paths.get(archiveDir), commandPrefix, environment, owner).prepare(server.requiredClasses(),
                new ClassDataArchive.Listener() {
                    @Override
                    public void ready(List<String> jvmOptions, java.nio.file.Path archive) {
                        synchronized (TemplateRole.this) {
                            archiveOptions = jvmOptions;
                        }
                        server.reply(Protocol.frame(Protocol.ARCHIVE, Protocol.intAndText(1, archive.toString())));
                    }

                    @Override
                    public void unavailable(String reason) {
                        server.reply(Protocol.frame(Protocol.ARCHIVE, Protocol.intAndText(0, reason)));
                    }
                });
    }

    /** This JVM's own argv up to and including the main class: a fork runs with the same JVM setup. */
    private static List<String> ownCommandPrefix() throws IOException {
        byte[] raw = Files.readAllBytes(Paths.get("/proc/self/cmdline"));
        List<String> argv = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                argv.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        int main = argv.indexOf(ChildMain.class.getName());
        if (main < 0) {
            throw new IOException("cannot find " + ChildMain.class.getName() + " in this process's command line " + argv);
        }
        argv.subList(main + 1, argv.size()).clear();
        // this JVM's own archive options are not its forks': they get the template's archive, if any
        argv.removeIf(a -> a.startsWith("-XX:SharedArchiveFile=") || a.startsWith("-XX:AOTCache=")
                || a.startsWith("-XX:AOTMode=") || a.startsWith("-XX:ArchiveClassesAtExit") || a.startsWith("-XX:AOTCacheOutput")
                || a.startsWith("-XX:DumpLoadedClassList=") || a.startsWith("-XX:SharedClassListFile=")
                || a.startsWith("-Xshare:"));
        // argv[0] may be relative to the directory the JVM started in; spawn needs a path
        argv.set(0, ProcessHandle.current().info().command().orElse(argv.get(0)));
        return argv;
    }

    // ------------------------------------------------------------------ forking

    /**
     * Handles a FORK command (main thread): hand over a spare, or start a fresh process. The fork gets
     * the template's state as of now; commands the template receives later are not its business.
     */
    void fork(int forkId) {
        startArchive();
        int state = log.size(); // the main thread is the only one that appends to the log
        Spare s = takeIdle();
        if (s == null) {
            try {
                s = spawn();
            } catch (IOException | RuntimeException | LinkageError e) {
                server.reply(Protocol.frame(Protocol.FORK_FAILED, Protocol.intAndText(forkId, e.toString())));
                return;
            }
        }
        if (log.bytes(s.position, state) <= INLINE_HAND_OVER_BYTES) {
            // fits in the socket buffer: no need for another thread (and its wake-up latency)
            handOver(s, forkId, state, true);
        } else {
            handOverLater(s, forkId, state);
        }
        keepSpares();
    }

    private Spare takeIdle() {
        Spare s;
        synchronized (this) {
            s = idle.pollFirst();
            if (s != null) {
                lastTaken = System.nanoTime();
            }
            notifyAll(); // the keeper starts a replacement (after spareDelay)
        }
        if (s != null) {
            announceSpares();
        }
        if (s != null) {
            synchronized (s) { // waits for a catch-up by the keeper that is under way
                s.taken = true;
            }
        }
        return s;
    }

    /** Hands over in another thread: the catch-up may exceed the socket buffer and must not block commands. */
    private void handOverLater(Spare s, int forkId, int state) {
        synchronized (this) {
            pendingHandOvers++;
        }
        DaemonThreads.execute(new Runnable() {
            @Override
            public void run() {
                try {
                    handOver(s, forkId, state, true);
                } finally {
                    synchronized (TemplateRole.this) {
                        pendingHandOvers--;
                        TemplateRole.this.notifyAll();
                    }
                }
            }
        });
    }

    private void handOver(Spare s, int forkId, int state, boolean mayRetry) {
        try {
            s.catchUp(state);
            // a spare that died, or failed on its replay and said so, is not handed out
            if (!Native.isIdlePeer(s.control)) {
                throw new IOException("process " + s.pid + " ended or failed before it was handed over");
            }
            synchronized (s) {
                s.forkId = forkId;
            }
            boolean sent = server.replyWithFds(Protocol.frame(Protocol.FORKED, Protocol.ints(forkId, s.pid)),
                    new int[] {s.control, s.stderr});
            Native.closeQuietly(s.control);
            Native.closeQuietly(s.stderr);
            if (!sent) {
                return; // the parent is gone or this process was run; the fork sees end of stream and exits
            }
            synchronized (TemplateRole.this) {
                spareFailures = 0; // a process came up and was handed over: preparation works in forks
            }
            synchronized (s) {
                s.handed = true;
                if (s.status != null) {
                    server.reply(Protocol.frame(Protocol.EXITED, Protocol.ints(forkId, s.status)));
                }
            }
        } catch (IOException | RuntimeException e) {
            Native.closeQuietly(s.control);
            Native.closeQuietly(s.stderr);
            killUnlessReaped(s);
            LOG.log(Level.DEBUG, "discarding process {0}: {1}", s.pid, e);
            if (!mayRetry) {
                server.reply(Protocol.frame(Protocol.FORK_FAILED, Protocol.intAndText(forkId, e.toString())));
                return;
            }
            try {
                handOver(spawn(), forkId, state, false);
            } catch (IOException | RuntimeException | LinkageError e2) {
                server.reply(Protocol.frame(Protocol.FORK_FAILED, Protocol.intAndText(forkId, e2.toString())));
            }
        }
    }

    /** Kills a spare that has not been reaped yet (after reaping, its pid may belong to someone else). */
    private static void killUnlessReaped(Spare s) {
        synchronized (s) {
            if (s.status == null) {
                Native.kill(s.pid, Native.SIGKILL);
            }
        }
    }

    /** Starts a process prepared with nothing yet (its catch-up writes the whole log). */
    private Spare spawn() throws IOException {
        int[] socket = Native.socketPair();
        int[] err = null;
        try {
            err = Native.pipe();
            List<FdArg> fds = args.fds();
            int[] map = new int[Protocol.FD_FIRST_INHERITED_ARG + fds.size()];
            map[Protocol.FD_CONTROL] = socket[1];
            map[1] = 1;
            map[2] = err[1];
            map[Protocol.FD_LIFELINE] = Protocol.FD_LIFELINE;
            map[Protocol.FD_LIFELINE + 1] = -1;
            for (int k = 0; k < fds.size(); k++) {
                map[Protocol.FD_FIRST_INHERITED_ARG + k] = fds.get(k).intValue();
            }
            List<String> argv = new ArrayList<>(commandPrefix);
            synchronized (this) {
                argv.addAll(1, archiveOptions);
            }
            argv.add(String.valueOf(Protocol.VERSION));
            argv.add(String.valueOf(owner));
            argv.add(String.valueOf(Protocol.FD_LIFELINE));
            argv.add(String.valueOf(maxFrame));
            argv.add("child");
            argv.add(String.valueOf(spareTarget));
            argv.add(String.valueOf(spareDelayMs));
            argv.add(archiveDir == null ? "-" : archiveDir);
            int pid = Spawner.spawn(argv, environment, null, map);
            Spare s = new Spare(pid, socket[0], err[0], fds.size());
            socket[0] = -1;
            err[0] = -1;
            watch(s);
            return s;
        } finally {
            Native.closeQuietly(socket[0]);
            Native.closeQuietly(socket[1]);
            if (err != null) {
                Native.closeQuietly(err[0]);
                Native.closeQuietly(err[1]);
            }
        }
    }

    /** Reaps a started process; reports its exit once it belongs to a parent, else drops it. */
    private void watch(Spare s) {
        Reaper.watch(s.pid).whenComplete(new java.util.function.BiConsumer<Integer, Throwable>() {
            @Override
            public void accept(Integer status, Throwable error) {
                int st = status != null ? status : 0xff00;
                boolean report;
                synchronized (s) {
                    s.status = st;
                    report = s.handed;
                }
                if (report) {
                    server.reply(Protocol.frame(Protocol.EXITED, Protocol.ints(s.forkId, st)));
                    return;
                }
                boolean wasIdle;
                synchronized (TemplateRole.this) {
                    wasIdle = idle.remove(s);
                    if (wasIdle) {
                        spareFailures++;
                        TemplateRole.this.notifyAll();
                    }
                }
                if (wasIdle) {
                    announceSpares();
                    Native.closeQuietly(s.control);
                    Native.closeQuietly(s.stderr);
                    LOG.log(Level.WARNING, "jfork spare process {0} ended before it was used (status {1})", s.pid, st);
                }
            }
        });
    }

    // ------------------------------------------------------------------ spares

    /** Tells the spare keeper that the template was prepared further (idle spares catch up). */
    synchronized void logGrew() {
        logGrew = true;
        notifyAll();
    }

    /** Starts the spare keeper (once), which keeps {@code spares} processes started and caught up. */
    synchronized void keepSpares() {
        if (spareTarget <= 0 || keeperStarted) {
            return;
        }
        keeperStarted = true;
        Thread t = new Thread("jfork-spare-keeper") {
            @Override
            public void run() {
                keeper();
            }
        };
        t.setDaemon(true);
        t.start();
    }

    private void keeper() {
        while (true) {
            boolean spawnOne;
            List<Spare> toCatchUp;
            synchronized (this) {
                while (!stopped && spareFailures < SPARE_FAILURES_TOLERATED && idle.size() + starting >= spareTarget && !logGrew) {
                    waitQuietly();
                }
                if (stopped) {
                    return;
                }
                if (spareFailures >= SPARE_FAILURES_TOLERATED) {
                    LOG.log(Level.WARNING, "jfork: {0} spare processes in a row ended before use; not keeping spares any more",
                            spareFailures);
                    return;
                }
                boolean missing = idle.size() + starting < spareTarget;
                long wait = lastTaken + spareDelayMs * 1_000_000 - System.nanoTime();
                if (missing && wait > 0 && !logGrew) {
                    // a spare was just handed over: let it and its parent have the CPUs first
                    waitNanosQuietly(wait);
                    continue;
                }
                logGrew = false;
                toCatchUp = new ArrayList<>(idle);
                spawnOne = missing && wait <= 0;
                if (spawnOne) {
                    starting++;
                }
            }
            for (Spare s : toCatchUp) {
                catchUpIdle(s);
            }
            if (spawnOne) {
                startSpare();
            }
        }
    }

    private void startSpare() {
        Spare s = null;
        try {
            s = spawn();
            s.catchUp(log.size());
            Native.sendFully(s.control, Protocol.frame(Protocol.WARM_UP, new byte[0]));
        } catch (IOException | RuntimeException | LinkageError e) {
            LOG.log(Level.WARNING, "jfork: cannot start a spare process: {0}", e.toString());
            synchronized (this) {
                spareFailures++;
            }
            if (s != null) {
                killUnlessReaped(s);
                Native.closeQuietly(s.control);
                Native.closeQuietly(s.stderr);
            }
            s = null;
        }
        List<String> toHint = List.of();
        synchronized (this) {
            starting--;
            if (s != null) {
                boolean dead;
                synchronized (s) {
                    dead = s.status != null;
                }
                if (!dead && !stopped) {
                    idle.addLast(s);
                    toHint = new ArrayList<>(hints);
                } else {
                    if (dead) {
                        spareFailures++;
                    }
                    Native.closeQuietly(s.control);
                    Native.closeQuietly(s.stderr);
                }
            }
        }
        if (s != null) {
            sendHints(s, toHint);
        }
        announceSpares();
    }

    /**
     * A fork of this template ran a function of this class: idle spares load it now (and spares
     * started later, once they are idle), so that the next hand-over finds it loaded.
     */
    void hint(String className) {
        List<Spare> targets;
        synchronized (this) {
            if (hints.contains(className)) {
                return;
            }
            hints.add(className);
            targets = new ArrayList<>(idle);
        }
        for (Spare s : targets) {
            sendHints(s, List.of(className));
        }
    }

    /** Sends HINT frames to a spare not yet taken (a hand-over waits for this, as for a catch-up). */
    private void sendHints(Spare s, List<String> classNames) {
        synchronized (s) {
            for (String c : classNames) {
                if (s.taken || s.status != null) {
                    return;
                }
                try {
                    Native.sendFully(s.control, Protocol.frame(Protocol.HINT, c));
                } catch (IOException e) {
                    return; // the spare is gone: its end is handled by the reaper
                }
            }
        }
    }

    /** Tells the parent how many spares are ready (it shows in diagnostics and lets tests wait for them). */
    private void announceSpares() {
        int n;
        synchronized (this) {
            n = idle.size();
        }
        server.reply(Protocol.frame(Protocol.SPARES, Protocol.ints(n)));
    }

    private void catchUpIdle(Spare s) {
        synchronized (s) {
            if (s.taken || s.status != null) {
                return;
            }
            try {
                s.catchUp(log.size());
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "spare {0} could not catch up: {1}", s.pid, e);
            }
        }
    }

    /**
     * This process enters a run function: it forks no more, so its spares end (end of stream on
     * their sockets) and the keeper stops.
     */
    void stop() {
        List<Spare> leftover;
        synchronized (this) {
            stopped = true;
            leftover = new ArrayList<>(idle);
            idle.clear();
            notifyAll();
        }
        for (Spare s : leftover) {
            synchronized (s) {
                s.taken = true;
            }
            Native.closeQuietly(s.control);
            Native.closeQuietly(s.stderr);
        }
    }

    /**
     * Waits until every requested fork has been handed over (or has failed), so that a template
     * that is closed or run right after a fork still delivers it.
     */
    synchronized void awaitHandOvers() {
        while (pendingHandOvers > 0) {
            waitQuietly();
        }
    }

    private void waitNanosQuietly(long nanos) {
        try {
            wait(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void waitQuietly() {
        try {
            wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
