package dev.jfork.rpc.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

import dev.jfork.rpc.RpcException;

/**
 * The future of one call. Waiting for it with {@link #get()} or {@link #join()} lets the waiting
 * thread read the connection itself when no other thread is reading (leader/follower), so a
 * sequential caller is woken by the socket directly instead of by a hand-off from the reader
 * thread; so does a timed {@code get} on the thread that reads the connection (else it would wait
 * for itself). Dependent stages are plain {@link CompletableFuture}s.
 *
 * <p>A call made through {@link ClientHandle#call(Object[], Class, BiConsumer)} (fork-pool's) also
 * tells its outcome to a listener, once, right after completing: the next job of a pool worker is
 * sent from there, and a dependent stage would add its allocations and hand-shakes to every job.
 *
 * <p>While a JFR recording wants {@code dev.jfork.RpcCall}, the call's event is kept here from
 * {@code call()} on and committed by whichever completion comes first ({@link #complete},
 * {@link #completeExceptionally}, {@link #cancel}), just before the future completes, so its
 * duration does not include the dependent stages. Otherwise that field stays null: the cost of
 * the event on the path of every call is {@code JforkEvents.rpcCallBegin()} answering null and a
 * null check per completion.
 */
final class RpcFuture extends CompletableFuture<Object> {
    private static final System.Logger LOG = System.getLogger("dev.jfork.rpc");
    private static final VarHandle EVENT;

    static {
        try {
            EVENT = MethodHandles.lookup().findVarHandle(RpcFuture.class, "event", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Outcomes of {@code dev.jfork.RpcCall}. */
    static final String OK = "ok";
    static final String FAILED = "failed";
    static final String ERROR = "error";
    static final String CANCELLED = "cancelled";

    private final Connection connection;
    /** Where the call's frame ends in the connection's charged stream ({@link FrameWriter#position()}). */
    long end;

    /** What the result must be (wrappers for primitives), or null. */
    private final Class<?> resultType;
    /** Told the outcome once it is set (value or error), or null. */
    private final BiConsumer<Object, Throwable> listener;
    /**
     * The call's JFR event while a recording wants it (see {@link Connection#callEnded}), else null;
     * taken (set to null) once, by the first completion. Plain: set before the future is published.
     */
    private Object event;

    RpcFuture(Connection connection, Class<?> resultType, BiConsumer<Object, Throwable> listener, Object event) {
        this.connection = connection;
        this.resultType = resultType == null ? null : MethodType.methodType(resultType).wrap().returnType();
        this.listener = listener;
        this.event = event;
    }

    /** Commits the call's event, if a recording wants it and nobody did yet, unless the call is done already. */
    private void ended(String outcome) {
        if (!isDone()) {
            Object e = EVENT.getAndSet(this, null);
            if (e != null) {
                connection.callEnded(e, outcome);
            }
        }
    }

    private static String outcomeOf(Throwable error) {
        if (error instanceof RpcException) {
            return ((RpcException) error).kind() == RpcException.Kind.REMOTE ? FAILED : ERROR;
        }
        return error instanceof CancellationException ? CANCELLED : ERROR;
    }

    @Override
    public boolean complete(Object value) {
        if (event != null) {
            ended(OK);
        }
        boolean first = super.complete(value);
        if (first && listener != null) {
            tell(value, null);
        }
        return first;
    }

    @Override
    public boolean completeExceptionally(Throwable error) {
        if (event != null) {
            ended(outcomeOf(error));
        }
        boolean first = super.completeExceptionally(error);
        if (first && listener != null) {
            tell(null, error);
        }
        return first;
    }

    /** Cancelling a call only drops its result (the worker still runs it); its event ends as cancelled. */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        if (event != null) {
            ended(CANCELLED);
        }
        return super.cancel(mayInterruptIfRunning);
    }

    /** Like a dependent stage, a listener that throws does not disturb the thread completing the call (the reader). */
    private void tell(Object value, Throwable error) {
        try {
            listener.accept(value, error);
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "jfork-rpc: a call's listener threw", t);
        }
    }

    /** Completes with a result, or fails if it is not of the type the caller asked for. */
    void completeTyped(Object value, int id, String worker) {
        if (resultType == null || value == null || resultType.isInstance(value)) {
            complete(value);
        } else {
            completeExceptionally(new RpcException(RpcException.Kind.LOCAL, "call " + id + " to worker " + worker + " returned a "
                    + value.getClass().getName() + ", not the " + resultType.getName() + " asked for", null, null, null));
        }
    }

    @Override
    public Object get() throws InterruptedException, ExecutionException {
        if (!isDone()) {
            connection.help(this, true);
        }
        return super.get();
    }

    /**
     * A timed wait only waits, except on the thread that is reading this connection (a callback of
     * another call, on the reader thread): nobody else would read the answer, so it reads, as
     * {@link #get()} does.
     */
    @Override
    public Object get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        if (!isDone() && connection.isReadingThread()) {
            connection.help(this, true);
        }
        return super.get(timeout, unit);
    }

    @Override
    public Object join() {
        if (!isDone()) {
            try {
                connection.help(this, false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // not possible when not interruptible
            }
        }
        return super.join();
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
