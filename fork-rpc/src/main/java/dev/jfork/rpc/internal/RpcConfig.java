package dev.jfork.rpc.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.jfork.rpc.RpcOptions;
import dev.jfork.rpc.RpcSerializer;

/**
 * What the child needs to know, sent as the last {@code sendArg} (a byte array) before
 * {@code run}: a magic prefix and version, then the fields below (strings as a presence flag plus
 * {@code writeUTF}). The child's entry strips it, so {@code init} sees only the user's arguments.
 */
public final class RpcConfig {
    static final byte[] MAGIC = "jfork-rpc\0".getBytes(StandardCharsets.US_ASCII);

    final String function;
    final boolean async;
    final String init;
    final String done;
    final String serializer;
    final List<String> registrations;
    final int maxInFlight;
    final int maxFrameSize;
    final String proxyInterface;
    final String proxyImpl;
    /** Parent side only: the classes themselves. */
    private final List<Class<?>> registeredClasses;
    private final Class<?> serializerClass;

    private RpcConfig(String function, boolean async, String init, String done, String serializer, List<String> registrations,
            int maxInFlight, int maxFrameSize, String proxyInterface, String proxyImpl, List<Class<?>> classes, Class<?> serializerClass) {
        this.function = function;
        this.async = async;
        this.init = init;
        this.done = done;
        this.serializer = serializer;
        this.registrations = registrations;
        this.maxInFlight = maxInFlight;
        this.maxFrameSize = maxFrameSize;
        this.proxyInterface = proxyInterface;
        this.proxyImpl = proxyImpl;
        this.registeredClasses = classes;
        this.serializerClass = serializerClass;
    }

    public static RpcConfig forFunction(String function, RpcOptions o) {
        return of(function, null, null, o);
    }

    public static RpcConfig forProxy(String iface, String impl, RpcOptions o) {
        return of(null, iface, impl, o);
    }

    private static RpcConfig of(String function, String iface, String impl, RpcOptions o) {
        List<String> names = new ArrayList<>();
        for (Class<?> c : o.registrations()) {
            names.add(c.getName());
        }
        return new RpcConfig(function, o.async(), o.init(), o.done(), o.serializer().getName(), names, o.maxInFlight(),
                o.maxFrameSize(), iface, impl, o.registrations(), o.serializer());
    }

    public int maxFrameSize() {
        return maxFrameSize;
    }

    public byte[] encode() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(MAGIC);
            out.writeInt(Frames.VERSION);
            writeString(out, function);
            out.writeBoolean(async);
            writeString(out, init);
            writeString(out, done);
            writeString(out, serializer);
            out.writeInt(registrations.size());
            for (String r : registrations) {
                writeString(out, r);
            }
            out.writeInt(maxInFlight);
            out.writeInt(maxFrameSize);
            writeString(out, proxyInterface);
            writeString(out, proxyImpl);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** True if these bytes start like a configuration (so the last argument is ours). */
    static boolean looksLikeConfig(byte[] b) {
        return b.length >= MAGIC.length && Arrays.equals(Arrays.copyOf(b, MAGIC.length), MAGIC);
    }

    static RpcConfig decode(byte[] b) throws IOException {
        if (!looksLikeConfig(b)) {
            throw new IOException("the last argument is not an RPC configuration (was the process started with Rpc.run?)");
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(b, MAGIC.length, b.length - MAGIC.length));
        int version = in.readInt();
        if (version != Frames.VERSION) {
            throw new IOException("RPC protocol version " + version + " from the parent, this child speaks " + Frames.VERSION
                    + " (different fork-rpc jars?)");
        }
        String function = readString(in);
        boolean async = in.readBoolean();
        String init = readString(in);
        String done = readString(in);
        String serializer = readString(in);
        int n = in.readInt();
        List<String> regs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            regs.add(readString(in));
        }
        int maxInFlight = in.readInt();
        int maxFrameSize = in.readInt();
        String iface = readString(in);
        String impl = readString(in);
        if (in.available() != 0) {
            throw new IOException("RPC configuration has " + in.available() + " trailing bytes");
        }
        return new RpcConfig(function, async, init, done, serializer, List.copyOf(regs), maxInFlight, maxFrameSize, iface, impl, null, null);
    }

    /**
     * Instantiates the serializer (in the child, loading the registered classes by name). With
     * {@code accepted} (the parent's side), Kryo refuses classes from the worker that it does not
     * accept; a serializer of the user's own decides that itself.
     */
    public RpcSerializer newSerializer(AcceptedClasses accepted) {
        List<Class<?>> classes = registeredClasses;
        try {
            if (classes == null) {
                classes = new ArrayList<>();
                for (String name : registrations) {
                    classes.add(Class.forName(name, true, loader()));
                }
            }
            Class<?> type = serializerClass != null ? serializerClass : Class.forName(serializer, true, loader());
            if (!RpcSerializer.class.isAssignableFrom(type)) {
                throw new IllegalArgumentException("serializer " + serializer + " does not implement RpcSerializer");
            }
            if (type == KryoSerializer.class) {
                return new KryoSerializer(List.copyOf(classes), accepted);
            }
            try {
                Constructor<?> c = type.getConstructor(List.class);
                return (RpcSerializer) c.newInstance(List.copyOf(classes));
            } catch (NoSuchMethodException e) {
                return (RpcSerializer) type.getConstructor().newInstance();
            }
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("serializer " + serializer + " could not be created: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalArgumentException("serializer " + serializer + " could not be created: " + e, e);
        }
    }

    static ClassLoader loader() {
        ClassLoader l = Thread.currentThread().getContextClassLoader();
        return l != null ? l : ClassLoader.getSystemClassLoader();
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    private static String readString(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }
}
