package dev.jfork.internal.os;

import java.io.FileDescriptor;
import java.lang.reflect.Field;

/**
 * Turns a descriptor number into a {@link FileDescriptor} in a child JVM (never in the parent: the
 * user's JVM has no {@code --sun-misc-unsafe-memory-access=allow}, and JDK 24+ would warn). The JDK has no public way
 * to do this. jfork writes the private {@code fd} field with {@code sun.misc.Unsafe} (module
 * {@code jdk.unsupported}, usable without JVM options), because the alternative, reflection with
 * {@code --add-opens java.base/java.io=ALL-UNNAMED} on every child's command line, costs each child
 * about 10 ms of start-up: the JVM cannot use its archived module graph when a module is opened
 * on the command line. Reflection remains the fallback for a JVM where Unsafe is refused. Pure
 * JDK: on the child's boot path.
 */
@SuppressWarnings({"removal", "deprecation", "sunapi"})
public final class FileDescriptors {
    private FileDescriptors() {}

    private static sun.misc.Unsafe unsafe;
    private static long fdOffset = -1;
    private static Field fdField;

    public static FileDescriptor of(int fd) {
        if (fd == 0) {
            return FileDescriptor.in;
        }
        if (fd == 1) {
            return FileDescriptor.out;
        }
        if (fd == 2) {
            return FileDescriptor.err;
        }
        FileDescriptor d = new FileDescriptor();
        if (viaUnsafe(d, fd)) {
            return d;
        }
        try {
            field().setInt(d, fd);
            return d;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot wrap descriptor " + fd
                    + " as a java.io.FileDescriptor; this JVM needs --add-opens java.base/java.io=ALL-UNNAMED", e);
        }
    }

    private static synchronized boolean viaUnsafe(FileDescriptor d, int fd) {
        try {
            if (fdOffset < 0) {
                Field theUnsafe = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
                theUnsafe.setAccessible(true);
                unsafe = (sun.misc.Unsafe) theUnsafe.get(null);
                fdOffset = unsafe.objectFieldOffset(FileDescriptor.class.getDeclaredField("fd"));
            }
            unsafe.putInt(d, fdOffset, fd);
            return d.valid();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static synchronized Field field() throws ReflectiveOperationException {
        if (fdField == null) {
            Field f = FileDescriptor.class.getDeclaredField("fd");
            f.setAccessible(true);
            fdField = f;
        }
        return fdField;
    }
}
