package dev.jfork.internal.os;

/**
 * Whether libc is bound in this JVM (by {@link Native}, here or in the background). A class of its
 * own, so that asking loads nothing else: a program's first {@code Fork.create()} asks before it
 * starts its first JVM, and {@link Native}'s set-up would cost that start milliseconds.
 */
public final class LibcBound {
    private LibcBound() {}

    private static volatile boolean bound;

    /** Whether the binding is made, so that a call to {@link Native} does not wait for it. */
    public static boolean now() {
        return bound;
    }

    /** Called by {@link Native} once the binding is made. */
    static void set() {
        bound = true;
    }
}
