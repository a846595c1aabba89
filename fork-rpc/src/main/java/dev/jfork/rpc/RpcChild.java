package dev.jfork.rpc;

import java.util.function.BiConsumer;

import dev.jfork.rpc.internal.RpcServer;

/**
 * What code running in an RPC worker can do besides returning results: send events, flush, and
 * (for frameworks) exchange control frames. All methods are thread-safe and may be called from
 * {@code init}, from the function, and from any thread the worker starts.
 */
public final class RpcChild {
    private RpcChild() {}

    /**
     * Sends an event: the parent's {@code onEvent} receives {@code args}, in order with results
     * (an event sent before a call returns arrives before its result). Written at once (blocking
     * while the socket is full).
     *
     * @param args the event's arguments, encoded with the worker's serializer
     * @throws IllegalStateException    outside an RPC worker, or after its connection ended
     * @throws IllegalArgumentException if the arguments cannot be encoded or exceed the maximum frame size
     */
    public static void event(Object... args) {
        RpcServer.require().event(args);
    }

    /**
     * Blocks until every event and result queued so far is written to the socket (call it before
     * an abrupt {@code System.exit} to be sure the parent gets them).
     *
     * @return false if the connection failed first (the parent is gone)
     * @throws IllegalStateException outside an RPC worker
     */
    public static boolean flush() {
        return RpcServer.require().flush();
    }

    /**
     * True in a process running an RPC worker (once {@code init} is about to run).
     *
     * @return whether this process is an RPC worker
     */
    public static boolean active() {
        return RpcServer.current() != null;
    }

    /**
     * SPI for frameworks (fork-pool): sends a CONTROL frame, received by the parent's
     * {@link RpcOptions.Builder#onControl} handler in order with events and results.
     *
     * @param kind    the control kind, passed to the parent's handler
     * @param payload the frame's bytes (copied)
     * @throws IllegalStateException outside an RPC worker, or after its connection ended
     */
    public static void control(int kind, byte[] payload) {
        RpcServer.require().control(kind, payload);
    }

    /**
     * SPI for frameworks: receives CONTROL frames sent by the parent with
     * {@link RpcClient#control(int, byte[])}, on the worker's reader thread. Replaces the previous
     * handler; null removes it (frames are then ignored).
     *
     * @param handler receives the kind and payload of each frame, or null
     * @throws IllegalStateException outside an RPC worker
     */
    public static void onControl(BiConsumer<Integer, byte[]> handler) {
        RpcServer.require().onControl(handler);
    }
}
