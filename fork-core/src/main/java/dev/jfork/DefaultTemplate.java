package dev.jfork;

import dev.jfork.internal.EarlyTemplate;

/**
 * The shared template behind {@link Fork#create()}: started on first use, replaced when it has
 * died or was closed (AnyEvent::Fork keeps using a dead {@code $TEMPLATE}).
 */
final class DefaultTemplate {
    private DefaultTemplate() {}

    private static Fork current;

    static synchronized Fork get() {
        Fork early = EarlyTemplate.get();
        if (early != null && early.link().isAlive()) {
            return early; // AnyEvent::Fork::Early sets $TEMPLATE too
        }
        if (current == null || !current.link().isAlive()) {
            current = new Fork(ProcessLink.exec(JvmSpec.defaults(), ChildCommand.ROLE_TEMPLATE));
        }
        return current;
    }

    private static synchronized void replace(Fork dead) {
        if (current == dead) {
            current = null;
        }
    }

    static Fork fork() {
        Fork template = get();
        ProcessLink child = template.link().fork();
        if (child.failedToStart()) {
            // the template died since it was last checked: start a new one, once
            replace(template);
            child = get().link().fork();
        }
        return new Fork(child);
    }
}
