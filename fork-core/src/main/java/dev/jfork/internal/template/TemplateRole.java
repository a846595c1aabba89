package dev.jfork.internal.template;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import dev.jfork.internal.os.Native;
import dev.jfork.internal.os.Reaper;
import dev.jfork.internal.wire.Frame;
import dev.jfork.internal.wire.LaunchLine;
import dev.jfork.internal.wire.Protocol;
import dev.jfork.internal.wire.WaitStatus;

/**
 * What a process does once it is forked from: it becomes a template. Every fork is a new JVM with
 * the template's own command line ({@link ForkLauncher}), replayed to the template's state and
 * handed to the parent ({@link HandOver}); forks started ahead of time wait as spares
 * ({@link SpareKeeper}); forks boot from a class-data archive of what the template requires once
 * it is built ({@link ClassDataArchive}). The template reaps its forks and reports their exits.
 *
 * <p>The command loop calls in on its own thread ({@link #fork}, {@link #prepared},
 * {@link #hint}, {@link #stop}); none of these waits for a fork. A failed fork is reported with
 * {@link Protocol#FORK_FAILED} and the template lives on (unlike AnyEvent::Fork, where a failed
 * fork kills the template).
 */
public final class TemplateRole {
    private final LaunchLine line;
    private final Preparation preparation;
    private final ParentChannel parent;
    private final ForkLauncher launcher;
    private final SpareKeeper keeper;
    private final HandOver handOver;

    // guarded by this
    private int pendingHandOvers;
    private boolean archiveStarted;

    public TemplateRole(LaunchLine line, Preparation preparation, ParentChannel parent) throws IOException {
        Native.load();
        this.line = line;
        this.preparation = preparation;
        this.parent = parent;
        this.launcher = new ForkLauncher(line);
        this.keeper = new SpareKeeper(line.spares(), launcher, preparation, parent, this::watch);
        this.handOver = new HandOver(parent, preparation, launcher, keeper, this::watch);
    }

    /**
     * A FORK command: hand over a spare, or start a fresh process. The fork gets the template's
     * state as of now; commands the template receives later are not its business. Returns at once.
     */
    public void fork(int forkId) {
        startArchive();
        int state = preparation.size(); // the command loop is the only thread that appends
        Spare s = keeper.take();
        if (s == null) {
            try {
                s = launcher.launch(preparation.descriptors());
            } catch (IOException | RuntimeException | LinkageError e) {
                parent.reply(Frame.encode(Protocol.FORK_FAILED, forkId, e.getClass().getName() + ": " + Native.describeFailure(e)));
                return;
            }
            synchronized (s) {
                s.taken = true;
            }
            watch(s);
        }
        synchronized (this) {
            pendingHandOvers++;
        }
        handOver.begin(s, forkId, state, true, this::handedOver);
        keeper.start();
    }

    private synchronized void handedOver() {
        pendingHandOvers--;
        notifyAll();
    }

    /** The template was prepared further (its idle spares catch up). */
    public void prepared() {
        keeper.prepared();
    }

    /** A fork of this template entered a function of this class: its spares load it ahead of the next hand-over. */
    public void hint(String className) {
        keeper.hint(className);
    }

    /** Starts keeping spares now (a process started as a template), not on the first fork. */
    public void keepSpares() {
        keeper.start();
    }

    /** The parent keeps this template's spares from now on ({@link Protocol#PARK}); spares start if they had not. */
    public void park() {
        keeper.park();
        keeper.start();
    }

    /** The parent made spare {@code spareId} a fork ({@link Protocol#TAKEN}). */
    public void taken(int spareId) {
        startArchive();
        keeper.taken(spareId);
    }

    /** The parent wants at least {@code count} spares ({@link Protocol#KEEP_SPARES}). */
    public void keep(int count) {
        keeper.keep(count);
        keeper.start();
    }

    /** This process enters a run function or exits: it forks no more, so its spares end. */
    public void stop() {
        keeper.stop();
    }

    /**
     * Waits until every requested fork has been handed over (or has failed), so that a template
     * that is closed or run right after a fork still delivers it.
     */
    public synchronized void awaitHandOvers() {
        while (pendingHandOvers > 0) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Reaps a started process: reports its exit once it belongs to a parent, else tells the keeper. */
    private void watch(Spare s) {
        Reaper.watch(s.pid).whenComplete((status, error) -> {
            int st = status != null ? status : WaitStatus.UNKNOWN;
            boolean report;
            boolean delivered;
            boolean delivering;
            int forkId;
            synchronized (s) {
                s.status = st;
                report = s.handed;
                delivered = s.delivered;
                delivering = s.spareId != 0;
                forkId = s.handed ? s.forkId : s.spareId;
            }
            if (report) {
                parent.reply(Frame.encode(Protocol.EXITED, forkId, Frame.ints(st)));
            } else if (delivered) {
                parent.reply(Frame.encode(Protocol.EXITED, forkId, Frame.ints(st))); // the parent holds it, maybe as a fork
                keeper.parkedEnded(s, st != 0);
            } else if (!delivering) {
                keeper.lost(s, st);
            } // else being handed to the parent: that reports the exit once SPARE is sent
        });
    }

    /**
     * Finds or builds the class-data archive, once, on the first fork: by then the template has
     * been sent what it requires (a template started with {@code Fork.newTemplate} is a template
     * before it is prepared, so boot time would be too early).
     */
    private void startArchive() {
        synchronized (this) {
            if (line.archiveDir() == null || archiveStarted) {
                return;
            }
            archiveStarted = true;
        }
        Path dir = Paths.get(line.archiveDir());
        new ClassDataArchive(dir, launcher.jvmCommand(), launcher.environment(), line.owner(), line.lifelineFd()).prepare(preparation.requiredClasses(),
                new ClassDataArchive.Listener() {
                    @Override
                    public void ready(List<String> jvmOptions, Path archive) {
                        launcher.useArchive(jvmOptions);
                        parent.reply(Frame.encode(Protocol.ARCHIVE, Frame.intAndText(1, archive.toString())));
                    }

                    @Override
                    public void unavailable(String reason) {
                        parent.reply(Frame.encode(Protocol.ARCHIVE, Frame.intAndText(0, reason)));
                    }
                });
    }
}
