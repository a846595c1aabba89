package dev.jfork.rpc.internal;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

import dev.jfork.ForkArgs;
import dev.jfork.ForkChannel;
import dev.jfork.internal.wire.ExitCodes;
import dev.jfork.internal.wire.FunctionRef;
import dev.jfork.internal.wire.MalformedFrameException;
import dev.jfork.rpc.RpcReply;
import dev.jfork.rpc.RpcSerializer;

/**
 * The child's side: the run function {@code Rpc.run} starts ({@link #ENTRY}). It takes its
 * configuration off the end of the arguments, creates the serializer, calls {@code init} with the
 * remaining arguments, resolves the function, then serves requests until the parent's END frame
 * (or end of stream), answers what is still running, closes the connection and returns, which
 * ends the process (or calls the async {@code done} function first).
 *
 * <p>One reader thread (the run function's) reads requests and calls the function. Replies made on
 * the reader thread are held while more requests are already buffered and written in one go when
 * the reader would block (pipelining without a thread hand-off); replies from other threads, events
 * and control frames are written at once by the calling thread unless another thread is writing
 * already (which then takes them along).
 */
public final class RpcServer {
    /** The run function {@code Rpc.run} enters. */
    public static final String ENTRY = "dev.jfork.rpc.internal.RpcServer.run";

    private static final Class<?>[][] INIT_SIGNATURES = {{ForkArgs.class}, {}};

    private static volatile RpcServer current;

    private final ForkChannel channel;
    private final long pid = ProcessHandle.current().pid();
    private final Thread readerThread = Thread.currentThread();
    private final Object callLock = new Object();
    private RpcConfig config;
    private RpcSerializer serializer;
    private FrameWriter writer;
    private int maxFrame = dev.jfork.rpc.RpcOptions.DEFAULT_MAX_FRAME_SIZE;
    private Target target;
    private volatile BiConsumer<Integer, byte[]> controlHandler;
    private int inFlight; // guarded by callLock

    private RpcServer(ForkChannel channel) {
        this.channel = channel;
    }

    /** The server of this process, or null outside an RPC worker. */
    public static RpcServer current() {
        return current;
    }

    /** The server of this process. */
    public static RpcServer require() {
        RpcServer s = current;
        if (s == null) {
            throw new IllegalStateException("not in a jfork RPC worker (RpcChild works in processes started with Rpc.run)");
        }
        return s;
    }

    /** The run function: {@code static void run(ForkChannel, ForkArgs)}. */
    public static void run(ForkChannel channel, ForkArgs args) {
        new RpcServer(channel).serve(args);
    }

    private void serve(ForkArgs args) {
        try {
            if (args.size() == 0 || args.isFd(args.size() - 1) || !RpcConfig.looksLikeConfig(args.bytes(args.size() - 1))) {
                throw new IOException("the last argument is not an RPC configuration (start workers with Rpc.run, not Fork.run)");
            }
            config = RpcConfig.decode(args.bytes(args.size() - 1));
        } catch (IOException | RuntimeException e) {
            startWriter();
            fatal(ExitCodes.FAILED, "bad RPC configuration", e);
        }
        maxFrame = config.maxFrameSize;
        startWriter();
        current = this;
        try {
            serializer = config.newSerializer(null); // a worker trusts its parent
        } catch (RuntimeException e) {
            fatal(ExitCodes.FAILED, "cannot create the serializer", e.getCause() != null ? e.getCause() : e);
        }
        if (config.init != null) {
            callInit(new ArgsPrefix(args, args.size() - 1)); // without the configuration
        }
        try {
            target = config.proxyInterface != null ? new ProxyTarget(config.proxyInterface, config.proxyImpl, config.async)
                    : Target.function(config.function, config.async);
        } catch (FunctionRef.Invalid e) {
            fatal(ExitCodes.FAILED, e.getMessage(), e.getCause() != null ? e.getCause() : e);
        }
        serveRequests();
        finish();
    }

    private void startWriter() {
        writer = new FrameWriter(maxFrame);
        writer.attach(channel.outputStream());
    }

    private void callInit(ForkArgs userArgs) {
        try {
            FunctionRef ref = FunctionRef.parse("init", config.init);
            Method m = ref.resolve(RpcConfig.loader(), true, INIT_SIGNATURES,
                    "static void " + ref.methodName() + "(ForkArgs) or " + ref.methodName() + "()");
            m.invoke(null, m.getParameterCount() == 1 ? new Object[] {userArgs} : new Object[0]);
        } catch (FunctionRef.Invalid e) {
            fatal(ExitCodes.FAILED, e.getMessage(), e.getCause() != null ? e.getCause() : e);
        } catch (InvocationTargetException e) {
            fatal(ExitCodes.FAILED, "init " + config.init + " threw", e.getCause());
        } catch (IllegalAccessException | RuntimeException e) {
            fatal(ExitCodes.FAILED, "init " + config.init + " could not be called", e);
        }
    }

    // ------------------------------------------------------------------ requests

    private void serveRequests() {
        FrameReader reader = new FrameReader(channel.inputStream(), maxFrame, () -> writer.kick(FrameWriter.Flush.NOW));
        try {
            while (reader.next()) {
                switch (reader.type()) {
                    case Frames.CALL:
                        if (reader.id() == 0) {
                            throw new MalformedFrameException("CALL with id 0");
                        }
                        handleCall(reader);
                        break;
                    case Frames.END:
                        return;
                    case Frames.CONTROL: {
                        BiConsumer<Integer, byte[]> h = controlHandler;
                        if (h != null) {
                            byte[] payload = java.util.Arrays.copyOfRange(reader.body(), reader.bodyOffset(),
                                    reader.bodyOffset() + reader.bodyLength());
                            try {
                                h.accept(reader.id(), payload);
                            } catch (RuntimeException e) {
                                System.err.println(prefix() + "the control handler threw:");
                                e.printStackTrace();
                            }
                        }
                        break;
                    }
                    default:
                        throw new MalformedFrameException("unexpected " + Frames.typeName(reader.type()) + " frame from the parent");
                }
            }
        } catch (MalformedFrameException e) {
            fatal(ExitCodes.PROTOCOL, "protocol error", e);
        } catch (IOException e) {
            // the parent is gone, or died while writing: finish like at end of stream
        }
    }

    private void handleCall(FrameReader reader) {
        Reply reply = new Reply(reader.id());
        if (config.async) {
            acquireSlot();
        }
        Object[] args;
        try {
            args = serializer.decode(reader.body(), reader.bodyOffset(), reader.bodyLength());
        } catch (Throwable e) {
            reply.answer(null, "cannot decode the call's arguments", e);
            return;
        }
        try {
            target.invoke(reply, args);
        } catch (Throwable e) {
            if (!reply.isDone()) {
                reply.answer(null, null, e);
            } else {
                System.err.println(prefix() + "the function threw after answering call " + reply.id + ":");
                e.printStackTrace();
            }
        }
    }

    private void acquireSlot() {
        synchronized (callLock) {
            if (inFlight < config.maxInFlight) {
                inFlight++;
                return;
            }
        }
        writer.kick(FrameWriter.Flush.NOW); // replies held by this thread must not wait behind the limit
        synchronized (callLock) {
            while (inFlight >= config.maxInFlight) {
                awaitCalls();
            }
            inFlight++;
        }
    }

    private void awaitCalls() {
        try {
            callLock.wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private void callFinished() {
        if (config.async) {
            synchronized (callLock) {
                inFlight--;
                callLock.notifyAll();
            }
        }
    }

    /** Replies from the reader thread wait for the reader's next flush; others are written now. */
    private FrameWriter.Flush replyFlush() {
        return Thread.currentThread() == readerThread ? FrameWriter.Flush.HOLD : FrameWriter.Flush.NOW;
    }

    private void sendResult(int id, Object result) {
        byte[] body;
        try {
            body = serializer.encode(new Object[] {result});
        } catch (Throwable e) {
            sendError(id, "cannot encode the result", e);
            return;
        }
        if (body.length > maxFrame) {
            sendError(id, null, new IllegalArgumentException("the result takes " + body.length
                    + " bytes, more than the maximum frame size " + maxFrame + " (RpcOptions.Builder.maxFrameSize)"));
            return;
        }
        writer.send(Frames.RESULT, id, body, replyFlush());
    }

    private void sendError(int id, String context, Throwable e) {
        byte[] report;
        try {
            report = ErrorReport.encode(context, e, maxFrame);
        } catch (RuntimeException | Error x) {
            // a user exception that cannot even be described must not end the worker: the call fails all the same
            report = ErrorReport.encode(context, new IllegalStateException("the call failed with a " + e.getClass().getName()
                    + " that could not be reported (" + x + ")"), maxFrame);
        }
        writer.send(Frames.ERROR, id, report, replyFlush());
    }

    /** One call's answer; thread-safe, answered once. */
    private final class Reply implements RpcReply {
        final int id;
        private final AtomicBoolean answered = new AtomicBoolean();

        Reply(int id) {
            this.id = id;
        }

        @Override
        public void done(Object result) {
            answer(result, null, null);
        }

        @Override
        public void fail(Throwable error) {
            answer(null, null, error == null ? new NullPointerException("RpcReply.fail(null)") : error);
        }

        void answer(Object result, String context, Throwable error) {
            if (!answered.compareAndSet(false, true)) {
                throw new IllegalStateException("call " + id + " was already answered");
            }
            try {
                if (error != null) {
                    sendError(id, context, error);
                } else {
                    sendResult(id, result);
                }
            } finally {
                callFinished();
            }
        }

        @Override
        public boolean isDone() {
            return answered.get();
        }

        @Override
        public String toString() {
            return "RpcReply[call " + id + (isDone() ? ", answered" : "") + "]";
        }
    }

    // ------------------------------------------------------------------ the end

    private void finish() {
        if (config.async) {
            writer.kick(FrameWriter.Flush.NOW);
            synchronized (callLock) {
                while (inFlight > 0) {
                    awaitCalls();
                }
            }
        }
        target.close();
        writer.flush();
        writer.close();
        closeChannel();
        if (config.done != null) {
            try {
                FunctionRef ref = FunctionRef.parse("done", config.done);
                ref.resolve(RpcConfig.loader(), true, new Class<?>[][] {{}}, "static void " + ref.methodName() + "()").invoke(null);
            } catch (FunctionRef.Invalid e) {
                System.err.println(prefix() + e.getMessage());
                System.exit(ExitCodes.FAILED);
            } catch (InvocationTargetException e) {
                System.err.println(prefix() + "done " + config.done + " threw:");
                e.getCause().printStackTrace();
                System.exit(ExitCodes.FAILED);
            } catch (IllegalAccessException | RuntimeException e) {
                System.err.println(prefix() + "done " + config.done + " could not be called: " + e);
                System.exit(ExitCodes.FAILED);
            }
        }
    }

    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException | RuntimeException e) {
            // the parent sees end of stream either way when the process exits
        }
    }

    /** Reports a failure of the whole worker to the parent (ERROR frame with id 0) and on stderr, then exits. */
    private void fatal(int status, String context, Throwable e) {
        System.err.println(prefix() + context + ": " + e);
        e.printStackTrace();
        if (writer != null) {
            writer.send(Frames.ERROR, 0, ErrorReport.encode(context, e, maxFrame), FrameWriter.Flush.NOW);
            writer.flush();
        }
        closeChannel();
        System.exit(status);
        throw new IllegalStateException("unreachable");
    }

    private String prefix() {
        return "[jfork-rpc worker " + pid + "] ";
    }

    // ------------------------------------------------------------------ RpcChild

    public void event(Object[] args) {
        byte[] body;
        try {
            body = serializer.encode(args == null ? new Object[] {null} : args);
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot encode the event: " + e, e);
        }
        if (body.length > maxFrame) {
            throw new IllegalArgumentException("the event takes " + body.length + " bytes, more than the maximum frame size " + maxFrame);
        }
        if (!writer.send(Frames.EVENT, 0, body, FrameWriter.Flush.NOW)) {
            throw new IllegalStateException("the RPC connection has ended");
        }
    }

    public boolean flush() {
        return writer.flush();
    }

    public void control(int kind, byte[] payload) {
        if (!writer.send(Frames.CONTROL, kind, payload.clone(), FrameWriter.Flush.NOW)) {
            throw new IllegalStateException("the RPC connection has ended");
        }
    }

    public void onControl(BiConsumer<Integer, byte[]> handler) {
        controlHandler = handler;
    }
}
