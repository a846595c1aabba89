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

    /**
     * The default options: sync backend, Kryo, no callbacks.
     *
     * @return the default options
     */
    public static RpcOptions defaults() {
        return builder().build();
    }

    /**
     * A builder that starts from the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder that starts from these options.
     *
     * @return a new builder with these options' values
     */
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

    /**
     * Whether the worker uses the async backend ({@link Builder#async(boolean)}).
     *
     * @return true for the async backend, false for the sync one
     */
    public boolean async() {
        return async;
    }

    /**
     * The init function, or null.
     *
     * @return the init function's name ({@link Builder#init(String)}), or null
     */
    public String init() {
        return init;
    }

    /**
     * The done function (async only), or null.
     *
     * @return the done function's name ({@link Builder#done(String)}), or null
     */
    public String done() {
        return done;
    }

    /**
     * The handler of the child's events.
     *
     * @return the handler ({@link Builder#onEvent(Consumer)}), or null
     */
    public Consumer<Object[]> onEvent() {
        return onEvent;
    }

    /**
     * The handler of the connection's errors.
     *
     * @return the handler ({@link Builder#onError(Consumer)}), or null for the default (logging)
     */
    public Consumer<RpcException> onError() {
        return onError;
    }

    /**
     * What runs when the connection ends cleanly.
     *
     * @return the handler ({@link Builder#onDestroy(Runnable)}), or null
     */
    public Runnable onDestroy() {
        return onDestroy;
    }

    /**
     * SPI: the handler of the child's CONTROL frames.
     *
     * @return the handler ({@link Builder#onControl(BiConsumer)}), or null
     */
    public BiConsumer<Integer, byte[]> onControl() {
        return onControl;
    }

    /**
     * Class names and packages ({@code "pkg.*"}) a worker's answers may hold besides the defaults ({@link Builder#allow(String...)}).
     *
     * @return the allowed classes and packages, in the order given
     */
    public List<String> allowed() {
        return allowed;
    }

    /**
     * Classes registered with the serializer, in order.
     *
     * @return the registered classes ({@link Builder#register(Class...)})
     */
    public List<Class<?>> registrations() {
        return registrations;
    }

    /**
     * The serializer both processes instantiate.
     *
     * @return the serializer class ({@link Builder#serializer(Class)})
     */
    public Class<? extends RpcSerializer> serializer() {
        return serializer;
    }

    /**
     * The most calls an async child runs at once ({@link Integer#MAX_VALUE}: no limit).
     *
     * @return the limit ({@link Builder#maxInFlight(int)})
     */
    public int maxInFlight() {
        return maxInFlight;
    }

    /**
     * The largest frame body either side sends or accepts.
     *
     * @return the limit in bytes ({@link Builder#maxFrameSize(int)})
     */
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
         *
         * @param async true for the async backend, false for the sync one
         * @return this builder
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
         *
         * @param method the init function's name
         * @return this builder
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
         *
         * @param method the done function's name
         * @return this builder
         */
        public Builder done(String method) {
            this.done = Objects.requireNonNull(method, "method");
            return this;
        }

        /**
         * Receives the arguments of each {@code RpcChild.event(...)} call in the child, in order with results.
         *
         * @param handler called with each event's arguments
         * @return this builder
         */
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
         *
         * @param handler called with each error
         * @return this builder
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
         *
         * @param handler run once after a clean end
         * @return this builder
         */
        public Builder onDestroy(Runnable handler) {
            this.onDestroy = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * SPI for frameworks (fork-pool): receives CONTROL frames sent by the child with
         * {@link RpcChild#control(int, byte[])} as (kind, payload), in order with results and
         * events. Without a handler they are ignored.
         *
         * @param handler called with the kind and payload of each frame
         * @return this builder
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
         *
         * @param classes the classes to register, appended in this order
         * @return this builder
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
         *
         * @param classesOrPackages class names, or package names followed by {@code ".*"}, appended
         * @return this builder
         */
        public Builder allow(String... classesOrPackages) {
            for (String c : classesOrPackages) {
                allowed.add(Objects.requireNonNull(c, "class or package"));
            }
            return this;
        }

        /**
         * {@link #allow(String...)} with classes.
         *
         * @param classes the classes to allow, appended
         * @return this builder
         */
        public Builder allow(Class<?>... classes) {
            for (Class<?> c : classes) {
                allowed.add(Objects.requireNonNull(c, "class").getName());
            }
            return this;
        }

        /**
         * The serializer class (default {@link RpcSerializer#kryo()}; {@link RpcSerializer#bytes()} for raw byte arrays).
         *
         * @param serializer an {@link RpcSerializer} implementation both processes can instantiate
         * @return this builder
         */
        public Builder serializer(Class<? extends RpcSerializer> serializer) {
            this.serializer = Objects.requireNonNull(serializer, "serializer");
            return this;
        }

        /**
         * Async backend: the most calls the child runs at once (default: no limit). When the limit
         * is reached the child stops reading requests until one is answered, so further calls wait
         * in the socket and in the parent (back-pressure) instead of piling up in the child.
         *
         * @param calls the most unanswered calls the child runs at once, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code calls} is below 1
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
         *
         * @param bytes the largest frame body, in bytes, at least 1024
         * @return this builder
         * @throws IllegalArgumentException if {@code bytes} is below 1024
         */
        public Builder maxFrameSize(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("maxFrameSize below 1024: " + bytes);
            }
            this.maxFrameSize = bytes;
            return this;
        }

        /**
         * Builds the options; later changes to this builder do not affect them.
         *
         * @return the options set so far
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
