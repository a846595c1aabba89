package dev.jfork.rpc.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.DefaultSerializers;
import com.esotericsoftware.kryo.serializers.ImmutableCollectionsSerializers;
import com.esotericsoftware.kryo.util.DefaultInstantiatorStrategy;
import com.esotericsoftware.kryo.util.Pool;
import org.objenesis.strategy.StdInstantiatorStrategy;

import dev.jfork.rpc.RpcSerializer;

/**
 * The default serializer: Kryo 5 with registration required and fixed ids (the same in both
 * processes), no references. Values are written as {@code count:varint} then
 * {@code writeClassAndObject} per value. One {@link Kryo} and {@link Output} per concurrent user,
 * from pools.
 */
public final class KryoSerializer implements RpcSerializer {
    /** The id of the first class given to {@code RpcOptions.Builder.register}. */
    public static final int FIRST_USER_ID = 100;
    private static final int KEEP_OUTPUT = 64 * 1024;

    /** Built-in registrations, id = 10 + index (Kryo itself registers the primitives and String as 0-8). */
    static final List<Class<?>> BUILT_IN = List.of(
            Object[].class, byte[].class, int[].class, long[].class, double[].class, float[].class, short[].class,
            char[].class, boolean[].class, String[].class,                                              // 10-19
            ArrayList.class, LinkedList.class, HashMap.class, LinkedHashMap.class, TreeMap.class, HashSet.class,
            LinkedHashSet.class, TreeSet.class, BigInteger.class, BigDecimal.class,                     // 20-29
            UUID.class, List.of().getClass(), List.of(1).getClass(), Set.of().getClass(), Set.of(1).getClass(),
            Map.of().getClass(), Map.of(1, 1).getClass(), Collections.emptyList().getClass(),
            Collections.emptyMap().getClass(), Collections.emptySet().getClass(),                       // 30-39
            Collections.singletonList(1).getClass(), Collections.singletonMap(1, 1).getClass(),
            Collections.singleton(1).getClass(), Arrays.asList(1).getClass(), Optional.class, Instant.class,
            Duration.class, LocalDate.class, LocalTime.class, LocalDateTime.class);                     // 40-49

    private final List<Class<?>> registrations;
    private final Pool<Kryo> kryos;
    private final Pool<Output> outputs;

    public KryoSerializer(List<Class<?>> registrations) {
        this.registrations = List.copyOf(registrations);
        newKryo(this.registrations); // fail early on a class Kryo cannot handle
        this.kryos = new Pool<Kryo>(true, false, 64) {
            @Override
            protected Kryo create() {
                return newKryo(KryoSerializer.this.registrations);
            }
        };
        this.outputs = new Pool<Output>(true, false, 64) {
            @Override
            protected Output create() {
                return new Output(256, -1);
            }
        };
    }

    public KryoSerializer() {
        this(List.of());
    }

    /** A Kryo configured like every other of this connection. */
    static Kryo newKryo(List<Class<?>> registrations) {
        Kryo k = new Kryo();
        k.setRegistrationRequired(true);
        k.setReferences(false);
        k.setInstantiatorStrategy(new DefaultInstantiatorStrategy(new StdInstantiatorStrategy()));
        ImmutableCollectionsSerializers.addDefaultSerializers(k);
        int id = 10;
        for (Class<?> c : BUILT_IN) {
            if (c == UUID.class) {
                k.register(c, new DefaultSerializers.UUIDSerializer(), id++);
            } else {
                k.register(c, id++);
            }
        }
        id = FIRST_USER_ID;
        for (Class<?> c : registrations) {
            k.register(c, id++);
        }
        return k;
    }

    @Override
    public byte[] encode(Object[] values) {
        Kryo k = kryos.obtain();
        Output o = outputs.obtain();
        try {
            o.reset();
            o.writeVarInt(values.length, true);
            for (Object v : values) {
                k.writeClassAndObject(o, v);
            }
            return o.toBytes();
        } catch (IllegalArgumentException e) {
            throw unregistered(e);
        } finally {
            kryos.free(k);
            if (o.getBuffer().length <= KEEP_OUTPUT) {
                outputs.free(o);
            }
        }
    }

    /** Kryo's "not registered" advice names an object jfork users do not have: name jfork's fix instead. */
    private static RuntimeException unregistered(IllegalArgumentException e) {
        String m = e.getMessage();
        String prefix = "Class is not registered: ";
        if (m == null || !m.startsWith(prefix)) {
            return e;
        }
        int end = m.indexOf('\n');
        String cls = m.substring(prefix.length(), end < 0 ? m.length() : end).trim();
        return new IllegalArgumentException("class " + cls + " is not registered for jfork RPC: add it with"
                + " RpcOptions.Builder.register(" + cls + ".class), or ForkPool.Builder.register(" + cls
                + ".class) for a pool (registrations are sent to the worker, so both sides agree)", e);
    }

    @Override
    public Object[] decode(byte[] data, int offset, int length) {
        Kryo k = kryos.obtain();
        try {
            Input in = new Input(data, offset, length);
            int n = in.readVarInt(true);
            if (n < 0 || n > length) {
                throw new IllegalArgumentException("bad value count " + n + " in " + length + " bytes");
            }
            Object[] values = new Object[n];
            for (int i = 0; i < n; i++) {
                values[i] = k.readClassAndObject(in);
            }
            if (in.position() != offset + length) {
                throw new IllegalArgumentException((offset + length - in.position()) + " trailing bytes after " + n + " values");
            }
            return values;
        } finally {
            kryos.free(k);
        }
    }
}
