package dev.jfork.rpc.internal;

import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;

import dev.jfork.Fork;
import dev.jfork.ForkChannel;
import dev.jfork.ForkException;
import dev.jfork.ForkExit;
import dev.jfork.internal.concurrent.JforkThreads;
import dev.jfork.internal.events.JforkEvents;
import dev.jfork.internal.wire.MalformedFrameException;
import dev.jfork.rpc.RpcException;
import dev.jfork.rpc.RpcException.Kind;
import dev.jfork.rpc.RpcOptions;
import dev.jfork.rpc.RpcSerializer;

/**
 * The parent's side of one RPC connection: pending calls by id, the outgoing {@link FrameWriter},
 * and the reading role, which delivers results, errors, events and control frames in the order the
 * child wrote them and ends the connection exactly once. Reading is done by a background reader
 * thread or, leader/follower style, by a thread waiting for its call ({@link RpcFuture}); see
 * {@link #backgroundReader()}.
 *
 * <p>Calls are encoded in the caller's thread (so an unencodable or oversized call fails at once).
 * A call is written by the caller itself (no thread hand-off) when fewer than {@link #INLINE_CALLS}
 * other calls are in flight and that write provably cannot block: the calls not yet answered, with
 * everything else sent since the child's last answer, stay within {@link #INLINE_LIMIT} (see
 * there). Otherwise, or while another thread is writing, it is queued and written by a background
 * writer that batches everything queued meanwhile (pipelining). The caller may be the reader thread
 * (a callback making the next call, as fork-pool does), which must never block on the socket: the
 * child may itself be blocked writing replies that only this thread would read.
 *
 * <p>The end: at end of stream (or a reset, or a malformed frame) the state becomes ENDED under the
 * lock, so no call is registered afterwards; the process's exit is awaited (bounded), and then
 * either {@code onDestroy} runs (clean end) or {@code onError} runs once and every pending call
 * fails with the same {@link RpcException}.
 */
final class Connection {
    /** How long the last stderr lines of a dead worker are waited for once its exit is known. */
    private static final long STDERR_WAIT_MS = 2000;

    private static final System.Logger LOG = System.getLogger("dev.jfork.rpc");
    /** How long the end of a connection waits for the process's exit status. */
    static final long EXIT_WAIT_MS = 10_000;
    /**
     * The most the child may have left unread, in {@link FrameWriter#charge} bytes (frame plus a
     * per-frame kernel allowance), for a thread to write a call itself. What the child has provably
     * read is known from its replies: it answers a call only after reading it and every frame sent
     * before it. A write cannot block while the bytes charged to the socket stay below its SO_SNDBUF
     * (Unix stream sockets charge each write's skb truesize to the sender until the reader consumes
     * it; the socket is fork-core's socketpair, which keeps the default, net.core.wmem_default,
     * 208 KiB on common kernels; ForkChannel does not expose the socket's own value). The limit is
     * a quarter of that default, at most 64 KiB, leaving room for truesize above the allowance (up to
     * ~1.6x the charge for 2 KiB writes) and for a partly read skb (up to ~36 KiB) at the head of the
     * child's queue: 64 KiB charged is at most ~140 KiB in the kernel's accounting.
     */
    static final long INLINE_LIMIT = inlineLimit();
    /**
     * A call may be written by its caller only while fewer other calls are in flight. A shallow
     * window (fork-pool's default {@code load(2)}, a completion making the next call) saves a
     * writer thread's wake-up per call: 2.3x on PoolBench's rpc-win2, 2026-11-23. With more in
     * flight the child has work queued anyway, and a burst of calls from one thread is better
     * written by the background writer in one write than call by call, a syscall and a wake-up of
     * the child each (without this cap: 0.5-0.6x on RpcBench's 10 000-deep pipelines; ~0.75x with a cap of 16).
     */
    static final int INLINE_CALLS = 4;
    private static final byte[] EMPTY = new byte[0];

    private enum State { STARTING, OPEN, CLOSING, ENDED }

    final Fork fork;
    /** The function the worker runs, or the proxied interface, for JFR's {@code dev.jfork.RpcCall}. */
    private final String function;
    /**
     * A proxy's method names ({@code Interface.method}) by the number a call carries first, or null
     * (not a proxy): a proxy call's event names its method.
     */
    private final String[] methods;
    private final RpcOptions options;
    private final RpcSerializer serializer;
    /** What the worker may send back (the serializer checks it; a typed call declares its result type). */
    private final AcceptedClasses accepted;
    private final int maxFrame;
    private final FrameWriter writer;

    private final Object lock = new Object();
    private final ConcurrentHashMap<Integer, RpcFuture> pending = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    /** Completes at the end with the exception calls made afterwards fail with. */
    private final CompletableFuture<RpcException> ending = new CompletableFuture<>();
    // guarded by lock
    private State state = State.STARTING;
    private boolean closeRequested;
    private int nextId;

    private volatile ErrorReport.Decoded fatal;

    // reading (see backgroundReader)
    /** How long the background reader stands by after a waiting caller wanted to read. */
    private static final long STANDBY_NS = 1_000_000;
    private final ReentrantLock readLock = new ReentrantLock();
    private final Object waitLock = new Object();
    private volatile int waiting;
    private volatile long lastWant = System.nanoTime() - STANDBY_NS;
    private volatile boolean readingStarted;
    private volatile boolean readingEnded;
    private ForkChannel channel;   // set before readingStarted
    private FrameReader reader;    // used under readLock

    Connection(Fork fork, String function, String[] methods, RpcSerializer serializer, AcceptedClasses accepted,
            RpcOptions options, int maxFrame) {
        this.fork = fork;
        this.function = function;
        this.methods = methods;
        this.accepted = accepted;
        this.serializer = serializer;
        this.options = options;
        this.maxFrame = maxFrame;
        this.writer = new FrameWriter(maxFrame, INLINE_LIMIT);
    }

    private static long inlineLimit() {
        long sndbuf = 212_992;
        // one read: a sysctl file read piecewise (as Files.readString does, the file's size being 0) yields its first byte only
        try (java.io.BufferedReader r = java.nio.file.Files.newBufferedReader(java.nio.file.Path.of("/proc/sys/net/core/wmem_default"))) {
            sndbuf = Long.parseLong(r.readLine().trim());
        } catch (IOException | RuntimeException e) {
            // keep the usual default
        }
        return Math.max(0, Math.min(64 * 1024, sndbuf / 4));
    }

    // ------------------------------------------------------------------ calls

    /** A call; its result must be a {@code resultType} (null: anything). */
    <T> CompletableFuture<T> call(Object[] args, Class<?> resultType) {
        return call(args, resultType, null);
    }

    /** A call whose outcome is also told to {@code listener} (null: none); see {@link RpcFuture}. */
    @SuppressWarnings("unchecked")
    <T> CompletableFuture<T> call(Object[] args, Class<?> resultType, BiConsumer<Object, Throwable> listener) {
        Object event = JforkEvents.rpcCallBegin(); // null unless a JFR recording wants dev.jfork.RpcCall
        if (event != null && methods != null) {
            event = new ProxyCall(event, methodName(args));
        }
        RpcFuture f = new RpcFuture(this, resultType, listener, event);
        accepted.declare(resultType); // the caller declared it: the worker may send it back
        byte[] body;
        try {
            body = serializer.encode(args == null ? new Object[] {null} : args);
        } catch (Throwable e) {
            f.completeExceptionally(new RpcException(Kind.LOCAL, "cannot encode the call's arguments: " + e, null, null, e));
            return (CompletableFuture<T>) f;
        }
        if (body.length > maxFrame) {
            f.completeExceptionally(new RpcException(Kind.LOCAL, "the call's arguments take " + body.length
                    + " bytes, more than the maximum frame size " + maxFrame + " (RpcOptions.Builder.maxFrameSize)", null, null, null));
            return (CompletableFuture<T>) f;
        }
        FrameWriter.Flush flush = null;
        boolean closed;
        boolean ended;
        synchronized (lock) {
            // a refused call's future is completed after the lock is released, like every jfork future
            closed = state == State.CLOSING || (state == State.ENDED && closeRequested);
            ended = state == State.ENDED;
            if (!closed && !ended) {
                int id = newId();
                // where the frame ends in the writer's charged stream (all frames are appended under this lock);
                // set before the call is visible to the reader, which acknowledges it when the reply arrives
                f.end = writer.position() + FrameWriter.charge(body.length);
                pending.put(id, f);
                int before = inFlight.getAndIncrement();
                writer.send(Frames.CALL, id, body, FrameWriter.Flush.HOLD);
                flush = before < INLINE_CALLS ? FrameWriter.Flush.NOW : FrameWriter.Flush.LATER;
            }
        }
        if (closed) {
            f.completeExceptionally(new RpcException(Kind.LOCAL, "the RPC client is closed", null, null, null));
        } else if (ended) {
            ending.thenAccept(f::completeExceptionally);
        } else {
            writer.kick(flush); // NOW: in this thread if within INLINE_LIMIT and nobody else is writing
        }
        return (CompletableFuture<T>) f;
    }

    /** A proxy call's event, with the method it calls (made only while a recording wants the event). */
    private static final class ProxyCall {
        final Object event;
        final String method;

        ProxyCall(Object event, String method) {
            this.event = event;
            this.method = method;
        }
    }

    private String methodName(Object[] args) {
        if (args != null && args.length > 0 && args[0] instanceof Integer) {
            int n = (Integer) args[0];
            if (n >= 0 && n < methods.length) {
                return methods[n];
            }
        }
        return function;
    }

    /**
     * Commits a call's JFR event (from {@link RpcFuture}, on the thread that completes the call,
     * just before it does): the worker's pid if known by now (never waited for; -1 if not), the
     * function, and the outcome.
     */
    void callEnded(Object event, String outcome) {
        String name = function;
        if (event instanceof ProxyCall) {
            name = ((ProxyCall) event).method;
            event = ((ProxyCall) event).event;
        }
        OptionalLong pid = fork.pidNow();
        JforkEvents.rpcCallEnd(event, pid.isPresent() ? pid.getAsLong() : -1, name, outcome);
    }

    /** Ids are 1..2^31-1, wrapping, never 0, never one still pending. Caller holds the lock. */
    private int newId() {
        while (true) {
            int id = ++nextId;
            if (id <= 0) {
                nextId = 0;
                continue;
            }
            if (!pending.containsKey(id)) {
                return id;
            }
        }
    }

    void close() {
        synchronized (lock) {
            if (closeRequested || state == State.ENDED) {
                return;
            }
            closeRequested = true;
            state = State.CLOSING;
            writer.send(Frames.END, 0, EMPTY, FrameWriter.Flush.HOLD);
        }
        writer.kick(FrameWriter.Flush.LATER);
    }

    void control(int kind, byte[] payload) {
        if (payload.length > maxFrame) {
            throw new IllegalArgumentException("control payload of " + payload.length + " bytes exceeds the maximum frame size " + maxFrame);
        }
        synchronized (lock) {
            if (state == State.CLOSING || state == State.ENDED) {
                throw new IllegalStateException("the RPC connection is " + (closeRequested ? "closed" : "gone"));
            }
            writer.send(Frames.CONTROL, kind, payload.clone(), FrameWriter.Flush.HOLD);
        }
        writer.kick(FrameWriter.Flush.LATER);
    }

    void kill() {
        fork.kill(); // now, or once the template has started it
    }

    int inFlight() {
        return inFlight.get();
    }

    CompletableFuture<Void> terminated() {
        return terminated;
    }

    // ------------------------------------------------------------------ start and reading

    /** The run future completed: start writing and reading, or fail everything. */
    void started(ForkChannel channel, Throwable error) {
        if (error != null) {
            Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            end(null, null, null, e);
            return;
        }
        synchronized (lock) {
            if (state == State.STARTING) {
                state = State.OPEN;
            }
        }
        writer.attach(channel.outputStream());
        this.channel = channel;
        this.reader = new FrameReader(channel.inputStream(), maxFrame, null);
        readingStarted = true;
        JforkThreads.io(this::backgroundReader);
    }

    /*
     * Reading is a role, held with readLock: the background reader holds it unless a thread waiting
     * for a call (RpcFuture.get/join) wanted it within the last STANDBY_NS; such a thread reads and
     * dispatches until its own call is answered. Dispatch always runs under readLock, so frames are
     * handled one at a time, in order, whoever reads.
     */

    /** The background reader: reads whenever no waiting caller has wanted to for a while. */
    private void backgroundReader() {
        while (!readingEnded) {
            long idle = System.nanoTime() - lastWant;
            if (idle < STANDBY_NS) {
                LockSupport.parkNanos(this, STANDBY_NS - idle);
                continue;
            }
            readLock.lock();
            try {
                if (!readingEnded && System.nanoTime() - lastWant >= STANDBY_NS) {
                    readSome();
                }
            } finally {
                readLock.unlock();
                wakeWaiters();
            }
        }
    }

    /**
     * Called by a thread waiting for {@code f}: reads itself while nobody else does, otherwise waits
     * until {@code f} is done or the reading role is free. Returns when {@code f} is done or the
     * connection is ending (then {@code f} is failed shortly by whoever ends it).
     */
    void help(RpcFuture f, boolean interruptible) throws InterruptedException {
        if (!readingStarted) {
            return; // nothing to read yet: the background reader answers the first calls
        }
        while (!f.isDone() && !readingEnded) {
            lastWant = System.nanoTime();
            if (readLock.tryLock()) {
                try {
                    while (!f.isDone() && !readingEnded) {
                        readSome();
                    }
                } finally {
                    lastWant = System.nanoTime();
                    readLock.unlock();
                    wakeWaiters();
                }
                return;
            }
            synchronized (waitLock) {
                waiting++;
                try {
                    while (!f.isDone() && !readingEnded && readLock.isLocked()) {
                        if (interruptible) {
                            waitLock.wait();
                        } else {
                            try {
                                waitLock.wait();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                return;
                            }
                        }
                    }
                } finally {
                    waiting--;
                }
            }
        }
    }

    /** Whether this thread is the one reading (and dispatching) this connection's frames now. */
    boolean isReadingThread() {
        return readLock.isHeldByCurrentThread();
    }

    private void wakeWaiters() {
        if (waiting > 0) {
            synchronized (waitLock) {
                waitLock.notifyAll();
            }
        }
    }

    /** Reads and dispatches one frame, then every whole frame already buffered. Caller holds readLock. */
    private void readSome() {
        if (readingEnded) {
            return;
        }
        try {
            if (!reader.next()) {
                end(channel, null, null, null);
                return;
            }
            dispatch(reader);
            while (!readingEnded && reader.hasFrame()) {
                reader.next();
                dispatch(reader);
            }
        } catch (MalformedFrameException e) {
            end(channel, e.getMessage(), null, null);
        } catch (IOException e) {
            end(channel, null, e, null); // EOF inside a frame, or ECONNRESET: the child died with unread data
        } catch (RuntimeException | Error e) {
            LOG.log(Level.ERROR, "jfork-rpc reader failed", e);
            end(channel, "the reader failed: " + e, null, null);
        }
    }

    private void dispatch(FrameReader r) throws IOException {
        int id = r.id();
        switch (r.type()) {
            case Frames.RESULT: {
                RpcFuture f = answered(id, "RESULT");
                if (f == null) {
                    return;
                }
                Object[] values;
                try {
                    values = serializer.decode(r.body(), r.bodyOffset(), r.bodyLength());
                    if (values.length != 1) {
                        throw new IllegalArgumentException("a result must be one value, got " + values.length);
                    }
                } catch (Throwable e) {
                    f.completeExceptionally(new RpcException(Kind.LOCAL, "cannot decode the result of call " + id + " from worker "
                            + pidText() + ": " + e, null, null, e));
                    return;
                }
                f.completeTyped(values[0], id, pidText());
                return;
            }
            case Frames.ERROR: {
                ErrorReport.Decoded report;
                try {
                    report = ErrorReport.decode(r.body(), r.bodyOffset(), r.bodyLength());
                } catch (IOException e) {
                    throw new MalformedFrameException("malformed ERROR frame for call " + id + ": " + e.getMessage());
                }
                if (id == 0) {
                    fatal = report; // the worker failed as a whole and exits; reported at end of stream
                    return;
                }
                RpcFuture f = answered(id, "ERROR");
                if (f != null) {
                    f.completeExceptionally(new RpcException(Kind.REMOTE, "call failed in worker " + pidText() + ": " + report.describe(),
                            null, null, report.error));
                }
                return;
            }
            case Frames.EVENT: {
                Object[] values;
                try {
                    values = serializer.decode(r.body(), r.bodyOffset(), r.bodyLength());
                } catch (Throwable e) {
                    report(new RpcException(Kind.LOCAL, "cannot decode an event from worker " + pidText() + ": " + e, null, null, e));
                    return;
                }
                if (options.onEvent() == null) {
                    report(new RpcException(Kind.LOCAL, "event received, but no onEvent handler (worker " + pidText() + "): "
                            + Arrays.deepToString(values), null, null, null));
                    return;
                }
                callback("onEvent", () -> options.onEvent().accept(values));
                return;
            }
            case Frames.CONTROL: {
                if (options.onControl() != null) {
                    byte[] payload = Arrays.copyOfRange(r.body(), r.bodyOffset(), r.bodyOffset() + r.bodyLength());
                    callback("onControl", () -> options.onControl().accept(id, payload));
                }
                return;
            }
            default:
                throw new MalformedFrameException("unexpected " + Frames.typeName(r.type()) + " frame from the worker");
        }
    }

    /** The pending call a reply answers, or null (reported as a protocol error) if there is none. */
    private RpcFuture answered(int id, String what) {
        RpcFuture f = pending.remove(id);
        if (f == null) {
            report(new RpcException(Kind.PROTOCOL, "protocol error: worker " + pidText() + " sent a " + what + " for call " + id
                    + ", which is not pending (unknown id, or a second reply to the same call)", null, null, null));
            return null;
        }
        inFlight.decrementAndGet();
        writer.acknowledge(f.end); // the child has read this call and everything sent before it
        return f;
    }

    // ------------------------------------------------------------------ the end

    private void end(ForkChannel channel, String protocolError, IOException readError, Throwable startFailure) {
        List<RpcFuture> calls;
        boolean closed;
        synchronized (lock) {
            if (state == State.ENDED) {
                return;
            }
            state = State.ENDED;
            readingEnded = true;
            calls = new ArrayList<>(pending.values());
            pending.clear();
            inFlight.set(0);
            closed = closeRequested;
        }
        writer.close(); // drops what is queued; nothing more is written, so its inline accounting is moot
        if (channel != null) {
            try {
                channel.close(); // after a protocol error this tells the child to stop; otherwise it releases the socket
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.DEBUG, "closing the RPC socket failed", e);
            }
        }
        ErrorReport.Decoded report = fatal;
        boolean clean = startFailure == null && protocolError == null && report == null && calls.isEmpty();
        ExitWait exit = clean && closed && options.done() != null ? ExitWait.NOT_WAITED
                : startFailure != null ? ExitWait.NOT_WAITED : awaitExit(!clean);
        if (clean && !closed && exit.exit != null && !exit.exit.isSuccess()) {
            clean = false; // it died while idle
        }
        if (clean) {
            ending.complete(new RpcException(Kind.LOCAL, "the RPC client is closed", null, null, null));
            if (options.onDestroy() != null) {
                callback("onDestroy", options.onDestroy());
            }
            terminated.complete(null);
            wakeWaiters();
            return;
        }
        RpcException e = failure(calls.size(), closed, protocolError, readError, startFailure, report, exit);
        ending.complete(e);
        // pending calls and every later call fail with it (a worker that could not start fails the
        // calls made afterwards): only the death of an idle worker is news nobody else will see
        report(e, calls.isEmpty() && startFailure == null);
        for (RpcFuture f : calls) {
            f.completeExceptionally(e);
        }
        terminated.completeExceptionally(e);
        wakeWaiters();
    }

    private RpcException failure(int calls, boolean closed, String protocolError, IOException readError, Throwable startFailure,
            ErrorReport.Decoded report, ExitWait exit) {
        String who = "jfork-rpc worker " + pidText();
        String pendingText = calls == 0 ? "no calls pending" : calls == 1 ? "1 call pending" : calls + " calls pending";
        if (startFailure != null) {
            // no pid to name and no calls to count: it never ran; what the fork says is the whole story
            ForkException fe = startFailure instanceof ForkException ? (ForkException) startFailure : null;
            return new RpcException(Kind.WORKER_LOST, "jfork-rpc worker could not be started: " + startFailure.getMessage(),
                    fe == null ? null : fe.exit().orElse(null), fe == null ? null : fe.stderrTail(), startFailure);
        }
        StringBuilder b = new StringBuilder(who);
        Kind kind = Kind.WORKER_LOST;
        Throwable cause = readError;
        if (protocolError != null) {
            kind = Kind.PROTOCOL;
            b.append(": protocol error: ").append(protocolError).append("; connection closed (").append(pendingText).append(')');
        } else if (report != null) {
            b.append(" failed: ").append(report.describe()).append(" (").append(pendingText).append(')');
            cause = report.error;
        } else if (calls > 0) {
            b.append(" ended with ").append(pendingText);
        } else {
            b.append(" ended unexpectedly").append(closed ? " after close" : "");
        }
        b.append("; process ").append(exit.describe());
        if (readError != null && !(readError instanceof EOFException)) {
            b.append(" (reading failed: ").append(readError.getMessage()).append(')');
        }
        return new RpcException(kind, b.toString(), exit.exit, stderrTail(exit), cause);
    }

    /**
     * The worker's last stderr lines: its pipe reaches end of stream when it has exited (or
     * promptly after), so this waits only if the exit is known, and briefly.
     */
    private List<String> stderrTail(ExitWait exit) {
        if (exit.exit == null) {
            return fork.stderrTail().getNow(List.of());
        }
        try {
            return fork.stderrTail().get(STDERR_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            return List.of();
        }
    }

    /** The process's end, waited for with a deadline; a process still running then is killed. */
    private static final class ExitWait {
        static final ExitWait NOT_WAITED = new ExitWait(null, "status not waited for");
        final ForkExit exit;
        final String text;

        ExitWait(ForkExit exit, String text) {
            this.exit = exit;
            this.text = text;
        }

        String describe() {
            return exit != null ? exit.toString() : text;
        }
    }

    private ExitWait awaitExit(boolean killIfRunning) {
        try {
            ForkExit e = fork.onExit().get(EXIT_WAIT_MS, TimeUnit.MILLISECONDS);
            return new ExitWait(e, null);
        } catch (TimeoutException e) {
            OptionalLong pid = fork.pidNow();
            // a pid of another machine says nothing here: a remote worker counts as alive (kill() reaches it there)
            boolean alive = pid.isPresent() && (fork.host().isPresent()
                    || ProcessHandle.of(pid.getAsLong()).map(ProcessHandle::isAlive).orElse(false));
            if (!alive) {
                return new ExitWait(null, "ended, exit status not reported within " + EXIT_WAIT_MS / 1000 + " s");
            }
            if (!killIfRunning) {
                return new ExitWait(null, "still running " + EXIT_WAIT_MS / 1000 + " s after the connection ended");
            }
            kill();
            return new ExitWait(null, "still running " + EXIT_WAIT_MS / 1000 + " s after the connection ended; killed");
        } catch (ExecutionException e) {
            return new ExitWait(null, "exit status unknown (" + e.getCause().getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ExitWait(null, "exit status unknown (interrupted)");
        }
    }

    private void report(RpcException e) {
        report(e, true);
    }

    /**
     * Tells onError; without one, logs what nobody else is told ({@code unobserved}): a failure
     * that a call's future carries is the caller's to report, not a log line.
     */
    private void report(RpcException e, boolean unobserved) {
        if (options.onError() != null) {
            callback("onError", () -> options.onError().accept(e));
        } else if (unobserved) {
            LOG.log(Level.WARNING, "jfork-rpc: " + e.getMessage() + " (no RpcOptions.Builder.onError handler is set)", e);
        } else {
            LOG.log(Level.DEBUG, "jfork-rpc: {0}", e.getMessage());
        }
    }

    private static void callback(String what, Runnable r) {
        try {
            r.run();
        } catch (Throwable t) {
            LOG.log(Level.WARNING, "jfork-rpc: the " + what + " callback threw", t);
        }
    }

    String pidText() {
        OptionalLong p = fork.pidNow(); // never waits: this is for messages, and may run on any thread
        String pid = p.isPresent() ? String.valueOf(p.getAsLong()) : "(no pid)";
        java.util.Optional<String> host = fork.host(); // a worker on another machine: say which
        return host.isPresent() ? pid + " on " + host.get() : pid;
    }

    @Override
    public String toString() {
        State s;
        synchronized (lock) {
            s = state;
        }
        return "RpcClient[pid " + pidText() + ", " + s.name().toLowerCase(java.util.Locale.ROOT) + ", " + inFlight.get() + " in flight]";
    }
}
