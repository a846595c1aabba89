/**
 * jfork RPC: AnyEvent::Fork::RPC for the JVM, with clear failures.
 *
 * <p>{@link dev.jfork.rpc.Rpc#run} turns a prepared {@link dev.jfork.Fork} into a worker and returns
 * an {@link dev.jfork.rpc.RpcClient}: {@code call(args...)} returns a {@code CompletableFuture};
 * {@code close()} lets the worker finish what was sent and exit. {@link dev.jfork.rpc.RpcOptions}
 * chooses the backend (sync: {@code static Object fn(Object...)}; async:
 * {@code static void fn(RpcReply, Object...)}, see {@link dev.jfork.rpc.RpcReply}), the
 * {@code init} and {@code done} functions, the callbacks, the serializer
 * ({@link dev.jfork.rpc.RpcSerializer}) and the limits. In the worker,
 * {@link dev.jfork.rpc.RpcChild} sends events and flushes. {@link dev.jfork.rpc.Rpc#proxy} is the
 * typed layer over an interface. Every failure is an {@link dev.jfork.rpc.RpcException} saying what
 * happened: the child's exception, or how the worker died.
 *
 * <p>The wire format is in docs/PROTOCOL.md ("RPC framing"). Everything in
 * {@code dev.jfork.rpc.internal} is implementation.
 */
package dev.jfork.rpc;
