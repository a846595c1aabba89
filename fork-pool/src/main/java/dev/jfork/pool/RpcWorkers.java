package dev.jfork.pool;

import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.function.BiConsumer;

import dev.jfork.Fork;
import dev.jfork.internal.concurrent.JforkThreads;
import dev.jfork.internal.parent.ForkAccess;
import dev.jfork.rpc.Rpc;
import dev.jfork.rpc.RpcClient;
import dev.jfork.rpc.RpcException;
import dev.jfork.rpc.RpcOptions;
import dev.jfork.rpc.internal.ClientHandle;

/**
 * The real {@link PoolRuntime}: {@code System.nanoTime}, jfork's shared timer and threads, and
 * workers that are forks of the pool's template running the pool's function through fork-rpc, with
 * {@link WorkerInit} as their RPC init (it runs the user's init, then tells the pool it is ready).
 */
final class RpcWorkers implements PoolRuntime {
    private final ForkPool.Builder o;
    /** The templates; a remote one started again replaces its dead self here. */
    private final Fork[] templates;
    /** Which templates this pool started again (and so closes when it terminates). Guarded by this. */
    private final boolean[] restarted;
    /** The pool terminated: a template started again from now on is closed at once. Guarded by this. */
    private boolean poolEnded;

    RpcWorkers(ForkPool.Builder options) {
        this.o = options;
        this.templates = options.templateList().toArray(new Fork[0]);
        this.restarted = new boolean[templates.length];
    }

    private synchronized Fork template(int t) {
        return templates[t];
    }

    @Override
    public int templates() {
        return templates.length;
    }

    @Override
    public boolean canStartWorkers(int t) {
        return template(t).isAlive();
    }

    @Override
    public void keepSpares(int t, int count) {
        try {
            template(t).keepSpares(count); // queues a frame to the template: it does not wait
        } catch (IllegalStateException e) {
            // the template was closed or run (or handed over): it has no spares to keep
        }
    }

    @Override
    public boolean restartTemplate(int t) {
        Fork dead = template(t);
        java.util.Optional<Fork> fresh = ForkAccess.revive(dead); // a new connection to its host, prepared like it
        if (fresh.isEmpty()) {
            return false;
        }
        synchronized (this) {
            if (poolEnded) {
                fresh.get().close(); // the pool ended meanwhile: nobody will fork from it
                return false;
            }
            templates[t] = fresh.get();
            restarted[t] = true;
        }
        return true;
    }

    @Override
    public String templateName(int t) {
        Fork f = template(t);
        return f.host().orElse("template " + f.pidNow().orElse(-1));
    }

    /** Closes the templates this pool started again (the ones it was given are the caller's). */
    synchronized void closeRestartedTemplates() {
        poolEnded = true;
        for (int t = 0; t < templates.length; t++) {
            if (restarted[t]) {
                templates[t].close();
            }
        }
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Cancellable schedule(long delayNanos, Runnable task) {
        ScheduledFuture<?> f = JforkThreads.after(delayNanos, task);
        return () -> f.cancel(false);
    }

    @Override
    public void execute(Runnable task) {
        JforkThreads.io(task);
    }

    @Override
    public boolean canStartWorkers() {
        return canStartWorkers(0);
    }

    @Override
    public void keepSpares(int count) {
        keepSpares(0, count);
    }

    @Override
    public Worker startWorker(int id, WorkerEvents events) {
        return startWorker(id, 0, events);
    }

    @Override
    public Worker startWorker(int id, int t, WorkerEvents events) {
        Fork fork = template(t).fork().sendArg(WorkerInit.MARKER + (o.init == null ? "" : o.init));
        RpcOptions.Builder rpc = RpcOptions.builder().async(o.async).init(WorkerInit.class.getName() + ".init")
                .onControl((kind, payload) -> {
                    if (kind == ForkPool.CONTROL_READY) {
                        events.ready();
                    } else if (kind == ForkPool.CONTROL_RETIRE) {
                        events.retireRequested();
                    }
                })
                // a worker's end is the pool's to report (after its bookkeeping, see PoolScheduler.ended);
                // what else a connection reports, nobody else hears of
                .onError(e -> {
                    if (e.kind() != RpcException.Kind.WORKER_LOST) {
                        events.reported(e);
                    }
                })
                .register(o.registrations.toArray(new Class<?>[0]))
                .allow(o.allowed.toArray(new String[0]));
        if (o.onEvent != null) {
            rpc.onEvent(o.onEvent);
        }
        RpcClient client = Rpc.run(fork, o.function, rpc.build());
        ClientHandle handle = (ClientHandle) client; // Rpc.run's clients are; the pool uses its listener calls
        // asked for once: each call of RpcClient.terminated() makes a new copy, a dependent that the
        // client's own future keeps until the worker ends
        CompletableFuture<Void> terminated = client.terminated();
        return new Worker() {
            @Override
            @SuppressWarnings("unchecked")
            public CompletableFuture<Object> call(Object[] args, Class<?> resultType) {
                return resultType == null ? client.call(args) : client.call((Class<Object>) resultType, args);
            }

            @Override
            public void call(Object[] args, Class<?> resultType, BiConsumer<Object, Throwable> answer) {
                handle.call(args, resultType, answer);
            }

            @Override
            public long pid() {
                OptionalLong pid = fork.pidNow(); // never waits
                return pid.isPresent() ? pid.getAsLong() : -1;
            }

            @Override
            public void close() {
                client.close();
            }

            @Override
            public void kill() {
                client.kill();
            }

            @Override
            public CompletableFuture<Void> terminated() {
                return terminated;
            }

            @Override
            public String toString() {
                return "worker " + id + " (" + fork + ")";
            }
        };
    }
}
