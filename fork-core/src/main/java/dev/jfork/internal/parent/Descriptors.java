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
import java.nio.channels.NetworkChannel;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.jfork.ForkChannel;
import dev.jfork.ForkFd;
import dev.jfork.internal.os.Native;


/**
 * Finds the descriptor number behind the objects {@code sendFd} accepts and duplicates it, so the
 * caller may close its object at once. The JDK hides descriptor numbers. Without JVM options jfork
 * still finds them for what the seeds pass: the standard descriptors by identity and sockets by
 * their addresses ({@link SocketDescriptors}). Where the program opened {@code java.base} to jfork,
 * it reads the JDK's own fields instead, which works for every file and pipe too.
 */
public final class Descriptors {
    private Descriptors() {}

    /** The module jfork runs in, as {@code --add-opens} wants it named. */
    static String self() {
        Module m = Descriptors.class.getModule();
        return m.isNamed() ? m.getName() : "ALL-UNNAMED";
    }

    /** True if the program opened {@code java.base/pkg} to jfork ({@code --add-opens}). */
    private static boolean opened(String pkg) {
        return Object.class.getModule().isOpen(pkg, Descriptors.class.getModule());
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
        if (d == FileDescriptor.in) {
            return 0;
        }
        if (d == FileDescriptor.out) {
            return 1;
        }
        if (d == FileDescriptor.err) {
            return 2;
        }
        if (!opened("java.io")) {
            throw needsOpens("java.io", d, null);
        }
        return (Integer) readField(FileDescriptor.class, "fd", d, "java.io");
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
            if (!opened("sun.nio.ch") || !opened("java.io")) {
                throw needsOpens("sun.nio.ch", ch, null);
            }
            return of((FileDescriptor) readField(ch.getClass(), "fd", ch, "sun.nio.ch"));
        }
        if (opened("sun.nio.ch")) {
            Integer fd = viaSelChImpl(ch);
            if (fd != null) {
                return fd;
            }
        }
        if (ch instanceof NetworkChannel) {
            return SocketDescriptors.find((NetworkChannel) ch);
        }
        Integer fd = viaSelChImpl(ch); // a Pipe end: reachable only where sun.nio.ch is open
        if (fd != null) {
            return fd;
        }
        throw new IllegalArgumentException("cannot send a " + ch.getClass().getName()
                + "; sendFd takes descriptors, FileDescriptors, file streams, FileChannels, JDK socket and pipe channels, "
                + "jnr channels, ForkChannels and ForkFds");
    }

    /** The descriptor of a JDK selectable channel ({@code sun.nio.ch.SelChImpl}), or null if {@code ch} is none. */
    private static Integer viaSelChImpl(Channel ch) {
        try {
            Class<?> selCh = Class.forName("sun.nio.ch.SelChImpl");
            if (!selCh.isInstance(ch)) {
                return null;
            }
            Method m = selCh.getMethod("getFDVal");
            m.setAccessible(true);
            return (Integer) m.invoke(ch);
        } catch (InaccessibleObjectException e) {
            throw needsOpens("sun.nio.ch", ch, e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot find the descriptor of " + ch + ": " + e, e);
        }
    }

    public static int of(Closeable stream) {
        if (stream == System.in) {
            return 0;
        }
        if (stream == System.out) {
            return 1;
        }
        if (stream == System.err) {
            return 2;
        }
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
                + "; sendFd takes System.in/out/err, FileInputStream, FileOutputStream, RandomAccessFile and channels");
    }

    /**
     * Opens {@code path} for sending, as {@link java.nio.file.Files#newByteChannel} would with these
     * options (none: read only); the descriptor is the caller's.
     */
    public static int open(Path path, OpenOption... options) {
        boolean read = false;
        boolean write = false;
        int flags = 0;
        for (OpenOption o : options) {
            if (o == StandardOpenOption.READ) {
                read = true;
            } else if (o == StandardOpenOption.WRITE) {
                write = true;
            } else if (o == StandardOpenOption.APPEND) {
                write = true;
                flags |= Native.O_APPEND;
            } else if (o == StandardOpenOption.CREATE) {
                flags |= Native.O_CREAT;
            } else if (o == StandardOpenOption.CREATE_NEW) {
                flags |= Native.O_CREAT | Native.O_EXCL;
            } else if (o == StandardOpenOption.TRUNCATE_EXISTING) {
                flags |= Native.O_TRUNC;
            } else if (o == StandardOpenOption.SYNC) {
                flags |= Native.O_SYNC;
            } else if (o == StandardOpenOption.DSYNC) {
                flags |= Native.O_DSYNC;
            } else if (o == LinkOption.NOFOLLOW_LINKS) {
                flags |= Native.O_NOFOLLOW;
            } else if (o != StandardOpenOption.SPARSE) { // a hint the JDK itself ignores on Linux
                throw new IllegalArgumentException("cannot send " + path + " opened with " + o
                        + ": sendFd(Path, ...) takes READ, WRITE, APPEND, CREATE, CREATE_NEW, TRUNCATE_EXISTING, SYNC, DSYNC,"
                        + " SPARSE and NOFOLLOW_LINKS");
            }
        }
        if (!write) {
            // the JDK ignores CREATE and TRUNCATE_EXISTING when a file is opened only for reading
            flags &= ~(Native.O_CREAT | Native.O_EXCL | Native.O_TRUNC);
            read = true;
        }
        flags |= read && write ? Native.O_RDWR : write ? Native.O_WRONLY : Native.O_RDONLY;
        try {
            return Native.open(path.toString(), flags, 0666);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot send " + path + ": " + e.getMessage(), e);
        }
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

    private static IllegalArgumentException needsOpens(String pkg, Object what, RuntimeException cause) {
        boolean file = what instanceof FileChannel || what instanceof FileDescriptor;
        return new IllegalArgumentException("the JDK does not tell the descriptor of a " + what.getClass().getName()
                + " without the JVM option --add-opens java.base/" + pkg + "=" + self()
                + (what instanceof FileChannel ? " and --add-opens java.base/java.io=" + self() : "")
                + (file ? "; without options, open the file with sendFd(Path, OpenOption...)" : "")
                + " (an int descriptor, a ForkChannel, a jnr channel and the JDK's socket channels need no option)", cause);
    }
}
