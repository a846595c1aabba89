package dev.jfork.rpc;

import java.util.concurrent.CompletableFuture;

import dev.jfork.Fork;


/**
 * The parent's side of a worker started with {@link Rpc#run}: AnyEvent::Fork::RPC's {@code $rpc}.
 * Thread-safe.
 *
 * <pre>{@code
 * RpcClient rpc = Rpc.run(Fork.create().require("com.example.Worker"), "com.example.Worker.add",
 *         RpcOptions.defaults());
 * CompletableFuture<Integer> sum = rpc.call(41, 1);
 * rpc.close();                  // the child answers what was sent, then exits
 * rpc.terminated().join();      // ... and then this completes
 * }</pre>
 *
 * <p>Dropping a client without closing it closes it (once it is garbage collected), as dropping
 * {@code $rpc} does in Perl; calls already made still complete.
 *
 * <p>Each call is a JDK Flight Recorder event {@code dev.jfork.RpcCall} (category "jfork"; written
 * only while a recording enables it): from {@code call()} until its future completes, with the
 * worker's pid, the function (a proxy's: {@code Interface.method}) and the outcome: ok, failed (the
 * function threw), error (the call could not be made or answered) or cancelled.
 *
 * <p>The methods after {@link #terminated()} form a small SPI for frameworks such as fork-pool.
 */
public interface RpcClient extends AutoCloseable {
    /**
     * Calls the worker's function with these arguments. Never blocks on the worker: calls made
     * before it is up are buffered and sent in order. The future completes with the function's
     * result (cast unchecked to {@code T}) on the thread that reads the connection (see
     * {@link RpcOptions}); a thread waiting in its {@code get()} or {@code join()} may read the
     * connection itself, so a sequential caller is woken by the socket directly (a timed
     * {@code get} only waits, except in a callback on the connection's reader thread, where it reads
     * too: so a callback may make a call and wait for it). It fails with an
     * {@link RpcException}: {@link RpcException.Kind#REMOTE} if the function threw (only this call
     * fails), {@link RpcException.Kind#WORKER_LOST} if the worker died or could not start first,
     * {@link RpcException.Kind#LOCAL} at once if the client is closed or the arguments cannot be
     * encoded or are too large.
     *
     * @param <T>  the type the result is cast to (unchecked)
     * @param args the function's arguments, encoded with the serializer
     * @return a future of the function's result
     */
    <T> CompletableFuture<T> call(Object... args);

    /**
     * {@link #call(Object...)} with the result's type checked: the future completes with a
     * {@code resultType} (a primitive type stands for its wrapper), or fails with an
     * {@link RpcException} of {@link RpcException.Kind#LOCAL} naming the type the worker returned.
     * {@code CompletableFuture<Integer> sum = rpc.call(Integer.class, 40, 2);}
     *
     * @param <T>        the result's type
     * @param resultType the class the result must be an instance of (a null result passes)
     * @param args       the function's arguments, encoded with the serializer
     * @return a future of the function's result
     */
    <T> CompletableFuture<T> call(Class<T> resultType, Object... args);

    /**
     * Half-closes: no more calls are accepted; the child finishes every call already sent, replies,
     * and exits; then {@code onDestroy} runs and {@link #terminated()} completes. Idempotent.
     */
    @Override
    void close();

    /**
     * Completes when the connection has ended: normally once the child ended cleanly (after
     * {@code onDestroy} ran), exceptionally with the {@link RpcException} passed to
     * {@code onError} if it ended abnormally.
     *
     * @return a future that completes when the connection has ended
     */
    CompletableFuture<Void> terminated();

    /**
     * SPI: the number of calls sent (or buffered) and not yet answered: the worker's load.
     *
     * @return the number of unanswered calls
     */
    int inFlight();

    /**
     * SPI: the worker process (for {@link Fork#pid()} and {@link Fork#onExit()}).
     *
     * @return the worker's process
     */
    Fork fork();

    /**
     * SPI: sends a CONTROL frame to the child, in order with calls; the child receives it through
     * the handler set with {@link RpcChild#onControl}.
     *
     * @param kind    the control kind, passed to the child's handler
     * @param payload the frame's bytes (copied)
     * @throws IllegalStateException if the client is closed or the connection has ended
     * @throws IllegalArgumentException if {@code payload} is larger than the maximum frame size
     */
    void control(int kind, byte[] payload);

    /**
     * SPI: kills the worker (SIGKILL): the way to cancel running calls. Pending calls fail with
     * {@link RpcException.Kind#WORKER_LOST} ("killed by signal 9") and {@code onError} runs.
     */
    void kill();
}
