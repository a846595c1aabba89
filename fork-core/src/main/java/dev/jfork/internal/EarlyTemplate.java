package dev.jfork.internal;

import java.util.concurrent.CompletableFuture;

import dev.jfork.Fork;

/**
 * Where fork-early registers its template (AnyEvent::Fork's {@code $EARLY}). While one is set and
 * alive, {@link Fork#exec()} forks from it and {@link Fork#create()} uses it as the default
 * template, so the program itself never starts a JVM again.
 */
public final class EarlyTemplate {
    private EarlyTemplate() {}

    private static volatile CompletableFuture<Fork> early;

    /** Registers the early template (still starting: the future completes when it is spawned). */
    public static void set(CompletableFuture<Fork> template) {
        early = template;
    }

    /** The early template, waiting for it to be spawned; null if there is none or it failed to start. */
    public static Fork get() {
        CompletableFuture<Fork> f = early;
        if (f == null) {
            return null;
        }
        try {
            return f.join();
        } catch (RuntimeException e) {
            return null;
        }
    }
}
