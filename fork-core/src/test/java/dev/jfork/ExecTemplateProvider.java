package dev.jfork;

import java.util.Optional;

import dev.jfork.spi.TemplateProvider;

/**
 * A {@link TemplateProvider} for {@link ProviderFirstProgram}: on the first question it starts a
 * template of its own with {@code Fork.exec(JvmSpec)} (which asks no provider), and offers it from
 * then on. Declared as a service only on that program's class path.
 */
public final class ExecTemplateProvider implements TemplateProvider {
    static volatile Fork template;

    @Override
    public Optional<Fork> template() {
        synchronized (ExecTemplateProvider.class) {
            if (template == null) {
                template = Fork.exec(JvmSpec.defaults());
            }
        }
        return Optional.of(template);
    }
}
