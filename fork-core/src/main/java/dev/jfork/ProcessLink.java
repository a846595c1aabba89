package dev.jfork;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.jfork.internal.DaemonThreads;
import dev.jfork.internal.FdChannel;
import dev.jfork.internal.Lifeline;
import dev.jfork.internal.Native;
import dev.jfork.internal.Protocol;
import dev.jfork.internal.Reaper;
import dev.jfork.internal.Spawner;
import dev.jfork.internal.StderrTail;
import dev.jfork.internal.Timers;

/**
 * The parent's side of one process: its control socket, what it is known to be (pid, exit,
 * stderr), and the processes forked from it. {@link Fork} is the public face; this object is what
 * pending work keeps alive, so configure-and-forget works.
 *
 * <p>Commands are written in the calling thread, in order, under the link's lock. A failed write
 * (the process died) is remembered, not thrown: the reason the process died is more useful than
 * "broken pipe", and {@link #run} reports it. Replies are read by one reader task, started by the
 * first {@code fork} or {@code run}.
 */
final class ProcessLink {
    private static final System.Logger LOG = System.getLogger("dev.jfork");

    private enum State { PREPARING, RUN_REQUESTED, HANDED_OVER, CLOSED, DETACHED }

    final JvmSpec spec;
    final FdChannel control;
    /** The process that spawned this one, or null if this program spawned it (or adopted it). */
    private final ProcessLink spawner;
    private final int forkId;
    private final boolean adopted;
    final CompletableFuture<Long> pid = new CompletableFuture<>();
    final CompletableFuture<ForkExit> exit = new CompletableFuture<>();
    final StderrTail stderr;

    private final Map<Integer, ProcessLink> forks = new ConcurrentHashMap<>();
    private final AtomicInteger nextForkId = new AtomicInteger();
    private final Object lock = new Object();
    private State state = State.PREPARING;
    private boolean readerStarted;
    private volatile boolean readerDone;
    private volatile IOException writeFailure;
    private volatile String childError;
    private volatile String startFailure;
    private CompletableFuture<ForkChannel> running;
    private String runFunction;
    private final AtomicBoolean killScheduled = new AtomicBoolean();

    private ProcessLink(JvmSpec spec, FdChannel control, ProcessLink spawner, int forkId, StderrTail stderr, boolean adopted) {
        this.spec = spec;
        this.control = control;
        this.spawner = spawner;
        this.forkId = forkId;
        this.stderr = stderr;
        this.adopted = adopted;
    }

    // ------------------------------------------------------------------ creation

    /** Spawns a fresh JVM running the child server, as a direct child of this program. */
    static ProcessLink exec(JvmSpec spec, String role) {
        int[] socket = null;
        int[] err = null;
        try {
            socket = Native.socketPair();
            err = Native.pipe();
            int lifeline = Lifeline.readFd();
            List<String> argv = ChildCommand.argv(spec, ProcessHandle.current().pid(), Protocol.FD_LIFELINE, role);
            int[] map = {socket[1], 1, err[1], lifeline};
            int pid = Spawner.spawn(argv, ChildCommand.envp(spec),
                    spec.workingDirectory() == null ? null : spec.workingDirectory().toFile(), map);
            ProcessLink link = new ProcessLink(spec, new FdChannel(socket[0]), null, 0,
                    StderrTail.start(err[0], spec.stderrLines(), spec::stderrSink), false);
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
            if (socket != null) {
                Native.closeQuietly(socket[0]);
                Native.closeQuietly(socket[1]);
            }
            if (err != null) {
                Native.closeQuietly(err[0]);
                Native.closeQuietly(err[1]);
            }
        }
    }

    /** Wraps a control socket of a process that some other link (maybe in another program) prepared. */
    static ProcessLink adopt(int fd) {
        ProcessLink link = new ProcessLink(JvmSpec.defaults(), new FdChannel(fd), null, 0, StderrTail.none(), true);
        link.pid.complete(-1L);
        link.exit.completeExceptionally(new IllegalStateException(
                "the exit of a process adopted with Fork.fromFd is not known to this program"));
        return link;
    }

    /** Asks this process to fork; the new process is prepared with everything this one was sent so far. */
    ProcessLink fork() {
        int[] socket = null;
        int[] err = null;
        ProcessLink child = null;
        try {
            socket = Native.socketPair();
            err = Native.pipe();
            int id = nextForkId.incrementAndGet();
            child = new ProcessLink(spec, new FdChannel(socket[0]), this, id,
                    StderrTail.start(err[0], spec.stderrLines(), spec::stderrSink), false);
            socket[0] = -1;
            err[0] = -1;
            synchronized (lock) {
                requirePreparing("fork");
                if (writeFailure != null || readerDone) {
                    child.startFailed("the template process is gone" + (exit.isDone() ? " (" + exit.getNow(null) + ")" : ""));
                    return child;
                }
                forks.put(id, child);
                startReader();
                try {
                    control.writeFully(Protocol.frame(Protocol.FORK, Protocol.ints(id)));
                    control.sendFds(new int[] {socket[1], err[1]});
                } catch (IOException e) {
                    writeFailed(e);
                    forks.remove(id);
                    child.startFailed("the template process is gone: " + e.getMessage());
                }
            }
            return child;
        } catch (IOException e) {
            if (child != null) {
                child.startFailed("cannot fork: " + e.getMessage());
                return child;
            }
            throw new ForkException("cannot fork: " + e.getMessage(), null, null, null, e);
        } finally {
            if (socket != null) {
                Native.closeQuietly(socket[0]);
                Native.closeQuietly(socket[1]);
            }
            if (err != null) {
                Native.closeQuietly(err[0]);
                Native.closeQuietly(err[1]);
            }
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
            if (writeFailure != null) {
                return;
            }
            try {
                control.writeFully(frame);
            } catch (IOException e) {
                writeFailed(e);
            }
        }
    }

    /** Sends descriptors this link owns (duplicates made by the caller); they are closed here in any case. */
    void sendFds(int[] fds) {
        try {
            synchronized (lock) {
                requirePreparing("sendFd");
                if (writeFailure != null) {
                    return;
                }
                try {
                    control.writeFully(Protocol.frame(Protocol.ARG_FDS, Protocol.ints(fds.length)));
                    control.sendFds(fds);
                } catch (IOException e) {
                    writeFailed(e);
                }
            }
        } finally {
            for (int fd : fds) {
                Native.closeQuietly(fd);
            }
        }
    }

    CompletableFuture<ForkChannel> run(String function) {
        synchronized (lock) {
            requirePreparing("run");
            state = State.RUN_REQUESTED;
            runFunction = function;
            running = new CompletableFuture<>();
            if (startFailure != null) {
                failRun();
                return running;
            }
            if (writeFailure == null) {
                try {
                    control.writeFully(Protocol.frame(Protocol.RUN, function));
                } catch (IOException e) {
                    writeFailed(e);
                }
            }
            startReader();
            return running;
        }
    }

    /** The raw control socket, after everything queued was written; this link is done with it. */
    ForkChannel detach() {
        synchronized (lock) {
            requirePreparing("toChannel");
            if (readerStarted) {
                throw new IllegalStateException("toChannel() is not possible after fork(): replies from the forks arrive on this socket");
            }
            if (writeFailure != null) {
                throw new ForkException("the process is gone: " + writeFailure.getMessage(), childError, exit.getNow(null),
                        stderr.lines(), writeFailure);
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
        boolean answering;
        synchronized (lock) {
            if (state != State.PREPARING) {
                return;
            }
            state = State.CLOSED;
            answering = readerStarted && !readerDone;
        }
        if (answering) {
            control.shutdownOutput();
        } else {
            control.close();
        }
        killIfStillAliveLater();
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

    private void startReader() {
        if (!readerStarted) {
            readerStarted = true;
            DaemonThreads.execute(this::readReplies);
        }
    }

    private void readReplies() {
        InputStream in = control.inputStream();
        String endReason = "end of stream";
        try {
            while (true) {
                Protocol.Frame f = Protocol.read(in, Integer.MAX_VALUE);
                if (f == null) {
                    break;
                }
                switch (f.type) {
                    case Protocol.FORKED:
                        forked(f.u32(0), f.u32(4));
                        break;
                    case Protocol.EXITED:
                        exited(f.u32(0), f.u32(4));
                        break;
                    case Protocol.FORK_FAILED: {
                        ProcessLink child = forks.remove(f.u32(0));
                        if (child != null) {
                            child.startFailed("the template could not start the process: " + f.utf8(4));
                        }
                        break;
                    }
                    case Protocol.FAILED:
                        childError = f.utf8(0);
                        break;
                    case Protocol.RUNNING:
                        handOver();
                        return;
                    default:
                        throw new Protocol.MalformedFrameException("unknown reply '" + Protocol.printable(f.type) + "'");
                }
            }
        } catch (IOException | RuntimeException e) {
            endReason = e.toString();
            LOG.log(Level.DEBUG, "reading replies of process {0} ended: {1}", pidText(), e);
        }
        readerEnded(endReason);
    }

    private void forked(int id, int childPid) {
        ProcessLink child = forks.get(id);
        if (child != null) {
            child.pid.complete((long) childPid);
            if (child.exit.isDone()) {
                forks.remove(id);
            }
        }
    }

    private void exited(int id, int status) {
        ProcessLink child = forks.remove(id);
        if (child != null) {
            child.exit.complete(ForkExit.fromWaitStatus(status));
        }
    }

    private void handOver() {
        CompletableFuture<ForkChannel> r;
        synchronized (lock) {
            state = State.HANDED_OVER;
            r = running;
        }
        readerDone = true;
        if (!r.complete(control)) {
            control.close();
        }
        orphanForks();
    }

    private void readerEnded(String reason) {
        readerDone = true;
        orphanForks();
        CompletableFuture<ForkChannel> r;
        synchronized (lock) {
            r = running;
        }
        if (r != null) {
            failRun();
        }
        control.close();
        killIfStillAliveLater();
    }

    /**
     * This process will not report on its forks any more (it exited or was run): forks not started yet
     * failed, and the exits of the others can only be observed from outside.
     */
    private void orphanForks() {
        for (ProcessLink child : forks.values()) {
            if (!child.pid.isDone()) {
                child.startFailed("the template process ended before starting it" + (exit.isDone() ? " (" + exit.getNow(null) + ")" : ""));
            } else if (!child.exit.isDone()) {
                child.watchFromOutside();
            }
        }
        forks.clear();
    }

    /** Observe the end of a process this program cannot reap (its template is gone). */
    private void watchFromOutside() {
        long p = pid.getNow(-1L);
        java.util.Optional<ProcessHandle> h = ProcessHandle.of(p);
        if (h.isEmpty()) {
            exit.complete(ForkExit.unknown("its template ended first"));
        } else {
            h.get().onExit().thenRun(() -> exit.complete(ForkExit.unknown("its template ended first")));
        }
    }

    /** The fork could not be started at all. */
    private void startFailed(String reason) {
        synchronized (lock) {
            startFailure = reason;
            if (running != null) {
                failRun();
            }
        }
        pid.complete(-1L);
        exit.complete(ForkExit.unknown("never started: " + reason));
        control.close();
    }

    /** Fails the pending run future with everything known about the process's end. */
    private void failRun() {
        CompletableFuture<ForkChannel> r = running;
        if (startFailure != null) {
            r.completeExceptionally(new ForkException("jfork: " + startFailure, null, null, List.of(), null));
            return;
        }
        killIfStillAliveLater();
        // the process reported an error (and exits) or died: wait for its end and its last words
        exit.thenCompose(e -> stderr.finished().completeOnTimeout(stderr.lines(), spec.exitTimeout().toMillis(),
                TimeUnit.MILLISECONDS).thenApply(lines -> new ForkException(failureText(), childError, e, lines, writeFailure)))
                .whenComplete((ex, t) -> r.completeExceptionally(ex != null ? ex
                        : new ForkException(failureText(), childError, null, stderr.lines(), t)));
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
        Timers.after(spec.exitTimeout(), () -> {
            long p = pid.getNow(-1L);
            if (!exit.isDone() && p > 0) {
                LOG.log(Level.WARNING, "jfork process {0} did not exit within {1}; killing it", p, spec.exitTimeout());
                Native.kill(p, Native.SIGKILL);
            }
        });
    }

    String pidText() {
        Long p = pid.getNow(null);
        return p == null ? "(starting)" : p < 0 ? "(not started)" : String.valueOf(p);
    }

    boolean isAlive() {
        return !exit.isDone() && !readerDone && writeFailure == null && state != State.CLOSED;
    }

    /** Called by the cleaner when the Fork object was dropped: a process nobody can run any more exits. */
    void abandoned() {
        close();
    }

    boolean failedToStart() {
        return startFailure != null;
    }
}
