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

    /**
     * For a template on another machine whose connection died: a new one there, prepared like it
     * (fork-pool reconnects with it); empty for a process of this machine.
     *
     * @throws RuntimeException if the other machine cannot be reached
     */
    public static java.util.Optional<Fork> revive(Fork dead) {
        ProcessLink fresh = link(dead).revive();
        return fresh == null ? java.util.Optional.empty() : java.util.Optional.of(wrap(fresh));
    }

    private static volatile Function<Fork, ProcessLink> links;

    /** Called once, by {@code Fork}'s static initialiser: how to reach a Fork's link. */
    public static void registerLinks(Function<Fork, ProcessLink> f) {
        links = f;
    }

    /** A Fork instance exists: its class was initialised, and registered this. */
    private static ProcessLink link(Fork f) {
        return links.apply(java.util.Objects.requireNonNull(f, "fork"));
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
