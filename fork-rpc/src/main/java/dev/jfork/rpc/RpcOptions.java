package dev.jfork.rpc;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * How {@link Rpc#run} sets up a worker: which backend, which init and done functions, what to do
 * with events, errors and the end of the worker, how values are serialized and how large a frame
 * may be. Immutable; build with {@link #builder()}.
 *
 * <pre>{@code
 * RpcOptions options = RpcOptions.builder()
 *         .async(true)
 *         .init("com.example.Worker.init")
 *         .onEvent(e -> log.info("worker says {}", Arrays.toString(e)))
 *         .onError(e -> log.error("worker failed", e))
 *         .register(Job.class, Result.class)
 *         .build();
 * }</pre>
 *
 * <p>Callbacks ({@code onEvent}, {@code onError}, {@code onDestroy}, {@code onControl}) and the
 * completion of call futures run one at a time, in the order the child produced what they report,
 * on the thread that reads the connection: the client's reader thread, or a thread waiting in
 * {@code get()}/{@code join()} of a call's future (which reads itself while nobody else does).
 * Nothing else is read while a callback runs, so it should not block for long; it may make calls
 * and wait for them. An exception a callback throws is logged and otherwise ignored.
 */
public final class RpcOptions {
    /** Default for {@link Builder#maxFrameSize(int)}: 64 MiB. */
    public static final int DEFAULT_MAX_FRAME_SIZE = 64 << 20;

    private final boolean async;
    private final String init;
    private final String done;
    private final Consumer<Object[]> onEvent;
    private final Consumer<RpcException> onError;
    private final Runnable onDestroy;
    private final BiConsumer<Integer, byte[]> onControl;
    private final List<Class<?>> registrations;
    private final List<String> allowed;
    private final Class<? extends RpcSerializer> serializer;
    private final int maxInFlight;
    private final int maxFrameSize;

    private RpcOptions(Builder b) {
        this.async = b.async;
        this.init = b.init;
        this.done = b.done;
        this.onEvent = b.onEvent;
        this.onError = b.onError;
        this.onDestroy = b.onDestroy;
        this.onControl = b.onControl;
        this.registrations = Collections.unmodifiableList(new ArrayList<>(b.registrations));
        this.allowed = List.copyOf(b.allowed);
        this.serializer = b.serializer;
        this.maxInFlight = b.maxInFlight;
        this.maxFrameSize = b.maxFrameSize;
    }

    /** The default options: sync backend, Kryo, no callbacks. */
    public static RpcOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.async = async;
        b.init = init;
        b.done = done;
        b.onEvent = onEvent;
        b.onError = onError;
        b.onDestroy = onDestroy;
        b.onControl = onControl;
        b.registrations.addAll(registrations);
        b.allowed.addAll(allowed);
        b.serializer = serializer;
        b.maxInFlight = maxInFlight;
        b.maxFrameSize = maxFrameSize;
        return b;
    }

    public boolean async() {
        return async;
    }

    /** The init function, or null. */
    public String init() {
        return init;
    }

    /** The done function (async only), or null. */
    public String done() {
        return done;
    }

    public Consumer<Object[]> onEvent() {
        return onEvent;
    }

    public Consumer<RpcException> onError() {
        return onError;
    }

    public Runnable onDestroy() {
        return onDestroy;
    }

    public BiConsumer<Integer, byte[]> onControl() {
        return onControl;
    }

    /** Class names and packages ({@code "pkg.*"}) a worker's answers may hold besides the defaults ({@link Builder#allow(String...)}). */
    public List<String> allowed() {
        return allowed;
    }

    /** Classes registered with the serializer, in order. */
    public List<Class<?>> registrations() {
        return registrations;
    }

    public Class<? extends RpcSerializer> serializer() {
        return serializer;
    }

    /** The most calls an async child runs at once ({@link Integer#MAX_VALUE}: no limit). */
    public int maxInFlight() {
        return maxInFlight;
    }

    public int maxFrameSize() {
        return maxFrameSize;
    }

    /** Builder for {@link RpcOptions}; every setter replaces the previous value. */
    public static final class Builder {
        private boolean async;
        private String init;
        private String done;
        private Consumer<Object[]> onEvent;
        private Consumer<RpcException> onError;
        private Runnable onDestroy;
        private BiConsumer<Integer, byte[]> onControl;
        private final List<Class<?>> registrations = new ArrayList<>();
        private final List<String> allowed = new ArrayList<>();
        private Class<? extends RpcSerializer> serializer = RpcSerializer.kryo();
        private int maxInFlight = Integer.MAX_VALUE;
        private int maxFrameSize = DEFAULT_MAX_FRAME_SIZE;

        private Builder() {}

        /**
         * Chooses the backend (default false, the sync backend). Sync: the function is
         * {@code public static Object fn(Object... args)}, called for one request at a time on the
         * child's reader thread; results come back in request order. Async: the function is
         * {@code public static void fn(RpcReply reply, Object... args)}; it is called on the
         * reader thread as each request arrives and answers through {@code reply} from any thread,
         * in any order (at most {@link #maxInFlight(int)} unanswered at once).
         */
        public Builder async(boolean async) {
            this.async = async;
            return this;
        }

        /**
         * A static method called in the child before the first request: {@code "pkg.Cls.method"} or
         * {@code "pkg.Cls::method"}, declared {@code (ForkArgs)} (the arguments sent to the process
         * before {@link Rpc#run}) or {@code ()}. If it throws, the worker fails: pending calls fail
         * with {@link RpcException.Kind#WORKER_LOST} carrying its exception.
         */
        public Builder init(String method) {
            this.init = Objects.requireNonNull(method, "method");
            return this;
        }

        /**
         * Async only: a static {@code ()} method called in the child once the parent has closed the
         * client and every call has been answered and written (after the connection is closed).
         * The process exits when it returns, so it can keep the process alive for other work.
         * Default: none, the process exits at once.
         */
        public Builder done(String method) {
            this.done = Objects.requireNonNull(method, "method");
            return this;
        }

        /** Receives the arguments of each {@code RpcChild.event(...)} call in the child, in order with results. */
        public Builder onEvent(Consumer<Object[]> handler) {
            this.onEvent = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Receives errors of the connection: exactly once when it ends abnormally (the worker could
         * not be started or died, the calls then pending failed with the same exception), and for
         * each protocol violation that does not end it (a reply for an unknown id, a second reply,
         * an event without {@link #onEvent} handler). Default: logged at level ERROR through
         * {@code System.Logger} "dev.jfork.rpc".
         */
        public Builder onError(Consumer<RpcException> handler) {
            this.onError = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Called once when the connection ends cleanly: after {@link RpcClient#close()} the child
         * answered every call and exited (or, with {@link #done}, closed the connection), or the
         * child ended with status 0 while nothing was pending. Never called together with the
         * final {@link #onError}.
         */
        public Builder onDestroy(Runnable handler) {
            this.onDestroy = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * SPI for frameworks (fork-pool): receives CONTROL frames sent by the child with
         * {@link RpcChild#control(int, byte[])} as (kind, payload), in order with results and
         * events. Without a handler they are ignored.
         */
        public Builder onControl(BiConsumer<Integer, byte[]> handler) {
            this.onControl = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Registers classes with the serializer (appended, in order; the child registers the same
         * classes in the same order, so the ids agree). Optional with Kryo, where any class
         * travels (by name); registered ones travel as small ids, which is faster, and count as
         * declared: a worker may send them back.
         */
        public Builder register(Class<?>... classes) {
            for (Class<?> c : classes) {
                registrations.add(Objects.requireNonNull(c, "class"));
            }
            return this;
        }

        /**
         * Classes ({@code "com.example.Result"}) or packages ({@code "com.example.model.*"}) that a
         * worker's results and events may hold besides those the parent accepts anyway: JDK value
         * types, collections and exceptions, classes it registered, the result type a call asked
         * for, and classes it sent on the connection itself. A worker that processes untrusted
         * input cannot make this program instantiate any other class: such an answer fails, and
         * its message names this method.
         */
        public Builder allow(String... classesOrPackages) {
            for (String c : classesOrPackages) {
                allowed.add(Objects.requireNonNull(c, "class or package"));
            }
            return this;
        }

        /** {@link #allow(String...)} with classes. */
        public Builder allow(Class<?>... classes) {
            for (Class<?> c : classes) {
                allowed.add(Objects.requireNonNull(c, "class").getName());
            }
            return this;
        }

        /** The serializer class (default {@link RpcSerializer#kryo()}; {@link RpcSerializer#bytes()} for raw byte arrays). */
        public Builder serializer(Class<? extends RpcSerializer> serializer) {
            this.serializer = Objects.requireNonNull(serializer, "serializer");
            return this;
        }

        /**
         * Async backend: the most calls the child runs at once (default: no limit). When the limit
         * is reached the child stops reading requests until one is answered, so further calls wait
         * in the socket and in the parent (back-pressure) instead of piling up in the child.
         */
        public Builder maxInFlight(int calls) {
            if (calls < 1) {
                throw new IllegalArgumentException("maxInFlight < 1: " + calls);
            }
            this.maxInFlight = calls;
            return this;
        }

        /**
         * The largest frame body, in bytes, either side sends or accepts (default 64 MiB). A call
         * whose encoded arguments are larger fails at once with {@link RpcException.Kind#LOCAL}; a
         * result or event that is larger fails in the child (the call then fails with
         * {@link RpcException.Kind#REMOTE}; {@code RpcChild.event} throws).
         */
        public Builder maxFrameSize(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("maxFrameSize below 1024: " + bytes);
            }
            this.maxFrameSize = bytes;
            return this;
        }

        /**
         * @throws IllegalStateException if {@link #done} is set without {@code async(true)}
         */
        public RpcOptions build() {
            if (done != null && !async) {
                throw new IllegalStateException("done(\"" + done + "\") needs async(true): the sync backend exits when the parent closes");
            }
            return new RpcOptions(this);
        }
    }
}
