package dev.jfork.pool;

import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * A task for {@link ForkExecutor} that returns a value: a {@link Callable} that can be serialized,
 * so that {@code executor.submit(() -> fib(30))} compiles to a task that can travel to a worker
 * process. What the lambda captures travels with it and must be serializable too; its class must
 * be on the worker's class path (the executor's template has the caller's).
 */
@FunctionalInterface
public interface ForkCallable<T> extends Callable<T>, Serializable {
}
