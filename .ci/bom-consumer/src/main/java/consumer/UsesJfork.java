package consumer;

import dev.jfork.Fork;

/** Compiles only if the BOM resolved fork-core. */
public final class UsesJfork {
    private UsesJfork() {}

    public static Class<?> api() {
        return Fork.class;
    }
}
