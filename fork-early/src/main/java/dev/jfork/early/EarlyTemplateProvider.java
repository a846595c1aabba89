package dev.jfork.early;

import java.util.Optional;

import dev.jfork.Fork;
import dev.jfork.spi.TemplateProvider;

/**
 * How fork-core finds the early template ({@code META-INF/services}, or {@code provides} in the
 * module descriptor): once {@link ForkEarly#start()} has run, {@code Fork.exec()} and
 * {@code Fork.create()} fork from it. Not for direct use.
 */
public final class EarlyTemplateProvider implements TemplateProvider {
    /** For {@link java.util.ServiceLoader}. */
    public EarlyTemplateProvider() {}

    @Override
    public Optional<Fork> template() {
        return ForkEarly.started();
    }
}
