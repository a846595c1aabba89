package dev.jfork.spi;

import java.util.Optional;

import dev.jfork.Fork;

/**
 * Supplies the template that {@link Fork#exec()} and {@link Fork#create()} fork from instead of
 * starting JVMs themselves: how fork-early plugs in (AnyEvent::Fork::Early setting
 * {@code $EARLY}). Found with {@link java.util.ServiceLoader} once, on the first {@code exec()} or
 * {@code create()}: declare an implementation in {@code META-INF/services/dev.jfork.spi.TemplateProvider}
 * (class path) or with {@code provides} (module path). The first provider that offers a template
 * that is alive wins.
 */
public interface TemplateProvider {
    /**
     * The template to fork from now, or empty (then jfork starts JVMs itself). Called on every
     * {@code exec()} and {@code create()}: it must be quick and must not throw. It may wait for a
     * template that is being started.
     *
     * @return the template, or empty if this provider has none to offer now
     */
    Optional<Fork> template();
}
