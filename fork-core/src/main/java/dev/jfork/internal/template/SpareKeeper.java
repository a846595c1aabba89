package dev.jfork.internal.template;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.jfork.internal.os.Native;
import dev.jfork.internal.wire.Frame;
import dev.jfork.internal.wire.Protocol;
import dev.jfork.internal.wire.SparePolicy;

/**
 * Keeps a template's spares: forks started ahead of time and replayed to the template's current
 * state, so that a fork request finds one ready. One keeper thread starts them, one at a time and
 * {@code spareDelay} apart (a JVM's start takes a CPU for tens of milliseconds; the latest
 * hand-over and the spares started before get the CPUs first), and catches idle spares up when the
 * template is prepared further. Nothing here blocks on a spare: what a spare is sent is queued on
 * its own writer.
 *
 * <p>How many: {@link SparePolicy#base()} at least; more while forks are asked for faster, as many
 * as were asked for within the last second (the <em>burst</em>), or as the parent asked to keep
 * ({@link #keep}), up to {@link SparePolicy#max()} and within the memory budget; back to the base
 * once no fork was asked for during the idle timeout.
 *
 * <p>Once the parent asked for them ({@link #park()}), a ready spare is handed to the parent at
 * once ({@link Protocol#SPARE}): the parent makes it a fork without asking the template, and tells
 * it afterwards ({@link #taken}). Such a spare counts as kept until it is taken, ends, or is
 * retired ({@link Protocol#RETIRE}) because fewer are needed.
 *
 * <p>After {@link #FAILURES_TOLERATED} spares in a row fail before they are used (a template whose
 * forks cannot boot or replay), it stops keeping spares; forks are then started on demand.
 */
final class SpareKeeper {
    private static final System.Logger LOG = System.getLogger("dev.jfork");
    /** After this many spares in a row fail before being used, stop keeping spares. */
    static final int FAILURES_TOLERATED = 3;

    private final SparePolicy policy;
    private final long delayNanos;
    private final SpareDemand demand; // guarded by this
    private final ForkLauncher launcher;
    private final Preparation preparation;
    private final ParentChannel parent;
    private final SpareWatch watch;

    // guarded by this
    private final ArrayDeque<Spare> idle = new ArrayDeque<>();
    /** Spares handed to the parent ahead of any fork and not taken yet, by spare id. */
    private final Map<Integer, Spare> parked = new LinkedHashMap<>();
    private int starting;
    private int failures;
    private boolean prepared;
    private boolean started;
    private boolean stopped;
    private boolean parkMode;
    private int nextSpareId;
    /** Classes the parent said forks of this template run (Protocol.HINT), in order. */
    private final List<String> hints = new ArrayList<>();
    /** When a spare was last handed over or started (System.nanoTime). */
    private long lastTaken = System.nanoTime() - (1L << 62);
    private long lastStart = System.nanoTime() - (1L << 62);
    /** What one spare takes (PSS bytes, 0 until measured) and when it was measured (System.nanoTime). */
    private long pssPerSpare;
    /** Whether a measurement found spares to measure (once it did, 0 means the kernel cannot tell). */
    private boolean pssTried;
    private long pssMeasured = System.nanoTime() - (1L << 62);
    private final Object announceLock = new Object();
    private int announced = -1; // guarded by announceLock

    /** Told about every spare started, to reap it. */
    interface SpareWatch {
        void started(Spare s);
    }

    SpareKeeper(SparePolicy policy, ForkLauncher launcher, Preparation preparation, ParentChannel parent, SpareWatch watch) {
        this.policy = policy;
        this.delayNanos = policy.delayMs() * 1_000_000L;
        this.demand = new SpareDemand(policy);
        this.launcher = launcher;
        this.preparation = preparation;
        this.parent = parent;
        this.watch = watch;
    }

    /** Starts the keeper thread (once). */
    synchronized void start() {
        if (policy.max() <= 0 || started || stopped) {
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

    /** The parent keeps spares from now on: every ready spare is handed to it at once. */
    void park() {
        List<Spare> ready = new ArrayList<>();
        synchronized (this) {
            if (parkMode) {
                return;
            }
            parkMode = true;
            for (Spare s : idle) {
                synchronized (s) {
                    if (s.ready) {
                        ready.add(s);
                    }
                }
            }
        }
        for (Spare s : ready) {
            deliver(s);
        }
    }

    /** The parent asks for at least {@code count} spares (bounded by the policy's max). */
    synchronized void keep(int count) {
        demand.keep(count);
        notifyAll();
    }

    /** An idle spare for a hand-over (a fork asked of the template), or null; counts as a fork request. */
    Spare take() {
        Spare s;
        synchronized (this) {
            request();
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

    /** The parent made spare {@code spareId} a fork ({@link Protocol#TAKEN}). */
    synchronized void taken(int spareId) {
        request();
        if (parked.remove(spareId) != null) {
            lastTaken = System.nanoTime();
            failures = 0; // handed over: preparation works in forks
        }
        notifyAll();
    }

    /** Counts a fork request toward the burst. Caller holds the lock. */
    private void request() {
        demand.request(System.nanoTime());
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

    /**
     * A spare handed to the parent ahead of any fork ended. Unless the parent had taken it, it is
     * one fewer kept; one that failed (its replay threw: exit status 70) counts as a failure, one
     * the parent closed (status 0) does not.
     */
    synchronized void parkedEnded(Spare s, boolean failed) {
        if (parked.remove(s.spareId) != null && failed) {
            failures++;
        }
        notifyAll();
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

    /** How many spares to keep now, given what one takes ({@code perSpare} bytes, 0 if unknown). Caller holds the lock. */
    private int target(long now, long perSpare) {
        return demand.target(now, perSpare);
    }

    /** Whether the keeper has something to do: a spare to start, or one too many to end. Caller holds the lock. */
    private boolean needsWork(int target) {
        return count() < target || count() - starting > target && (!idle.isEmpty() || !parked.isEmpty());
    }

    /**
     * The memory (PSS) of one spare, averaged over the spares there are; 0 if unknown. Measured
     * only when spares beyond the base are wanted (the budget applies to those alone), then at
     * most once a second (reading {@code smaps_rollup} walks a process's mappings), and at once
     * while nothing was measured yet, so that the budget holds from the first spare added.
     *
     * <p>Once known, it is measured again only while the template is quiet (nothing handed over
     * or started within the spare delay). A burst is when the keeper wakes most, and reading the
     * smaps of ten or more spares then cost the template 10-15 ms of CPU (profiled, 2 CPUs) beside
     * the forks being handed over; no spare is started before the burst is over anyway.
     */
    private long measurePss() {
        long now = System.nanoTime();
        List<Integer> pids = new ArrayList<>();
        synchronized (this) {
            if (!demand.wantsMoreThanBase() || !pssDue(pssPerSpare > 0 || pssTried, now, pssMeasured, Math.max(lastTaken, lastStart), delayNanos)) {
                return pssPerSpare;
            }
            pssMeasured = now;
            for (Spare s : idle) {
                pids.add(s.pid);
            }
            for (Spare s : parked.values()) {
                pids.add(s.pid);
            }
        }
        long total = 0;
        int measured = 0;
        for (int pid : pids) {
            long p = pss(pid);
            if (p > 0) {
                total += p;
                measured++;
            }
        }
        synchronized (this) {
            pssTried |= !pids.isEmpty(); // a kernel that cannot tell (no smaps_rollup) leaves the budget unapplied
            if (measured > 0) {
                pssPerSpare = total / measured;
            }
            return pssPerSpare;
        }
    }

    /**
     * Whether the spares' PSS is to be read now (see {@link #measurePss}): at once while never
     * read; else once a second, and only when nothing was handed over or started during the last
     * {@code delayNanos} (also where the kernel cannot tell, so that trying costs nothing in a burst).
     */
    static boolean pssDue(boolean known, long now, long measuredAt, long lastActivity, long delayNanos) {
        return !known || now - lastActivity >= delayNanos && now - measuredAt >= 1_000_000_000L;
    }

    /** A process's proportional set size in bytes ({@code /proc/PID/smaps_rollup}), or 0 if unknown. */
    static long pss(int pid) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Paths.get("/proc/" + pid + "/smaps_rollup"))) {
                if (line.startsWith("Pss:")) {
                    return Long.parseLong(line.substring(4).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone, or a kernel without smaps_rollup: unknown
        }
        return 0;
    }

    private void keep() {
        while (true) {
            boolean spawnOne;
            List<Spare> toCatchUp;
            List<Spare> toDiscard = new ArrayList<>();
            List<Integer> toRetire = new ArrayList<>();
            long perSpare = measurePss();
            synchronized (this) {
                long now = System.nanoTime();
                int target = target(now, perSpare);
                while (!stopped && failures < FAILURES_TOLERATED && !prepared && !needsWork(target)) {
                    if (perSpare == 0 && !pssTried && demand.wantsMoreThanBase() && (!idle.isEmpty() || !parked.isEmpty())) {
                        break; // more are wanted: measure what one takes before adding any (the budget)
                    }
                    waitQuietly(demand.untilIdle(now));
                    now = System.nanoTime();
                    target = target(now, perSpare);
                }
                if (!stopped && failures < FAILURES_TOLERATED && !prepared && !needsWork(target)) {
                    continue; // measure, then look again
                }
                if (stopped) {
                    return;
                }
                if (failures >= FAILURES_TOLERATED) {
                    LOG.log(Level.WARNING, "jfork: {0} spare processes in a row ended before use; not keeping spares any more", failures);
                    return;
                }
                // more than needed (a burst is over): undelivered ones go first, then the parent's
                while (count() - starting > target && !idle.isEmpty()) {
                    toDiscard.add(idle.pollLast());
                }
                // the newest parked first: the parent takes the oldest next, and a spare it is
                // about to take must not be the one retired under it
                List<Integer> newestFirst = new ArrayList<>(parked.keySet());
                java.util.Collections.reverse(newestFirst);
                for (Integer id : newestFirst) {
                    if (count() - starting <= target) {
                        break;
                    }
                    parked.remove(id);
                    toRetire.add(id);
                }
                boolean missing = count() < target;
                long wait = Math.max(lastTaken, lastStart) + delayNanos - now;
                if (missing && wait > 0 && !prepared && toDiscard.isEmpty() && toRetire.isEmpty()) {
                    waitQuietly(wait); // a spare was just handed over or started: let it have the CPUs first
                    continue;
                }
                prepared = false;
                toCatchUp = new ArrayList<>(idle);
                spawnOne = missing && wait <= 0;
                if (spawnOne) {
                    starting++;
                    lastStart = now;
                }
            }
            for (Spare s : toDiscard) {
                synchronized (s) {
                    s.taken = true;
                }
                s.discard(false);
            }
            for (int id : toRetire) {
                parent.reply(Frame.encode(Protocol.RETIRE, id, new byte[0]));
            }
            if (!toDiscard.isEmpty()) {
                announce();
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

    /** Spares kept: idle, being started, and handed to the parent ahead of any fork. Caller holds the lock. */
    private int count() {
        return idle.size() + starting + parked.size();
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
                notifyAll();
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
            notifyAll();
        }
        if (!keep) {
            s.discard(false);
            return;
        }
        sendHints(s, toHint);
        Spare ready = s;
        s.writer.then(() -> {
            boolean deliver;
            synchronized (ready) {
                ready.ready = true;
            }
            synchronized (this) {
                deliver = parkMode;
            }
            if (deliver) {
                deliver(ready);
            } else {
                announce(); // counted once its replay and warm-up are written
            }
        });
    }

    /**
     * Hands an idle, ready spare to the parent ahead of any fork: nothing more is queued for it
     * here, and once everything queued is written and it is found alive and silent, the parent
     * gets {@link Protocol#SPARE} with its sockets, and this template closes its copies.
     */
    private void deliver(Spare s) {
        int position;
        synchronized (this) {
            if (stopped || !idle.remove(s)) {
                return; // taken for a hand-over, discarded, or the template stops
            }
            parked.put(--nextSpareId, s); // counted as kept from now on
            synchronized (s) {
                s.taken = true; // no more catch-up or hints from here: the parent does that
                s.spareId = nextSpareId;
            }
        }
        position = s.position();
        s.writer.then(() -> handToParent(s, position));
    }

    private void handToParent(Spare s, int position) {
        if (s.writer.failure() != null || !Native.isIdlePeer(s.control.fd())) {
            synchronized (this) {
                parked.remove(s.spareId);
                failures++;
                notifyAll();
            }
            s.discard(true);
            LOG.log(Level.DEBUG, "discarding spare {0}: it ended or failed before it was handed over", s.pid);
            return;
        }
        boolean sent = parent.replyWithFds(Frame.encode(Protocol.SPARE, s.spareId, Frame.ints(s.pid, position)),
                new int[] {s.control.fd(), s.stderr});
        s.discard(false); // the template's copies: the parent has its own now (or there is no parent any more)
        Integer status;
        synchronized (s) {
            s.delivered = sent;
            status = s.status;
        }
        if (!sent) {
            synchronized (this) {
                parked.remove(s.spareId);
                notifyAll();
            }
        } else if (status != null) {
            parent.reply(Frame.encode(Protocol.EXITED, s.spareId, Frame.ints(status))); // it ended already: SPARE came first
            parkedEnded(s, status != 0);
        }
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
     * lets tests wait for them), unless the parent keeps them itself. Counted and sent under one
     * lock of its own, so counts arrive in order, without holding the keeper's lock while writing
     * to the parent.
     */
    private void announce() {
        synchronized (announceLock) {
            int n = 0;
            synchronized (this) {
                if (parkMode) {
                    return;
                }
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
