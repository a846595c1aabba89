package dev.jfork.internal.parent;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import dev.jfork.internal.os.Native;

/**
 * The parent's view of a process as a template: the forks it was asked for and has not reported
 * the end of (by fork id, or by spare id for forks made of parked spares), the classes its forks
 * ran (for {@code HINT}), the spares it handed over ahead of any fork (<em>parked</em> here until
 * a {@code fork()} takes one) with the {@link PreparationLog} that catches them up, and what it
 * last said about its spares and class-data archive.
 */
final class TemplateLink {
    /** A spare the template handed over ahead of any fork ({@code SPARE}): its pid, replay position and sockets. */
    static final class Parked {
        final int id;
        final long pid;
        final int position;
        final int control;
        final int stderr;

        Parked(int id, long pid, int position, int control, int stderr) {
            this.id = id;
            this.pid = pid;
            this.position = position;
            this.control = control;
            this.stderr = stderr;
        }

        void close() {
            Native.closeQuietly(control); // it reads end of stream and exits; its template reports that
            Native.closeQuietly(stderr);
        }
    }

    /** What was sent to the template since it parks its spares here. */
    final PreparationLog log;

    /** @param prepared the preparation entries the process was sent before it became a template */
    TemplateLink(int prepared) {
        this.log = new PreparationLog(prepared);
    }

    private final Map<Integer, ProcessLink> forks = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger();
    private final Set<String> hinted = new HashSet<>(); // guarded by itself

    private final Object reports = new Object();
    /** What the template reported about itself (-1 / null until it does). Guarded by reports. */
    private int idleSpares = -1;
    private String archive;
    private boolean parkMode;
    private boolean parkingOver;
    private final ArrayDeque<Parked> parked = new ArrayDeque<>();

    /** Registers a fork about to be asked for; its id. */
    int register(ProcessLink fork) {
        int id = nextId.incrementAndGet();
        forks.put(id, fork);
        return id;
    }

    /** Registers a fork made of the parked spare {@code id}: its exit is reported under that id. */
    void put(int id, ProcessLink fork) {
        forks.put(id, fork);
    }

    /** The fork with this id, still registered (null if unknown or already ended). */
    ProcessLink get(int id) {
        return forks.get(id);
    }

    /** The fork with this id, which ends here: nothing more will be reported about it. */
    ProcessLink remove(int id) {
        return forks.remove(id);
    }

    /** Every fork still registered, now unregistered (the template will report on none of them any more). */
    List<ProcessLink> takeAll() {
        List<ProcessLink> all = new ArrayList<>(forks.values());
        forks.clear();
        return all;
    }

    /** True the first time a class is named: the template is told once per class. */
    boolean firstHint(String className) {
        synchronized (hinted) {
            return hinted.add(className);
        }
    }

    /** From now on the template hands its spares over to be parked here; false if it already did. */
    boolean park() {
        synchronized (reports) {
            if (parkMode || parkingOver) {
                return false;
            }
            parkMode = true;
        }
        log.start();
        return true;
    }

    /**
     * Parks a spare the template handed over, and gives it the hints given so far (the template
     * may have handed it over before a hint reached it); false (and the spare closed) if this
     * template forks no more.
     */
    boolean addParked(Parked p) {
        List<String> hints;
        synchronized (hinted) {
            hints = new ArrayList<>(hinted);
        }
        synchronized (reports) {
            if (!parkingOver) {
                if (hints.isEmpty() || hint(p, hints)) {
                    parked.addLast(p);
                    reports.notifyAll();
                    return true;
                }
            }
        }
        p.close();
        return false;
    }

    /** Writes hint frames to a parked spare without blocking; false if they did not fit whole (its stream would break). Caller holds reports. */
    private static boolean hint(Parked p, List<String> classNames) {
        for (String c : classNames) {
            if (!writeWhole(p, dev.jfork.internal.wire.Frame.encode(dev.jfork.internal.wire.Protocol.HINT, 0, c))) {
                return false;
            }
        }
        return true;
    }

    private static boolean writeWhole(Parked p, byte[] frame) {
        ByteBuffer direct = ByteBuffer.allocateDirect(frame.length);
        direct.put(frame).flip();
        try {
            return Native.writeNonBlocking(p.control, direct) == frame.length;
        } catch (java.io.IOException e) {
            return false; // it is gone
        }
    }

    /**
     * A parked spare that is still alive and silent (one that ended or failed meanwhile is closed
     * and skipped), now unparked; null if there is none.
     */
    Parked takeParked() {
        while (true) {
            Parked p;
            synchronized (reports) {
                p = parked.pollFirst();
            }
            if (p == null || Native.isIdlePeer(p.control)) {
                return p;
            }
            p.close();
        }
    }

    /** Unparks and closes spare {@code id} if it is parked here (it ended, or the template retired it). */
    void dropParked(int id) {
        Parked found = null;
        synchronized (reports) {
            for (Parked p : parked) {
                if (p.id == id) {
                    found = p;
                    break;
                }
            }
            if (found != null) {
                parked.remove(found);
            }
        }
        if (found != null) {
            found.close();
        }
    }

    /** The template forks no more (it was closed, run, handed over or ended): parked spares end, the log is let go. */
    void endParking() {
        List<Parked> all;
        synchronized (reports) {
            parkingOver = true;
            all = new ArrayList<>(parked);
            parked.clear();
            reports.notifyAll();
        }
        for (Parked p : all) {
            p.close();
        }
        log.close();
    }

    /**
     * Gives a hint frame to the parked spares: written at once if it fits whole in the socket
     * (a parked spare reads everything it gets), else that spare is dropped (a partial frame
     * would break its stream).
     */
    void hintParked(byte[] frame) {
        List<Parked> broken = new ArrayList<>();
        synchronized (reports) { // no fork() takes a spare meanwhile: its socket has one writer at a time
            for (Parked p : parked) {
                if (!writeWhole(p, frame)) {
                    broken.add(p);
                }
            }
            parked.removeAll(broken);
        }
        for (Parked p : broken) {
            p.close();
        }
    }

    void spares(int n) {
        synchronized (reports) {
            idleSpares = n;
            reports.notifyAll();
        }
    }

    void archive(String state) {
        synchronized (reports) {
            archive = state;
            reports.notifyAll();
        }
    }

    /** How many spares are parked here now. */
    int parkedCount() {
        synchronized (reports) {
            return parked.size();
        }
    }

    /** Waits until the template has at least {@code n} ready spares (parked here, or its own); false on timeout. */
    boolean awaitSpares(int n, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        synchronized (reports) {
            while ((parkMode ? parked.size() : idleSpares) < n) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return false;
                }
                reports.wait(left);
            }
            return true;
        }
    }

    /** Waits until the template reports its class-data archive: the path, or "none: reason"; null on timeout. */
    String awaitArchive(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        synchronized (reports) {
            while (archive == null) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return null;
                }
                reports.wait(left);
            }
            return archive;
        }
    }
}
