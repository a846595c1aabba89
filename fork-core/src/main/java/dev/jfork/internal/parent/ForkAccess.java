package dev.jfork.internal.parent;

import java.util.function.Function;

import dev.jfork.Fork;

/**
 * How jfork's other modules turn a {@link ProcessLink} into the public {@link Fork} without a
 * public constructor (the JDK's "shared secrets" pattern): {@code Fork} registers its factory here
 * when it is initialised.
 */
public final class ForkAccess {
    private ForkAccess() {}

    private static volatile Function<ProcessLink, Fork> factory;

    /** Called once, by {@code Fork}'s static initialiser. */
    public static void register(Function<ProcessLink, Fork> f) {
        factory = f;
    }

    /** The Fork of {@code link}, closed when dropped like any other. */
    public static Fork wrap(ProcessLink link) {
        Function<ProcessLink, Fork> f = factory;
        if (f == null) {
            try {
                Class.forName(Fork.class.getName(), true, Fork.class.getClassLoader()); // registers it
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            f = factory;
        }
        return f.apply(link);
    }
}
