package dev.jfork.internal.parent;

/**
 * jfork's logger for the parent's classes, made on first use: setting up the logging backend
 * costs a cold JVM 25-30 ms, which a program's first {@code create()} need not wait for when
 * nothing is logged on its way.
 */
final class Log {
    private Log() {}

    static final System.Logger LOG = System.getLogger("dev.jfork");
}
