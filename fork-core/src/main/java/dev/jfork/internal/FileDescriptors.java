package dev.jfork.internal;

import java.io.FileDescriptor;
import java.lang.reflect.Field;

/**
 * Turns a descriptor number into a {@link FileDescriptor} in a child JVM. The JDK has no public way
 * to do this, so it reflects on {@code FileDescriptor.fd}; jfork starts every child with
 * {@code --add-opens java.base/java.io=ALL-UNNAMED} for this. Pure JDK: on the child's boot path.
 */
public final class FileDescriptors {
    private FileDescriptors() {}

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
        try {
            FileDescriptor d = new FileDescriptor();
            field().setInt(d, fd);
            return d;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot wrap descriptor " + fd
                    + " as a java.io.FileDescriptor; this JVM needs --add-opens java.base/java.io=ALL-UNNAMED", e);
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
