package dev.jfork.internal.parent;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The parent's view of a process as a template: the forks it was asked for and has not reported
 * the end of (by fork id), the classes its forks ran (for {@code HINT}), and what it last said
 * about its spares and class-data archive.
 */
final class TemplateLink {
    private final Map<Integer, ProcessLink> forks = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger();
    private final Set<String> hinted = new HashSet<>(); // guarded by itself

    private final Object reports = new Object();
    /** What the template reported about itself (-1 / null until it does). Guarded by reports. */
    private int idleSpares = -1;
    private String archive;

    /** Registers a fork about to be asked for; its id. */
    int register(ProcessLink fork) {
        int id = nextId.incrementAndGet();
        forks.put(id, fork);
        return id;
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

    /** Waits until the template has at least {@code n} ready spares; false on timeout. */
    boolean awaitSpares(int n, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        synchronized (reports) {
            while (idleSpares < n) {
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
