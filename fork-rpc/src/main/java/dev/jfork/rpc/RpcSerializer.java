package dev.jfork.rpc;

import dev.jfork.rpc.internal.BytesSerializer;
import dev.jfork.rpc.internal.KryoSerializer;

/**
 * Turns a list of values (call arguments, a result, event arguments) into bytes and back: Perl's
 * {@code freeze}/{@code thaw} pair. It is chosen by class with
 * {@link RpcOptions.Builder#serializer(Class)} and instantiated in <em>both</em> processes, through
 * a public constructor taking {@code (java.util.List<Class<?>>)} (the classes given to
 * {@link RpcOptions.Builder#register(Class...)}, in order) or a public no-argument constructor.
 * Implementations must be thread-safe.
 */
public interface RpcSerializer {
    /**
     * Encodes values; a result is encoded as a one-element list.
     *
     * @param values the values to encode, in order (elements may be null)
     * @return the encoded bytes
     * @throws Exception if a value cannot be encoded: a call's arguments make it fail with
     *                   {@link RpcException.Kind#LOCAL}, a result makes its call fail with
     *                   {@link RpcException.Kind#REMOTE}, and {@link RpcChild#event} throws
     */
    byte[] encode(Object[] values) throws Exception;

    /**
     * Decodes what {@link #encode} produced from {@code length} bytes at {@code offset}.
     *
     * @param data   the buffer holding the encoded values
     * @param offset where the encoded values start in {@code data}
     * @param length how many bytes they take
     * @return the values, as many and in the order they were encoded
     * @throws Exception if the bytes cannot be decoded: the call whose arguments or result they hold
     *                   then fails, and an event that cannot be decoded goes to {@code onError}
     */
    Object[] decode(byte[] data, int offset, int length) throws Exception;

    /**
     * Kryo 5 (the default): any class travels, records, enums and classes without a no-argument
     * constructor included; common JDK types and the classes given to
     * {@link RpcOptions.Builder#register(Class...)} as fixed ids, others by name; no references.
     * What a worker sends back is accepted only if the parent sent, declared or allowed its class
     * ({@link RpcOptions.Builder#allow(String...)}). See the RPC section of docs/PROTOCOL.md.
     *
     * @return the Kryo serializer's class, for {@link RpcOptions.Builder#serializer(Class)}
     */
    static Class<? extends RpcSerializer> kryo() {
        return KryoSerializer.class;
    }

    /**
     * Raw byte arrays, like AnyEvent::Fork::RPC's string serialiser: every argument and result
     * must be a {@code byte[]} (or null); the fastest choice for functions that speak bytes.
     *
     * @return the bytes serializer's class, for {@link RpcOptions.Builder#serializer(Class)}
     */
    static Class<? extends RpcSerializer> bytes() {
        return BytesSerializer.class;
    }
}
