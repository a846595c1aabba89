package dev.jfork;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.jfork.internal.ArchiveCachePruner;
import dev.jfork.internal.DaemonThreads;
import dev.jfork.internal.FdChannel;
import dev.jfork.internal.FdPassing;
import dev.jfork.internal.Lifeline;
import dev.jfork.internal.Native;
import dev.jfork.internal.Protocol;
import dev.jfork.internal.Reaper;
import dev.jfork.internal.Spawner;
import dev.jfork.internal.StderrTail;
import dev.jfork.internal.Timers;

/**
 * The parent's side of one process: its control socket, what is known about it (pid, exit,
 * stderr), and the processes forked from it. {@link Fork} is the public face; this object is what
 * pending work keeps alive, so configure-and-forget works.
 *
 * <p>Commands are written in the calling thread, in order, under the link's lock. A fork's socket
 * comes from its template (in the {@code FORKED} reply), so until then its commands wait in a
 * queue that is flushed, in order, when the socket arrives. A failed write (the process died) is
 * remembered, not thrown: why the process died is more useful than "broken pipe", and {@link #run}
 * reports it. Replies are read by one reader task, started by the first {@code fork} or
 * {@code run}.
 */
final class ProcessLink {
    private static final System.Logger LOG = System.getLogger("dev.jfork");
    /** Queued commands this small fit in a socket buffer, so flushing them cannot block. */
    private static final long INLINE_FLUSH_BYTES = 32 * 1024;

    private enum State { PREPARING, RUN_REQUESTED, HANDED_OVER, CLOSED, DETACHED }

    /** The template this process was forked from (null otherwise): told which class its forks run. */
    private ProcessLink template;
    /** Classes this template was told about already (see {@link Protocol#HINT}). Guarded by lock. */
    private final java.util.Set<String> hinted = new java.util.HashSet<>();

    final JvmSpec spec;
    private final boolean adopted;
    final CompletableFuture<Long> pid = new CompletableFuture<>();
    final CompletableFuture<ForkExit> exit = new CompletableFuture<>();
    /** Completes when the control socket is known (at once, except for forks). */
    private final CompletableFuture<Void> attached = new CompletableFuture<>();

    private final Map<Integer, ProcessLink> forks = new ConcurrentHashMap<>();
    private final AtomicInteger nextForkId = new AtomicInteger();
    private final AtomicBoolean killScheduled = new AtomicBoolean();
    private final Object lock = new Object();

    // guarded by lock
    private FdChannel control;
    private final List<Object> pending = new ArrayList<>();
    private State state = State.PREPARING;
    private boolean readerWanted;
    private boolean readerStarted;
    private CompletableFuture<ForkChannel> running;
    private String runFunction;

    private volatile StderrTail stderr;
    /** What a template reported about itself (-1 / null until it does). */
    private volatile int idleSpares = -1;
    private volatile String archive;
    private final Object reports = new Object();
    private volatile boolean readerDone;
    private volatile IOException writeFailure;
    private volatile String childError;
    private volatile String startFailure;
    /** What run fails with after a start failure, when there is more to say than startFailure (null otherwise). */
    private volatile CompletableFuture<ForkException> failureReport;

    private ProcessLink(JvmSpec spec, boolean adopted) {
        this.spec = spec;
        this.adopted = adopted;
    }

    // ------------------------------------------------------------------ creation

    /** Spawns a fresh JVM running the child server, as a direct child of this program. */
    static ProcessLink exec(JvmSpec spec, String role) {
        int[] socket = null;
        int[] err = null;
        try {
            if (spec.classDataSharing()) {
                ArchiveCachePruner.pruneOnce(spec.cacheDirectory(), spec.cacheMaxAge());
            }
            socket = Native.socketPair();
            err = Native.pipe();
            List<String> argv = ChildCommand.argv(spec, ProcessHandle.current().pid(), Protocol.FD_LIFELINE, role);
            int[] map = {socket[1], 1, err[1], Lifeline.readFd()};
            int pid = Spawner.spawn(argv, ChildCommand.envp(spec),
                    spec.workingDirectory() == null ? null : spec.workingDirectory().toFile(), map);
            ProcessLink link = new ProcessLink(spec, false);
            link.connect(socket[0], err[0]);
            socket[0] = -1;
            err[0] = -1;
            link.pid.complete((long) pid);
            Reaper.watch(pid).whenComplete((status, e) -> link.exit.complete(
                    status != null ? ForkExit.fromWaitStatus(status) : ForkExit.unknown("waitpid failed: " + e)));
            LOG.log(Level.DEBUG, "started {0} process {1}", role, pid);
            return link;
        } catch (IOException | RuntimeException | LinkageError e) {
            throw new ForkException("cannot start a child JVM with " + spec.java() + ": " + e.getMessage(), null, null, null, e);
        } finally {
            closeAll(socket);
            closeAll(err);
        }
    }

    /** Wraps a control socket of a process that some other link (maybe in another program) prepared. */
    static ProcessLink adopt(int fd) {
        ProcessLink link = new ProcessLink(JvmSpec.defaults(), true);
        link.connect(fd, -1);
        link.pid.complete(-1L);
        link.exit.completeExceptionally(new IllegalStateException(
                "the exit of a process adopted with Fork.fromFd is not known to this program"));
        return link;
    }

    /** Asks this process to fork; the new process is prepared with everything this one was sent so far. */
    ProcessLink fork() {
        ProcessLink child = new ProcessLink(spec, false);
        child.template = this;
        int id = nextForkId.incrementAndGet();
        synchronized (lock) {
            requirePreparing("fork");
            if (writeFailure == null && !readerDone && startFailure == null) {
                forks.put(id, child);
                readerWanted = true;
                write(Protocol.frame(Protocol.FORK, Protocol.ints(id)), null);
                startReaderIfConnected();
                return child;
            }
        }
        child.templateEnded(this); // outside the lock: it completes the child's futures
        return child;
    }

    /** Sets the control socket (and stderr pipe) and flushes what was queued for it. */
    private void connect(int controlFd, int stderrFd) {
        StderrTail tail = stderrFd < 0 ? StderrTail.none() : StderrTail.start(stderrFd, spec.stderrLines(), spec::stderrSink);
        stderr = tail;
        synchronized (lock) {
            control = new FdChannel(controlFd);
            List<Object> queued = new ArrayList<>(pending);
            pending.clear();
            for (int i = 0; i < queued.size(); i++) {
                byte[] frame = (byte[]) queued.get(i);
                int[] fds = i + 1 < queued.size() && queued.get(i + 1) instanceof int[] ? (int[]) queued.get(++i) : null;
                write(frame, fds);
            }
            if (state == State.CLOSED) {
                closeControl();
            } else {
                startReaderIfConnected();
            }
        }
        attached.complete(null);
    }

    /** The template started this fork: its sockets arrived with the FORKED reply. */
    private void forked(long childPid, int controlFd, int stderrFd) {
        pid.complete(childPid);
        if (queuedBytes() <= INLINE_FLUSH_BYTES) {
            connect(controlFd, stderrFd); // fits in the socket buffer: flush in the template's reader
        } else {
            // flushing may block until the child reads: not in the template's reader
            DaemonThreads.execute(() -> connect(controlFd, stderrFd));
        }
    }

    private long queuedBytes() {
        synchronized (lock) {
            long n = 0;
            for (Object o : pending) {
                n += o instanceof byte[] ? ((byte[]) o).length : 1;
            }
            return n;
        }
    }

    // ------------------------------------------------------------------ commands

    void send(byte type, byte[] payload) {
        if (payload.length > spec.maxFrameSize()) {
            throw new IllegalArgumentException("command of " + payload.length + " bytes exceeds maxFrameSize "
                    + spec.maxFrameSize() + " (JvmSpec.Builder.maxFrameSize)");
        }
        byte[] frame = Protocol.frame(type, payload);
        synchronized (lock) {
            requirePreparing(describe(type));
            write(frame, null);
        }
    }

    /** Sends descriptors this link owns (duplicates made by the caller); they are closed here in any case. */
    void sendFds(int[] fds) {
        boolean owned = false;
        try {
            synchronized (lock) {
                requirePreparing("sendFd");
                owned = true; // write() sends and closes them, or queues them: they are its from here on
                write(Protocol.frame(Protocol.ARG_FDS, Protocol.ints(fds.length)), fds);
            }
        } finally {
            if (!owned) {
                // Closing them again after write() had closed them was a double close: by then the
                // numbers could belong to a descriptor another thread had just received (seen once in
                // CI as EBADF on a fork's control socket)
                closeAll(fds);
            }
        }
    }

    /**
     * Writes a frame (and its descriptors) or queues it until the socket is known. Takes the
     * descriptors in every case: closes them once sent (or when they cannot be sent), or keeps them
     * in the queue. Returns true if they were queued. Caller holds the lock.
     */
    private boolean write(byte[] frame, int[] fds) {
        if (control == null && startFailure == null) {
            pending.add(frame);
            if (fds != null) {
                pending.add(fds);
            }
            return fds != null;
        }
        try {
            if (control != null && writeFailure == null) {
                control.writeFully(frame);
                if (fds != null) {
                    control.sendFds(fds);
                }
            }
        } catch (IOException e) {
            writeFailed(e);
        } finally {
            if (fds != null) {
                closeAll(fds);
            }
        }
        return false;
    }

    CompletableFuture<ForkChannel> run(String function) {
        CompletableFuture<ForkChannel> result = runNow(function);
        if (template != null) {
            template.hint(function); // after the RUN frame: the hint must not delay this fork
        }
        return result;
    }

    /**
     * Tells this template which class a fork's function belongs to, once per class, so its spares
     * can load it ahead of the next hand-over. Best effort: never fails, never blocks on the process.
     */
    private void hint(String function) {
        String className = Protocol.classOfFunction(function);
        if (className == null) {
            return;
        }
        synchronized (lock) {
            if (state == State.PREPARING && control != null && writeFailure == null && startFailure == null
                    && hinted.add(className)) {
                write(Protocol.frame(Protocol.HINT, className), null);
            }
        }
    }

    private CompletableFuture<ForkChannel> runNow(String function) {
        CompletableFuture<ForkChannel> r = new CompletableFuture<>();
        synchronized (lock) {
            requirePreparing("run");
            state = State.RUN_REQUESTED;
            runFunction = function;
            running = r;
            if (startFailure == null) {
                write(Protocol.frame(Protocol.RUN, function), null);
                if (!readerDone) {
                    readerWanted = true;
                    startReaderIfConnected();
                    return r;
                }
                // else the reader (started by a fork) has already seen this process end
            }
        }
        failRun(r); // outside the lock: completing the future runs the caller's callbacks
        return r;
    }

    /** The raw control socket, after everything queued was written; this link is done with it. */
    ForkChannel detach() {
        try {
            attached.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the process to start", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        synchronized (lock) {
            requirePreparing("toChannel");
            if (startFailure != null) {
                throw new ForkException("jfork: " + startFailure, null, null, List.of(), null);
            }
            if (readerStarted) {
                throw new IllegalStateException("toChannel() is not possible after fork(): replies from the forks arrive on this socket");
            }
            if (writeFailure != null) {
                throw new ForkException("the process is gone: " + writeFailure.getMessage(), childError, exit.getNow(null),
                        stderrTail().lines(), writeFailure);
            }
            state = State.DETACHED;
            return control;
        }
    }

    /**
     * Closes a process that was not run: it reads end of stream and exits; a template's forks live
     * on. A template still answering (forks requested before close) gets a half-close, so it
     * finishes the forks it was asked for and reports them before it exits.
     */
    void close() {
        synchronized (lock) {
            if (state != State.PREPARING) {
                return;
            }
            state = State.CLOSED;
            if (control != null) {
                closeControl();
            }
        }
        killIfStillAliveLater();
    }

    private void closeControl() {
        if (readerStarted && !readerDone) {
            control.shutdownOutput();
        } else {
            control.close();
        }
        closeQueued();
    }

    private void requirePreparing(String what) {
        switch (state) {
            case PREPARING:
                return;
            case CLOSED:
                throw new IllegalStateException(what + ": this Fork was closed");
            case DETACHED:
                throw new IllegalStateException(what + ": this Fork was handed over with toChannel()");
            default:
                throw new IllegalStateException(what + ": run(\"" + runFunction + "\") was already called on this Fork");
        }
    }

    private static String describe(byte type) {
        switch (type) {
            case Protocol.REQUIRE:
                return "require";
            case Protocol.PRELOAD:
                return "preload";
            case Protocol.EVAL:
                return "eval";
            default:
                return "sendArg";
        }
    }

    private void writeFailed(IOException e) {
        if (writeFailure == null) {
            writeFailure = e;
            LOG.log(Level.DEBUG, "writing to process {0} failed: {1}", pidText(), e);
        }
    }

    // ------------------------------------------------------------------ replies

    private void startReaderIfConnected() {
        if (readerWanted && !readerStarted && control != null) {
            readerStarted = true;
            FdChannel ch = control;
            DaemonThreads.execute(() -> readReplies(ch));
        }
    }

    private void readReplies(FdChannel ch) {
        InputStream in = ch.inputStream();
        try {
            while (true) {
                Protocol.Frame f = Protocol.read(in, spec.maxFrameSize()); // replies are small; a huge one is malformed
                if (f == null) {
                    break;
                }
                switch (f.type) {
                    case Protocol.FORKED: {
                        ProcessLink child = forks.get(f.u32(0));
                        int[] fds;
                        try {
                            fds = ch.receiveFds(2);
                        } catch (FdPassing.DescriptorsDroppedException e) {
                            // this program is out of descriptors: only this fork is lost (it reads end
                            // of stream and exits; its EXITED reply still comes), the template lives on
                            if (child != null) {
                                long childPid = f.u32(4);
                                String why = "cannot take over the new process " + childPid + ": " + e.getMessage();
                                DaemonThreads.execute(() -> child.handOverFailed(childPid, why));
                            }
                            break;
                        }
                        if (child == null) {
                            closeAll(fds);
                        } else {
                            child.forked(f.u32(4), fds[0], fds[1]);
                        }
                        break;
                    }
                    case Protocol.EXITED: {
                        ProcessLink child = forks.remove(f.u32(0));
                        if (child != null) {
                            // the caller's onExit callbacks must not run on (and perhaps block) this reader
                            ForkExit e = ForkExit.fromWaitStatus(f.u32(4));
                            DaemonThreads.execute(() -> child.exit.complete(e));
                        }
                        break;
                    }
                    case Protocol.FORK_FAILED: {
                        ProcessLink child = forks.remove(f.u32(0));
                        if (child != null) {
                            String why = "the template could not start the process: " + f.utf8(4);
                            DaemonThreads.execute(() -> child.startFailed(why, -1L, null)); // its run callbacks: not on this reader
                        }
                        break;
                    }
                    case Protocol.FAILED:
                        childError = f.utf8(0);
                        break;
                    case Protocol.SPARES:
                        report(f.u32(0), null);
                        break;
                    case Protocol.ARCHIVE:
                        report(-2, (f.u32(0) == 1 ? "" : "none: ") + f.utf8(4));
                        break;
                    case Protocol.RUNNING:
                        handOver(ch);
                        return;
                    default:
                        throw new Protocol.MalformedFrameException("unknown reply '" + Protocol.printable(f.type) + "'");
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            // whatever ends the reader (even an Error such as a class that cannot be loaded any
            // more), the forks must be handed over to outside watching and run() must fail
            LOG.log(Level.DEBUG, "reading replies of process {0} ended: {1}", pidText(), e);
        }
        readerEnded(ch);
    }

    private void report(int spares, String archiveState) {
        synchronized (reports) {
            if (spares >= 0) {
                idleSpares = spares;
            }
            if (archiveState != null) {
                archive = archiveState;
            }
            reports.notifyAll();
        }
    }

    /** Waits until this template has at least {@code n} ready spares; false on timeout. */
    boolean awaitSpares(int n, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        synchronized (reports) {
            while (idleSpares < n) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return false;
                }
                reports.wait(left);
            }
            return true;
        }
    }

    /** Waits until this template reports its class-data archive: the path, or "none: reason"; null on timeout. */
    String awaitArchive(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        synchronized (reports) {
            while (archive == null) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return null;
                }
                reports.wait(left);
            }
            return archive;
        }
    }

    private void handOver(FdChannel ch) {
        CompletableFuture<ForkChannel> r;
        List<ProcessLink> orphans;
        synchronized (lock) {
            state = State.HANDED_OVER;
            r = running;
            orphans = stopReporting();
        }
        if (!r.complete(ch)) {
            ch.close();
        }
        orphanForks(orphans);
    }

    private void readerEnded(FdChannel ch) {
        List<ProcessLink> orphans;
        CompletableFuture<ForkChannel> r;
        synchronized (lock) {
            orphans = stopReporting();
            r = running;
        }
        orphanForks(orphans);
        if (r != null) {
            failRun(r);
        }
        ch.close();
        killIfStillAliveLater();
    }

    /**
     * Marks the reader done and takes the forks table, under the lock that fork() takes, so that no
     * fork is registered after the last look at it. Caller holds the lock.
     */
    private List<ProcessLink> stopReporting() {
        readerDone = true;
        List<ProcessLink> orphans = new ArrayList<>(forks.values());
        forks.clear();
        return orphans;
    }

    /**
     * This process will not report on its forks any more (it ended or was run): forks not started
     * yet failed, and the ends of the others can only be observed from outside.
     */
    private void orphanForks(List<ProcessLink> orphans) {
        for (ProcessLink child : orphans) {
            if (!child.pid.isDone()) {
                child.templateEnded(this);
            } else if (!child.exit.isDone()) {
                child.watchFromOutside();
            }
        }
    }

    /**
     * Its template ended (or was found gone) before starting this fork: it fails with the
     * template's own report, exit status and last stderr lines, which are waited for (at most the
     * exit timeout) without holding anything.
     */
    private void templateEnded(ProcessLink t) {
        String who = "the template process " + t.pidText();
        CompletableFuture<ForkException> why = t.exit.copy()
                .completeOnTimeout(null, spec.exitTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .thenCompose(e -> t.stderrTail().finished().copy()
                        .completeOnTimeout(t.stderrTail().lines(), spec.exitTimeout().toMillis(), TimeUnit.MILLISECONDS)
                        .thenApply(lines -> new ForkException("jfork: " + who + " ended before starting this fork"
                                + (t.childError != null ? " (below: the template's own report, exit and stderr)" : ""),
                                t.childError, e, lines, null)));
        startFailed(who + " ended before starting it", -1L, why);
    }

    /** Observes the end of a process this program cannot reap (its template is gone). */
    private void watchFromOutside() {
        Optional<ProcessHandle> h = ProcessHandle.of(pid.getNow(-1L));
        if (h.isEmpty()) {
            exit.complete(ForkExit.unknown("its template ended first"));
        } else {
            h.get().onExit().thenRun(() -> exit.complete(ForkExit.unknown("its template ended first")));
        }
    }

    /**
     * The fork could not be started, or not taken over: nothing queued for it will be sent. Its pid
     * is completed first, then its other futures, outside the lock, so that callbacks may ask for
     * anything. {@code why} (null: a plain exception with {@code reason}) is what run fails with.
     */
    private void startFailed(String reason, long knownPid, CompletableFuture<ForkException> why) {
        CompletableFuture<ForkChannel> r;
        List<int[]> queuedFds;
        synchronized (lock) {
            startFailure = reason;
            failureReport = why;
            queuedFds = takeQueuedFds();
            r = running;
        }
        for (int[] fds : queuedFds) {
            closeAll(fds);
        }
        pid.complete(knownPid);
        if (knownPid <= 0) {
            exit.complete(ForkExit.unknown("never started: " + reason));
        } // else it was started: its template reports its exit
        attached.complete(null);
        if (r != null) {
            failRun(r);
        }
    }

    /** The template started this fork, but its sockets could not be received (see the FORKED reply). */
    private void handOverFailed(long childPid, String reason) {
        startFailed(reason, childPid, null);
    }

    private void closeQueued() {
        for (int[] fds : takeQueuedFds()) {
            closeAll(fds);
        }
    }

    /** Empties the queue, returning the descriptors it held (to be closed). Caller holds the lock. */
    private List<int[]> takeQueuedFds() {
        List<int[]> fds = new ArrayList<>();
        for (Object o : pending) {
            if (o instanceof int[]) {
                fds.add((int[]) o);
            }
        }
        pending.clear();
        return fds;
    }

    /**
     * Fails the run future {@code r} with everything known about the process's end. Never called
     * with the lock held: the future may complete in this thread, and its callbacks are the caller's.
     */
    private void failRun(CompletableFuture<ForkChannel> r) {
        if (startFailure != null) {
            CompletableFuture<ForkException> why = failureReport;
            if (why == null) {
                r.completeExceptionally(new ForkException("jfork: " + startFailure, null, null, List.of(), null));
            } else {
                why.whenComplete((e, t) -> r.completeExceptionally(e != null ? e
                        : new ForkException("jfork: " + startFailure, null, null, List.of(), t)));
            }
            return;
        }
        killIfStillAliveLater();
        StderrTail tail = stderrTail();
        // the process reported an error (and exits) or died: wait for its end and its last words
        exit.thenCompose(e -> tail.finished().completeOnTimeout(tail.lines(), spec.exitTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .thenApply(lines -> new ForkException(failureText(), childError, e, lines, writeFailure)))
                .whenComplete((ex, t) -> r.completeExceptionally(ex != null ? ex
                        : new ForkException(failureText(), childError, null, tail.lines(), t)));
    }

    private String failureText() {
        String who = "jfork process " + pidText();
        if (childError != null) {
            return who + ": preparing the process failed before run(\"" + runFunction + "\")";
        }
        return who + " ended before entering run(\"" + runFunction + "\")";
    }

    /** A process that was closed or failed must exit; if it has not after exitTimeout, kill it. */
    private void killIfStillAliveLater() {
        if (adopted || exit.isDone() || !killScheduled.compareAndSet(false, true)) {
            return;
        }
        Timers.after(spec.exitTimeout(), this::killIfStillAlive);
    }

    /** The last stderr lines once the stderr pipe reached end of stream (empty if this program has no pipe). */
    CompletableFuture<List<String>> stderrLines() {
        return attached.thenCompose(v -> stderrTail().finished());
    }

    /** Kills the process now, or once its pid is known; nothing once it has ended. */
    void kill() {
        if (adopted) {
            return;
        }
        pid.thenAccept(p -> {
            if (p > 0 && !exit.isDone()) {
                Native.kill(p, Native.SIGKILL);
            }
        });
    }

    private void killIfStillAlive() {
        if (exit.isDone()) {
            return;
        }
        if (!pid.isDone()) {
            // not handed over by its template yet: give it the full time once its pid is known
            pid.thenRun(() -> Timers.after(spec.exitTimeout(), this::killIfStillAlive));
            return;
        }
        long p = pid.getNow(-1L);
        if (p > 0) {
            LOG.log(Level.WARNING, "jfork process {0} did not exit within {1}; killing it", p, spec.exitTimeout());
            Native.kill(p, Native.SIGKILL);
        }
    }

    private StderrTail stderrTail() {
        StderrTail t = stderr;
        return t != null ? t : StderrTail.none();
    }

    private static void closeAll(int[] fds) {
        if (fds != null) {
            for (int fd : fds) {
                Native.closeQuietly(fd);
            }
        }
    }

    String pidText() {
        Long p = pid.getNow(null);
        return p == null ? "(starting)" : p < 0 ? "(not started)" : String.valueOf(p);
    }

    boolean isAlive() {
        synchronized (lock) {
            if (state != State.PREPARING) {
                return false;
            }
        }
        return !exit.isDone() && !readerDone && writeFailure == null && startFailure == null;
    }

    boolean failedToStart() {
        return startFailure != null;
    }

    /** Called by the cleaner when the Fork object was dropped: a process nobody can run any more exits. */
    void abandoned() {
        close();
    }
}
