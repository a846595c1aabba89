package dev.jfork.internal.parent;

import dev.jfork.JvmSpec;
import dev.jfork.internal.wire.LaunchLine;

/**
 * The shared template behind {@code Fork.create()}: started on first use, replaced when it has
 * died or was closed (AnyEvent::Fork keeps using a dead {@code $TEMPLATE}).
 */
public final class DefaultTemplate {
    private DefaultTemplate() {}

    private static ProcessLink current; // guarded by the class

    /** The default template, started if there is none or it is not alive. */
    public static synchronized ProcessLink get() {
        if (current == null || !current.isAlive()) {
            current = Launcher.exec(JvmSpec.defaults(), LaunchLine.TEMPLATE);
        }
        return current;
    }

    private static synchronized void replace(ProcessLink dead) {
        if (current == dead) {
            current = null;
        }
    }

    /** A fork of the default template; if it turns out to have died since it was last checked, of a new one. */
    public static ProcessLink fork() {
        ProcessLink template = get();
        ProcessLink child = template.fork();
        if (child.failedToStart()) {
            replace(template);
            child = get().fork();
        }
        return child;
    }
}
