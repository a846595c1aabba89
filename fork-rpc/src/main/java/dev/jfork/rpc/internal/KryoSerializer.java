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
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.util.DefaultClassResolver;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.DefaultSerializers;
import com.esotericsoftware.kryo.serializers.ImmutableCollectionsSerializers;
import com.esotericsoftware.kryo.util.DefaultInstantiatorStrategy;
import com.esotericsoftware.kryo.util.Pool;
import org.objenesis.strategy.StdInstantiatorStrategy;

import dev.jfork.rpc.RpcSerializer;

/**
 * The default serializer: Kryo 5, registration optional (registered classes and the built-in JDK
 * ones travel as fixed ids, the same in both processes; other classes by name, checked by the
 * parent, see {@link AcceptedClasses}), no references. Values are written as {@code count:varint} then
 * {@code writeClassAndObject} per value. One {@link Kryo} and {@link Output} per concurrent user,
 * from pools.
 */
public final class KryoSerializer implements RpcSerializer {
    static {
        // Kryo probes sun.misc.Unsafe when it loads unless told not to, and on JDK 24+ the JVM
        // warns about that probe on stderr; jfork's serializer never uses Kryo's unsafe paths
        if (Runtime.version().feature() >= 24 && System.getProperty("kryo.unsafe") == null) {
            System.setProperty("kryo.unsafe", "false");
        }
    }

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
    /** What this side accepts from its peer; null: anything (a worker trusts its parent). */
    private final AcceptedClasses accepted;
    private final Pool<Kryo> kryos;
    private final Pool<Output> outputs;

    /** A serializer that accepts any class from its peer: a worker's, whose peer is its parent. */
    public KryoSerializer(List<Class<?>> registrations) {
        this(registrations, null);
    }

    /** A serializer that accepts from its peer only what {@code accepted} allows (the parent's). */
    public KryoSerializer(List<Class<?>> registrations, AcceptedClasses accepted) {
        this.registrations = List.copyOf(registrations);
        this.accepted = accepted;
        newKryo(this.registrations, accepted); // fail early on a class Kryo cannot handle
        this.kryos = new Pool<Kryo>(true, false, 64) {
            @Override
            protected Kryo create() {
                return newKryo(KryoSerializer.this.registrations, KryoSerializer.this.accepted);
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

    /**
     * Remembers the classes this side writes, and checks every class the peer names before Kryo
     * makes anything of it. Registered classes (ids) need no check: both sides declared them.
     */
    private static final class CheckingResolver extends DefaultClassResolver {
        private final AcceptedClasses accepted;

        CheckingResolver(AcceptedClasses accepted) {
            this.accepted = accepted;
        }

        @Override
        @SuppressWarnings("rawtypes")
        public Registration writeClass(Output output, Class type) {
            if (accepted != null && type != null) {
                accepted.declare(type);
            }
            return super.writeClass(output, type);
        }

        @Override
        protected Registration readName(Input input) {
            Registration r = super.readName(input);
            if (accepted != null && r != null && !accepted.accepts(r.getType())) {
                throw new KryoException(accepted.refusal(r.getType()));
            }
            return r;
        }
    }

    /**
     * A Kryo configured like every other of this connection: no registration required (classes
     * that are not registered travel by name, and the parent checks them, see
     * {@link AcceptedClasses}), registered classes and JDK basics with fixed ids.
     */
    static Kryo newKryo(List<Class<?>> registrations, AcceptedClasses accepted) {
        Kryo k = new Kryo(new CheckingResolver(accepted), null);
        k.setRegistrationRequired(false);
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
        } finally {
            kryos.free(k);
            if (o.getBuffer().length <= KEEP_OUTPUT) {
                outputs.free(o);
            }
        }
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
