package dev.jfork.internal.parent;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import dev.jfork.ForkChannel;
import dev.jfork.ForkException;
import dev.jfork.ForkExit;
import dev.jfork.JvmSpec;
import dev.jfork.internal.concurrent.JforkThreads;
import dev.jfork.internal.events.JforkEvents;
import dev.jfork.internal.os.FdChannel;
import dev.jfork.internal.os.Native;
import dev.jfork.internal.os.OrderedWriter;
import dev.jfork.internal.wire.Frame;
import dev.jfork.internal.wire.FunctionRef;
import dev.jfork.internal.wire.Protocol;

/**
 * The parent's side of one process: its state (preparing, run, handed over, closed), what is known
 * about it (pid, exit, stderr, its error report), its commands and its replies. {@code Fork} is
 * the public face; this object is what pending work keeps alive, so configure-and-forget works.
 *
 * <p>Commands go through the process's own {@link OrderedWriter}: queued in order under this
 * link's lock (which only checks the state and queues), written without blocking the caller. A
 * fork's socket comes from its template (in the {@code FORKED} reply), so until then its commands
 * wait in that queue. A failed write (the process died) is remembered, not thrown: why the process
 * died is more useful than "broken pipe", and {@link #run} reports it. Replies are read by a
 * {@link ReplyReader}, started by the first {@code fork} or {@code run}; the forks of a template
 * are tracked by its {@link TemplateLink}.
 *
 * <p>No future is completed, and no callback runs, while the lock is held; the template's reader
 * hands fork exits and failures to another thread, so callbacks never run on (and block) it.
 */
public final class ProcessLink implements ReplyReader.Replies {
    private enum State { PREPARING, RUN_REQUESTED, HANDED_OVER, CLOSED, DETACHED }

    private final JvmSpec spec;
    private final boolean adopted;
    /** The machine the process runs on when it is not this one (fork-remote), else null; a template's forks share it. */
    private final ProcessHost host;
    /** The template this process was forked from (null otherwise): told which class its forks run. */
    private final ProcessLink template;
    private final CompletableFuture<Long> pid = new CompletableFuture<>();
    private final CompletableFuture<ForkExit> exit = new CompletableFuture<>();
    /** Completes once the process entered its function, was closed, handed over, failed or ended. */
    private final CompletableFuture<Void> settled = new CompletableFuture<>();
    /** Completes when the control socket is known (at once, except for forks), or never will be. */
    private final CompletableFuture<Void> attached = new CompletableFuture<>();
    private final OrderedWriter writer = new OrderedWriter(this::writeFailed);
    private final ExitDeadline deadline;
    private final Object lock = new Object();
    /**
     * This process as a template: its forks and its reports; made on first need (most processes
     * are never forked from, and a fork's own link is on the way of every fork()).
     */
    private volatile TemplateLink forks;
    /** Preparation entries sent so far (frames, and one per descriptor), as the process's replay log counts them. Guarded by lock. */
    private int prepared;
    /** For a process on another machine: every preparation frame sent, in order (they carry no descriptors). Guarded by lock. */
    private final List<byte[]> sentToRemote = new java.util.ArrayList<>();

    // guarded by lock
    private FdChannel control;
    private State state = State.PREPARING;
    private boolean readerWanted;
    private boolean readerStarted;
    /** kill() was called: forks are no longer asked for (they fail with the template's end). */
    private boolean killed;
    private CompletableFuture<ForkChannel> running;
    private String runFunction;

    /** JFR events in progress (null unless a recording wants them): this fork's hand-over, its run. */
    private volatile Object handOverEvent;
    private volatile Object runEvent;
    private volatile StderrTail stderr;
    private volatile boolean readerDone;
    private volatile IOException writeFailure;
    private volatile String childError;
    private volatile String startFailure;
    /** What run fails with after a start failure, when there is more to say than startFailure (null otherwise). */
    private volatile CompletableFuture<ForkException> failureReport;

    ProcessLink(JvmSpec spec, boolean adopted, ProcessLink template) {
        this(spec, adopted, template, template != null ? template.host : null);
    }

    private ProcessLink(JvmSpec spec, boolean adopted, ProcessLink template, ProcessHost host) {
        this.spec = spec;
        this.adopted = adopted;
        this.template = template;
        this.host = host;
        this.deadline = new ExitDeadline(pid, exit, spec.exitTimeout(), host != null ? host::kill : ExitDeadline::killHere);
        exit.whenComplete((e, t) -> settled.complete(null));
    }

    /**
     * A process started on another machine ({@code host}), reached here through {@code controlFd}
     * and {@code stderrFd}, which a connection to that machine feeds (fork-remote). Its end is
     * told with {@link #ended(ForkExit)}; {@code template} says it was started to be forked from.
     */
    public static ProcessLink remote(JvmSpec spec, ProcessHost host, long remotePid, int controlFd, int stderrFd, boolean template) {
        ProcessLink link = new ProcessLink(spec, false, null, java.util.Objects.requireNonNull(host, "host"));
        link.connect(controlFd, stderrFd);
        link.pid.complete(remotePid);
        if (template) {
            link.park();
        }
        return link;
    }

    /** Wraps a control socket of a process that some other link (maybe in another program) prepared. */
    public static ProcessLink adopt(int fd) {
        ProcessLink link = new ProcessLink(JvmSpec.defaults(), true, null);
        link.connect(fd, -1);
        link.pid.complete(-1L);
        link.exit.completeExceptionally(new IllegalStateException(
                "the exit of a process adopted with Fork.fromFd is not known to this program"));
        return link;
    }

    public JvmSpec spec() {
        return spec;
    }

    /** The pid: -1 if the process could not be started or is not this program's to know. */
    public CompletableFuture<Long> pid() {
        return pid;
    }

    public CompletableFuture<ForkExit> exit() {
        return exit;
    }

    // ------------------------------------------------------------------ life

    /** A direct child was spawned (see {@link Launcher}). */
    void started(int childPid) {
        pid.complete((long) childPid);
    }

    /** A direct child was reaped, or a process on another host ended. */
    public void ended(ForkExit how) {
        exit.complete(how);
    }

    /**
     * Completes (on whichever thread learns of it: hand work off) once the process entered its
     * function, was closed or handed over, could not be started, or ended.
     */
    public CompletableFuture<Void> settled() {
        return settled;
    }

    /** Sets the control socket (and stderr pipe): what was queued for it starts to be written. */
    void connect(int controlFd, int stderrFd) {
        pumpStderr(stderrFd < 0 ? StderrTail.none() : StderrTail.start(stderrFd, spec.stderrLines(), spec::stderrSink));
        attach(new FdChannel(controlFd));
    }

    /** Sets the stderr pump, ahead of the control socket (a process that connects back: its boot errors count). */
    void pumpStderr(StderrTail tail) {
        stderr = tail;
    }

    /** Sets the control socket: what was queued for it starts to be written. */
    void attach(FdChannel ch) {
        boolean closed;
        synchronized (lock) {
            control = ch;
            closed = state == State.CLOSED;
        }
        // the queue first (the process waits for it), the reader after: replies wait in the socket meanwhile
        writer.attach(ch); // flushes the queue: here as far as it fits, the rest in the background
        synchronized (lock) {
            startReaderIfWanted(); // a template closed with forks pending still reports them
        }
        if (closed) {
            closeAfterWrites(ch); // closed before its socket arrived: what it was sent goes first
        }
        attached.complete(null);
    }

    // ------------------------------------------------------------------ commands

    /**
     * Asks this process to fork; the new process is prepared with everything this one was sent so
     * far. A spare this template handed over ahead of time (parked here) is taken at once and
     * caught up from the {@link PreparationLog}, without a round trip to the template; otherwise
     * the template is asked ({@code FORK}) and the new process's socket arrives in {@code FORKED}.
     */
    public ProcessLink fork() {
        return fork(true);
    }

    /**
     * A fork made of a spare parked here, or null (and nothing asked of the template) if none is
     * ready or this template forks no more. {@code DefaultTemplate} starts a process itself then.
     */
    public ProcessLink forkOfParkedSpare() {
        return fork(false);
    }

    /**
     * A fork was asked of this template and served elsewhere ({@code TAKEN} with id 0): it counts
     * toward the burst the template keeps spares for.
     */
    public void demanded() {
        synchronized (lock) {
            if (state == State.PREPARING && writeFailure == null && startFailure == null && !killed) {
                writer.write(Frame.encode(Protocol.TAKEN, 0, new byte[0]));
            }
        }
    }

    private ProcessLink fork(boolean mayAsk) {
        Object event = JforkEvents.handOverBegin();
        ProcessLink child = new ProcessLink(spec, false, this);
        child.handOverEvent = event;
        TemplateLink.Parked spare = null;
        boolean templateGone;
        synchronized (lock) {
            if (!mayAsk && state != State.PREPARING) {
                return null;
            }
            requirePreparing("fork");
            templateGone = writeFailure != null || readerDone || startFailure != null || killed;
            if (templateGone && !mayAsk) {
                return null;
            }
            if (!templateGone) {
                parkLocked(); // the first fork: from now on this template's spares are parked here
                spare = forks().takeParked();
                while (spare != null && !forks().log.replay(child.writer, spare.position)) {
                    spare.close(); // cannot be caught up (a descriptor went missing): it exits
                    spare = forks().takeParked();
                }
                if (spare == null && !mayAsk) {
                    return null;
                }
                if (spare != null) {
                    forks().put(spare.id, child); // its exit is reported under the spare's id
                    // told after the fork's first command is out (see run and close): a system call less on its way
                    writer.writeLater(Frame.encode(Protocol.TAKEN, spare.id, new byte[0]));
                } else {
                    writer.write(Frame.encode(Protocol.FORK, forks().register(child), new byte[0]));
                }
                startReaderIfWanted();
            }
        }
        if (templateGone) {
            child.templateEnded(this); // outside the lock: it completes the child's futures
        } else if (spare != null) {
            child.pid.complete(spare.pid);
            child.connect(spare.control, spare.stderr); // writes the catch-up, then what the caller sends
            child.handedOver(JforkEvents.PARKED_SPARE);
        }
        return child;
    }

    /**
     * From now on the template hands its spares over to be parked here ({@code PARK}, sent once):
     * a process started as a template at once, any other on its first fork or keepSpares.
     */
    public void park() {
        synchronized (lock) {
            if (state == State.PREPARING && writeFailure == null && startFailure == null) {
                parkLocked();
                startReaderIfWanted();
            }
        }
    }

    /** This process as a template, made now if it was not one. */
    private TemplateLink forks() {
        TemplateLink t = forks;
        if (t == null) {
            synchronized (lock) {
                t = forks;
                if (t == null) {
                    forks = t = new TemplateLink(prepared);
                }
            }
        }
        return t;
    }

    /** A template that forks no more: its parked spares end (nothing if it never was one). */
    private void endParking() {
        TemplateLink t = forks;
        if (t != null) {
            t.endParking();
        }
    }

    /** Caller holds the lock. */
    private void parkLocked() {
        readerWanted = true;
        if (forks().park()) {
            writer.write(Frame.encode(Protocol.PARK, new byte[0]));
        }
    }

    /** Asks this template to keep at least {@code count} spares ready (its spec's maxSpares bounds it). */
    public void keepSpares(int count) {
        synchronized (lock) {
            requirePreparing("keepSpares");
            parkLocked();
            writer.write(Frame.encode(Protocol.KEEP_SPARES, Frame.ints(count)));
            startReaderIfWanted();
        }
    }

    /** Queues a command frame. */
    public void send(byte type, byte[] payload) {
        if (payload.length > spec.maxFrameSize()) {
            throw new IllegalArgumentException("command of " + payload.length + " bytes exceeds maxFrameSize "
                    + spec.maxFrameSize() + " (JvmSpec.Builder.maxFrameSize)");
        }
        byte[] frame = Frame.encode(type, payload);
        synchronized (lock) {
            requirePreparing(describe(type));
            writer.write(frame);
            if (host != null) {
                sentToRemote.add(frame); // what a revived template is prepared with
            }
            prepared++;
            TemplateLink t = forks;
            if (t != null) {
                t.log.frame(frame); // a parked spare is caught up from here
            }
        }
    }

    /** Sends descriptors this link owns (duplicates made by the caller); they are closed in any case. */
    public void sendFds(int[] fds) {
        if (host != null) {
            closeAll(fds);
            requireLocal();
        }
        synchronized (lock) {
            try {
                requirePreparing("sendFd");
            } catch (IllegalStateException e) {
                closeAll(fds);
                throw e;
            }
            writer.write(Frame.encode(Protocol.ARG_FDS, Frame.ints(fds.length)));
            prepared += fds.length;
            TemplateLink t = forks;
            if (t != null) {
                t.log.fds(fds); // duplicates of its own, before the writer owns (and closes) these
            }
            writer.sendFds(fds); // the writer's from here on: sent and closed, or closed
        }
    }

    /** Enters the run function; the future completes with the socket once the child has entered it. */
    public CompletableFuture<ForkChannel> run(String function) {
        CompletableFuture<ForkChannel> r = new CompletableFuture<>();
        runEvent = JforkEvents.runBegin();
        boolean fail = true;
        synchronized (lock) {
            requirePreparing("run");
            state = State.RUN_REQUESTED;
            endParking(); // a template that runs forks no more: its parked spares end
            runFunction = function;
            running = r;
            if (startFailure == null) {
                writer.write(Frame.encode(Protocol.RUN, 0, function));
                if (!readerDone) {
                    readerWanted = true;
                    startReaderIfWanted();
                    fail = false;
                } // else the reader (started by a fork) has already seen this process end
            }
        }
        if (fail) {
            failRun(r); // outside the lock: completing the future runs the caller's callbacks
        } else if (template != null) {
            template.hint(function); // after the RUN frame: the hint must not delay this fork
        }
        if (template != null) {
            template.writer.flush(); // TAKEN, held back by fork()
        }
        return r;
    }

    /**
     * Tells this template which class a fork's function belongs to, once per class, so its spares
     * can load it ahead of the next hand-over. Best effort: never fails, never blocks on the process.
     */
    private void hint(String function) {
        String className = FunctionRef.classOf(function);
        if (className == null) {
            return;
        }
        synchronized (lock) {
            if (state == State.PREPARING && writeFailure == null && startFailure == null && forks().firstHint(className)) {
                byte[] frame = Frame.encode(Protocol.HINT, 0, className);
                writer.write(frame);
                forks().hintParked(frame); // the spares parked here load it too
            }
        }
    }

    /** The raw control socket, after everything queued was written; this link is done with it. */
    public ForkChannel detach() {
        try {
            attached.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the process to start", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        FdChannel ch;
        synchronized (lock) {
            requirePreparing("toChannel");
            if (startFailure != null) {
                throw new ForkException("jfork: " + startFailure, null, null, List.of(), null);
            }
            if (readerStarted) {
                throw new IllegalStateException("toChannel() is not possible after fork(): replies from the forks arrive on this socket");
            }
            state = State.DETACHED;
            ch = control;
            endParking(); // the new owner gets spares of its own
        }
        settled.complete(null);
        try {
            writer.awaitWritten();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing what was sent to the process", e);
        }
        IOException failed = writeFailure;
        if (failed != null) {
            throw new ForkException("the process is gone: " + failed.getMessage(), childError, exit.getNow(null),
                    stderrTail().lines(), failed);
        }
        return ch;
    }

    /**
     * Closes a process that was not run: it reads end of stream and exits; a template's forks live
     * on. A template still answering (forks requested before close) gets a half-close after its
     * queued commands, so it finishes the forks it was asked for and reports them before it exits.
     */
    public void close() {
        FdChannel ch;
        synchronized (lock) {
            if (state != State.PREPARING) {
                return;
            }
            state = State.CLOSED;
            ch = control;
        }
        endParking(); // they exit; its template reports that
        if (template != null) {
            template.writer.flush(); // TAKEN, held back by fork()
        }
        settled.complete(null);
        if (ch != null) {
            closeAfterWrites(ch);
        } // else connect() does it: the commands queued so far are sent first, as they would have been
        deadline.arm();
    }

    /** Ends the process's command stream once everything queued is written: a half-close while the reader waits for replies. */
    private void closeAfterWrites(FdChannel ch) {
        boolean halfClose;
        synchronized (lock) {
            halfClose = readerStarted && !readerDone;
        }
        writer.then(halfClose ? ch::shutdownOutput : ch::close);
    }

    /**
     * Kills the process now, or once its pid is known; nothing once it has ended. A template forks
     * no more from here on: its parked spares are let go at once, so a {@code fork()} that follows
     * fails with the template's end instead of running a spare of a template that is dying.
     */
    public void kill() {
        if (!adopted) {
            synchronized (lock) {
                killed = true;
            }
            endParking();
            deadline.killNow();
        }
    }

    /** Called when the Fork object was dropped: a process nobody can run any more exits. */
    public void abandoned() {
        close();
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
        writeFailure = e;
        Log.LOG.log(Level.DEBUG, "writing to process {0} failed: {1}", pidText(), e);
    }

    private void startReaderIfWanted() {
        if (readerWanted && !readerStarted && control != null) {
            readerStarted = true;
            ReplyReader.start(control, spec.maxFrameSize(), pidText(), this);
        }
    }

    // ------------------------------------------------------------------ replies (on the reader's thread)

    @Override
    public void failed(String report) {
        childError = report;
    }

    @Override
    public void forked(int forkId, long childPid, int controlFd, int stderrFd) {
        ProcessLink child = forks().get(forkId);
        if (child == null) {
            Native.closeQuietly(controlFd);
            Native.closeQuietly(stderrFd);
            return;
        }
        child.pid.complete(childPid);
        child.connect(controlFd, stderrFd); // never blocks: its queue is written by its own writer
        child.handedOver(JforkEvents.TEMPLATE);
    }

    /** This fork's socket is here: its hand-over event ends. */
    private void handedOver(String source) {
        Object e = handOverEvent;
        if (e != null) {
            handOverEvent = null;
            JforkEvents.handOverEnd(e, template == null ? 0 : template.pid.getNow(-1L), pid.getNow(-1L), source);
        }
    }

    /** The run event ends: the function was entered, or the process failed before. */
    private void runSettled(boolean entered) {
        Object e = runEvent;
        if (e != null) {
            runEvent = null;
            JforkEvents.runEnd(e, pid.getNow(-1L), runFunction, entered);
        }
    }

    @Override
    public void forkUnreachable(int forkId, long childPid, String reason) {
        ProcessLink child = forks().get(forkId);
        if (child != null) {
            // only this fork is lost (it reads end of stream and exits; its EXITED still comes)
            JforkThreads.io(() -> child.startFailed(reason, childPid, null));
        }
    }

    @Override
    public void exited(int forkId, int status) {
        ProcessLink child = forks().remove(forkId);
        if (child == null) {
            forks().dropParked(forkId); // a parked spare ended
        } else {
            ForkExit e = Launcher.exitOf(status);
            JforkThreads.io(() -> child.exit.complete(e)); // the caller's onExit callbacks must not run on this reader
        }
    }

    @Override
    public void forkFailed(int forkId, String reason) {
        ProcessLink child = forks().remove(forkId);
        if (child != null) {
            String why = "the template could not start the process: " + reason;
            JforkThreads.io(() -> child.startFailed(why, -1L, null)); // its run callbacks: not on this reader
        }
    }

    @Override
    public void spare(int spareId, long sparePid, int position, int controlFd, int stderrFd) {
        forks().addParked(new TemplateLink.Parked(spareId, sparePid, position, controlFd, stderrFd)); // closed if parking is over
    }

    @Override
    public void retire(int spareId) {
        forks().dropParked(spareId);
    }

    @Override
    public void spares(int count) {
        forks().spares(count);
    }

    @Override
    public void archive(boolean ok, String text) {
        forks().archive((ok ? "" : "none: ") + text);
    }

    @Override
    public void running(FdChannel ch) {
        CompletableFuture<ForkChannel> r;
        List<ProcessLink> orphans;
        synchronized (lock) {
            state = State.HANDED_OVER;
            r = running;
            orphans = stopReporting();
        }
        runSettled(true);
        if (!r.complete(ch)) {
            ch.close();
        }
        orphanForks(orphans);
        settled.complete(null);
    }

    @Override
    public void ended(FdChannel ch) {
        List<ProcessLink> orphans;
        CompletableFuture<ForkChannel> r;
        synchronized (lock) {
            orphans = stopReporting();
            r = running;
        }
        endParking();
        orphanForks(orphans);
        if (r != null) {
            failRun(r);
        }
        ch.close();
        deadline.arm();
        settled.complete(null);
    }

    /**
     * Marks the reader done and takes the forks table, under the lock that fork() takes, so that no
     * fork is registered after the last look at it. Caller holds the lock.
     */
    private List<ProcessLink> stopReporting() {
        readerDone = true;
        TemplateLink t = forks;
        return t == null ? List.of() : t.takeAll();
    }

    /**
     * This process will not report on its forks any more (it ended or was run): forks not started
     * yet fail, and the ends of the others can only be observed from outside.
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

    /** Observes the end of a process this program cannot reap (its template is gone). */
    private void watchFromOutside() {
        if (host != null) {
            exit.complete(ForkExit.unknown("its template on " + host.name() + " ended first"));
            return;
        }
        Optional<ProcessHandle> h = ProcessHandle.of(pid.getNow(-1L));
        if (h.isEmpty()) {
            exit.complete(ForkExit.unknown("its template ended first"));
        } else {
            h.get().onExit().thenRun(() -> exit.complete(ForkExit.unknown("its template ended first")));
        }
    }

    /**
     * Its template ended (or was found gone) before starting this fork: it fails with the
     * template's own report, exit status and last stderr lines, which are waited for (at most the
     * exit timeout) without holding anything.
     */
    private void templateEnded(ProcessLink t) {
        String who = "the template process " + t.pidText();
        startFailed(who + " ended before starting it", -1L, t.endReport(() -> "jfork: " + who + " ended before starting this fork"
                + (t.childError != null ? " (below: the template's own report, exit and stderr)" : "")));
    }

    /**
     * A process that was to connect back ({@link ConnectBackLauncher}) will not: it ended first, or
     * its connection failed. Its run fails with {@code reason}, its exit status and its last stderr
     * lines.
     */
    void neverConnected(String reason) {
        String who = "jfork process " + pidText();
        startFailed(reason, pid.getNow(-1L), endReport(() -> who + " " + reason));
        // as when a reader sees the end: the forks asked of it meanwhile fail with its end
        List<ProcessLink> orphans;
        synchronized (lock) {
            orphans = stopReporting();
        }
        endParking();
        orphanForks(orphans);
    }

    /**
     * Once this process has ended and its stderr is read (each waited for at most the exit
     * timeout, without holding anything): an exception with the message, its own report, its exit
     * status and its last stderr lines.
     */
    private CompletableFuture<ForkException> endReport(java.util.function.Supplier<String> message) {
        long wait = spec.exitTimeout().toMillis();
        return exit.copy().completeOnTimeout(null, wait, TimeUnit.MILLISECONDS)
                .thenCompose(e -> stderrTail().finished().copy().completeOnTimeout(stderrTail().lines(), wait, TimeUnit.MILLISECONDS)
                        .thenApply(lines -> new ForkException(message.get(), childError, e, lines, null)));
    }

    /**
     * The fork could not be started, or not taken over: nothing queued for it will be sent. Its pid
     * is completed first, then its other futures, outside the lock, so that callbacks may ask for
     * anything. {@code why} (null: a plain exception with {@code reason}) is what run fails with.
     */
    private void startFailed(String reason, long knownPid, CompletableFuture<ForkException> why) {
        CompletableFuture<ForkChannel> r;
        synchronized (lock) {
            startFailure = reason;
            failureReport = why;
            r = running;
        }
        writer.drop(); // closes the descriptors queued for it
        settled.complete(null);
        pid.complete(knownPid);
        if (knownPid <= 0) {
            exit.complete(ForkExit.unknown("never started: " + reason));
        } // else it was started: its template reports its exit
        attached.complete(null);
        if (r != null) {
            failRun(r);
        }
    }

    /**
     * Fails the run future {@code r} with everything known about the process's end. Never called
     * with the lock held: the future may complete in this thread, and its callbacks are the caller's.
     */
    private void failRun(CompletableFuture<ForkChannel> r) {
        runSettled(false);
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
        deadline.arm();
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

    /** The last stderr lines once the stderr pipe reached end of stream (empty if this program has no pipe). */
    public CompletableFuture<List<String>> stderrLines() {
        return attached.thenCompose(v -> stderrTail().finished());
    }

    private StderrTail stderrTail() {
        StderrTail t = stderr;
        return t != null ? t : StderrTail.none();
    }

    private static void closeAll(int[] fds) {
        for (int fd : fds) {
            Native.closeQuietly(fd);
        }
    }

    public String pidText() {
        Long p = pid.getNow(null);
        String text = p == null ? "(starting)" : p < 0 ? "(not started)" : String.valueOf(p);
        return host == null ? text : text + " on " + host.name();
    }

    /**
     * A new template on this one's host, prepared with everything this one was sent, for a
     * template whose connection died (a pool reconnects with it). Null if this process is not on
     * another machine or its host cannot start another.
     *
     * @throws RuntimeException if the host is unreachable (the connection cannot be made again)
     */
    public ProcessLink revive() {
        if (host == null) {
            return null;
        }
        List<byte[]> frames;
        synchronized (lock) {
            frames = new java.util.ArrayList<>(sentToRemote);
        }
        ProcessLink fresh = host.startAgain();
        if (fresh == null) {
            return null;
        }
        synchronized (fresh.lock) {
            for (byte[] frame : frames) {
                fresh.writer.write(frame);
                fresh.sentToRemote.add(frame);
                fresh.prepared++;
                TemplateLink t = fresh.forks;
                if (t != null) {
                    t.log.frame(frame);
                }
            }
        }
        return fresh;
    }

    /** Fails at once for a process on another machine: descriptors cannot reach it. */
    public void requireLocal() {
        if (host != null) {
            throw new UnsupportedOperationException("sendFd: this process runs on " + host.name()
                    + "; a descriptor cannot be sent to another machine (send what it needs to open instead: a path, a port)");
        }
    }

    /** The machine the process runs on, or null for this one. */
    public ProcessHost host() {
        return host;
    }

    /** Whether this process can still be prepared or forked. */
    public boolean isAlive() {
        synchronized (lock) {
            if (state != State.PREPARING) {
                return false;
            }
        }
        return !exit.isDone() && !readerDone && writeFailure == null && startFailure == null;
    }

    public boolean failedToStart() {
        return startFailure != null;
    }

    // ------------------------------------------------------------------ for tests and benchmarks

    /** Waits until this template has at least {@code n} ready spares; false on timeout. */
    public boolean awaitSpares(int n, long millis) throws InterruptedException {
        return forks().awaitSpares(n, millis);
    }

    /** How many of this template's spares are parked in this program now. */
    public int parkedSpares() {
        return forks().parkedCount();
    }

    /** Waits until this template reports its class-data archive: the path, or "none: reason"; null on timeout. */
    public String awaitArchive(long millis) throws InterruptedException {
        return forks().awaitArchive(millis);
    }
}
