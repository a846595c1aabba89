package dev.jfork.internal.parent;

import java.io.Closeable;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.reflect.Field;
import java.lang.reflect.InaccessibleObjectException;
import java.lang.reflect.Method;
import java.nio.channels.Channel;
import java.nio.channels.FileChannel;

import dev.jfork.ForkChannel;
import dev.jfork.ForkFd;
import dev.jfork.internal.os.Native;


/**
 * Finds the descriptor number behind the objects {@code sendFd} accepts and duplicates it, so the
 * caller may close its object at once. The JDK hides descriptor numbers; reaching them needs the
 * JVM options named in the exceptions thrown here.
 */
public final class Descriptors {
    private Descriptors() {}

    /** The module jfork runs in, as {@code --add-opens} wants it named. */
    private static String self() {
        Module m = Descriptors.class.getModule();
        return m.isNamed() ? m.getName() : "ALL-UNNAMED";
    }

    /** A close-on-exec duplicate of {@code fd}, owned by the caller. */
    public static int duplicate(int fd, Object what) {
        if (fd < 0) {
            throw new IllegalArgumentException("cannot send " + what + ": it has no open descriptor (closed?)");
        }
        try {
            return Native.dupCloexec(fd, 3);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot send descriptor " + fd + " (" + what + "): " + e.getMessage(), e);
        }
    }

    public static int of(FileDescriptor d) {
        if (!d.valid()) {
            throw new IllegalArgumentException("cannot send a closed FileDescriptor");
        }
        return readInt(FileDescriptor.class, "fd", d, "java.io");
    }

    public static int of(Channel ch) {
        if (!ch.isOpen()) {
            throw new IllegalArgumentException("cannot send a closed channel: " + ch);
        }
        if (ch instanceof ForkChannel) {
            return ((ForkChannel) ch).fd();
        }
        if (ch instanceof ForkFd) {
            return ((ForkFd) ch).intValue();
        }
        if (ch instanceof jnr.enxio.channels.NativeSelectableChannel) {
            return ((jnr.enxio.channels.NativeSelectableChannel) ch).getFD();
        }
        if (ch instanceof FileChannel) {
            Object fd = readField(ch.getClass(), "fd", ch, "sun.nio.ch");
            return of((FileDescriptor) fd);
        }
        // SocketChannel, ServerSocketChannel, DatagramChannel and Pipe channels implement sun.nio.ch.SelChImpl
        try {
            Class<?> selCh = Class.forName("sun.nio.ch.SelChImpl");
            if (selCh.isInstance(ch)) {
                Method m = selCh.getMethod("getFDVal");
                m.setAccessible(true);
                return (Integer) m.invoke(ch);
            }
        } catch (InaccessibleObjectException e) {
            throw needsOpens("sun.nio.ch", ch, e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot find the descriptor of " + ch + ": " + e, e);
        }
        throw new IllegalArgumentException("cannot send a " + ch.getClass().getName()
                + "; sendFd takes descriptors, FileDescriptors, file streams, FileChannels, JDK socket and pipe channels, "
                + "jnr channels, ForkChannels and ForkFds");
    }

    public static int of(Closeable stream) {
        try {
            if (stream instanceof FileInputStream) {
                return of(((FileInputStream) stream).getFD());
            }
            if (stream instanceof FileOutputStream) {
                return of(((FileOutputStream) stream).getFD());
            }
            if (stream instanceof RandomAccessFile) {
                return of(((RandomAccessFile) stream).getFD());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot send " + stream + ": " + e.getMessage(), e);
        }
        if (stream instanceof Channel) {
            return of((Channel) stream);
        }
        throw new IllegalArgumentException("cannot send a " + stream.getClass().getName()
                + "; sendFd takes FileInputStream, FileOutputStream, RandomAccessFile and channels");
    }

    private static int readInt(Class<?> owner, String name, Object target, String pkg) {
        return (Integer) readField(owner, name, target, pkg);
    }

    private static Object readField(Class<?> start, String name, Object target, String pkg) {
        for (Class<?> c = start; c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(target);
            } catch (NoSuchFieldException e) {
                continue;
            } catch (InaccessibleObjectException e) {
                throw needsOpens(pkg, target, e);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("cannot find the descriptor of " + target + " (no field " + name + " in this JDK)");
    }

    private static IllegalStateException needsOpens(String pkg, Object what, RuntimeException cause) {
        return new IllegalStateException("passing a " + what.getClass().getName() + " needs the JVM option --add-opens java.base/"
                + pkg + "=" + self() + (pkg.equals("sun.nio.ch") && what instanceof FileChannel
                        ? " and --add-opens java.base/java.io=" + self() : "")
                + " (or pass an int descriptor, a ForkChannel or a jnr channel, which need none)", cause);
    }
}
