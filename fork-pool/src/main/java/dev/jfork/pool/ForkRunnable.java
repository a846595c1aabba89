package dev.jfork.pool;

import java.io.Serializable;

/**
 * A task for {@link ForkExecutor} that returns nothing: a {@link Runnable} that can be serialized
 * (see {@link ForkCallable}).
 */
@FunctionalInterface
public interface ForkRunnable extends Runnable, Serializable {
}
