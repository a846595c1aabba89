package dev.jfork.internal.template;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import dev.jfork.internal.wire.Frame;
import dev.jfork.internal.wire.Protocol;

/**
 * Keeps a template's spares: {@code target} forks started ahead of time and replayed to the
 * template's current state, so that a fork request hands one over at once. One keeper thread
 * starts replacements ({@code spareDelay} after the latest hand-over, so that a start does not
 * compete for the CPUs with the fork just handed over) and catches idle spares up when the
 * template is prepared further. Nothing here blocks on a spare: what a spare is sent is queued on
 * its own writer.
 *
 * <p>After {@link #FAILURES_TOLERATED} spares in a row die before they are used (a template whose
 * forks cannot boot), it stops keeping spares; forks are then started on demand.
 */
final class SpareKeeper {
    private static final System.Logger LOG = System.getLogger("dev.jfork");
    /** After this many spares in a row die before being handed over, stop keeping spares. */
    static final int FAILURES_TOLERATED = 3;

    private final int target;
    private final long delayNanos;
    private final ForkLauncher launcher;
    private final Preparation preparation;
    private final ParentChannel parent;
    private final SpareWatch watch;

    // guarded by this
    private final ArrayDeque<Spare> idle = new ArrayDeque<>();
    private int starting;
    private int failures;
    private boolean prepared;
    private boolean started;
    private boolean stopped;
    /** Classes the parent said forks of this template run (Protocol.HINT), in order. */
    private final List<String> hints = new ArrayList<>();
    /** When a spare was last handed over (System.nanoTime). */
    private long lastTaken = System.nanoTime() - (1L << 62);
    private final Object announceLock = new Object();
    private int announced = -1; // guarded by announceLock

    /** Told about every spare started, to reap it. */
    interface SpareWatch {
        void started(Spare s);
    }

    SpareKeeper(int target, long delayMs, ForkLauncher launcher, Preparation preparation, ParentChannel parent, SpareWatch watch) {
        this.target = target;
        this.delayNanos = delayMs * 1_000_000L;
        this.launcher = launcher;
        this.preparation = preparation;
        this.parent = parent;
        this.watch = watch;
    }

    /** Starts the keeper thread (once). */
    synchronized void start() {
        if (target <= 0 || started || stopped) {
            return;
        }
        started = true;
        Thread t = new Thread("jfork-spare-keeper") {
            @Override
            public void run() {
                keep();
            }
        };
        t.setDaemon(true);
        t.start();
    }

    /** An idle spare for a hand-over, or null; the keeper starts its replacement after the spare delay. */
    Spare take() {
        Spare s;
        synchronized (this) {
            s = idle.pollFirst();
            if (s != null) {
                lastTaken = System.nanoTime();
            }
            notifyAll();
        }
        if (s != null) {
            synchronized (s) {
                s.taken = true;
            }
            announce();
        }
        return s;
    }

    /** The template was prepared further: idle spares catch up. */
    synchronized void prepared() {
        prepared = true;
        notifyAll();
    }

    /** A fork of this template ran a function of this class: idle spares load it now, later spares once started. */
    void hint(String className) {
        List<Spare> targets;
        synchronized (this) {
            if (hints.contains(className)) {
                return;
            }
            hints.add(className);
            targets = new ArrayList<>(idle);
        }
        for (Spare s : targets) {
            sendHints(s, List.of(className));
        }
    }

    /** A spare ended before it was handed over. */
    void lost(Spare s, int status) {
        boolean wasIdle;
        synchronized (this) {
            wasIdle = idle.remove(s);
            if (wasIdle) {
                failures++;
                notifyAll();
            }
        }
        if (wasIdle) {
            s.discard(false);
            LOG.log(Level.WARNING, "jfork spare process {0} ended before it was used (status {1})", s.pid, status);
            announce();
        }
    }

    /** A spare was handed over and came up: preparation works in forks. */
    synchronized void succeeded() {
        failures = 0;
    }

    /** No more spares: the idle ones end (end of stream on their sockets) and the keeper stops. */
    void stop() {
        List<Spare> leftover;
        synchronized (this) {
            stopped = true;
            leftover = new ArrayList<>(idle);
            idle.clear();
            notifyAll();
        }
        for (Spare s : leftover) {
            synchronized (s) {
                s.taken = true;
            }
            s.discard(false);
        }
    }

    private void keep() {
        while (true) {
            boolean spawnOne;
            List<Spare> toCatchUp;
            synchronized (this) {
                while (!stopped && failures < FAILURES_TOLERATED && idle.size() + starting >= target && !prepared) {
                    waitQuietly(0);
                }
                if (stopped) {
                    return;
                }
                if (failures >= FAILURES_TOLERATED) {
                    LOG.log(Level.WARNING, "jfork: {0} spare processes in a row ended before use; not keeping spares any more", failures);
                    return;
                }
                boolean missing = idle.size() + starting < target;
                long wait = lastTaken + delayNanos - System.nanoTime();
                if (missing && wait > 0 && !prepared) {
                    waitQuietly(wait); // a spare was just handed over: let it and its parent have the CPUs first
                    continue;
                }
                prepared = false;
                toCatchUp = new ArrayList<>(idle);
                spawnOne = missing && wait <= 0;
                if (spawnOne) {
                    starting++;
                }
            }
            int state = preparation.size();
            for (Spare s : toCatchUp) {
                try {
                    s.catchUp(preparation, state);
                } catch (IOException e) {
                    LOG.log(Level.DEBUG, "spare {0} could not catch up: {1}", s.pid, e);
                }
            }
            if (spawnOne) {
                startOne();
            }
        }
    }

    private void startOne() {
        Spare s = null;
        try {
            s = launcher.launch(preparation.descriptors());
            watch.started(s);
            s.catchUp(preparation, preparation.size());
            s.writer.write(Frame.encode(Protocol.WARM_UP, new byte[0]));
        } catch (IOException | RuntimeException | LinkageError e) {
            LOG.log(Level.WARNING, "jfork: cannot start a spare process: {0}", e.toString());
            if (s != null) {
                s.discard(true);
            }
            synchronized (this) {
                starting--;
                failures++;
            }
            return;
        }
        List<String> toHint;
        boolean keep;
        synchronized (this) {
            starting--;
            keep = !stopped && !s.isReaped();
            if (keep) {
                idle.addLast(s);
            } else if (s.isReaped()) {
                failures++;
            }
            toHint = new ArrayList<>(hints);
        }
        if (!keep) {
            s.discard(false);
            return;
        }
        sendHints(s, toHint);
        Spare ready = s;
        s.writer.then(() -> {
            synchronized (ready) {
                ready.ready = true;
            }
            announce(); // counted once its replay and warm-up are written
        });
    }

    /** Queues HINT frames for a spare that is not taken yet. */
    private static void sendHints(Spare s, List<String> classNames) {
        synchronized (s) {
            if (s.taken || s.status != null) {
                return;
            }
            for (String c : classNames) {
                s.writer.write(Frame.encode(Protocol.HINT, 0, c));
            }
        }
    }

    /**
     * Tells the parent how many spares are ready, when that changed (it shows in diagnostics and
     * lets tests wait for them). Counted and sent under one lock of its own, so counts arrive in
     * order, without holding the keeper's lock while writing to the parent.
     */
    private void announce() {
        synchronized (announceLock) {
            int n = 0;
            synchronized (this) {
                for (Spare s : idle) {
                    synchronized (s) {
                        n += s.ready ? 1 : 0;
                    }
                }
            }
            if (n != announced) {
                announced = n;
                parent.reply(Frame.encode(Protocol.SPARES, Frame.ints(n)));
            }
        }
    }

    private void waitQuietly(long nanos) {
        try {
            if (nanos <= 0) {
                wait();
            } else {
                wait(nanos / 1_000_000, (int) (nanos % 1_000_000));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
