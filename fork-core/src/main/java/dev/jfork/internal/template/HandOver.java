package dev.jfork.internal.template;

import java.io.IOException;
import java.lang.System.Logger.Level;

import dev.jfork.internal.os.Native;
import dev.jfork.internal.wire.Frame;
import dev.jfork.internal.wire.Protocol;

/**
 * Hands a spare (or a freshly started process) to the parent as a requested fork: the spare is
 * caught up to the template's state as of the request, and once that is written, on the spare's
 * own writer, the template checks the process is alive and has not failed, sends the parent
 * {@code FORKED} with the spare's control socket and stderr pipe, and closes its own copies. From
 * then on the parent talks to the fork directly; the template only reports its exit.
 *
 * <p>Nothing here runs on, or blocks, the template's command loop except queuing: a spare that is
 * slow to read its catch-up delays only its own hand-over. A spare found dead or failed is
 * discarded and a fresh process is handed over instead, once; if that fails too the parent gets
 * {@code FORK_FAILED} and the template lives on.
 */
final class HandOver {
    private static final System.Logger LOG = System.getLogger("dev.jfork");

    private final ParentChannel parent;
    private final Preparation preparation;
    private final ForkLauncher launcher;
    private final SpareKeeper keeper;
    private final SpareKeeper.SpareWatch watch;

    HandOver(ParentChannel parent, Preparation preparation, ForkLauncher launcher, SpareKeeper keeper, SpareKeeper.SpareWatch watch) {
        this.parent = parent;
        this.preparation = preparation;
        this.launcher = launcher;
        this.keeper = keeper;
        this.watch = watch;
    }

    /**
     * Hands {@code s} over as fork {@code forkId} in the template's state {@code state} (a replay
     * position). {@code done} runs once the parent has been told, either way.
     */
    void begin(Spare s, int forkId, int state, boolean mayRetry, Runnable done) {
        try {
            s.catchUp(preparation, state);
        } catch (IOException | RuntimeException e) {
            retry(s, forkId, state, mayRetry, done, e.toString());
            return;
        }
        s.writer.then(() -> finish(s, forkId, state, mayRetry, done));
    }

    /** The spare has been sent everything: hand it over if it is still there and has said nothing. */
    private void finish(Spare s, int forkId, int state, boolean mayRetry, Runnable done) {
        if (s.writer.failure() != null || !Native.isIdlePeer(s.control.fd())) {
            retry(s, forkId, state, mayRetry, done, "process " + s.pid + " ended or failed before it was handed over");
            return;
        }
        synchronized (s) {
            s.forkId = forkId;
        }
        boolean sent = parent.replyWithFds(Frame.encode(Protocol.FORKED, forkId, Frame.ints(s.pid)), new int[] {s.control.fd(), s.stderr});
        s.discard(false); // the template's copies: the parent has its own now (or there is no parent any more)
        if (sent) {
            keeper.succeeded();
            Integer status;
            synchronized (s) {
                s.handed = true;
                status = s.status;
            }
            if (status != null) {
                parent.reply(Frame.encode(Protocol.EXITED, forkId, Frame.ints(status))); // it ended already: FORKED came first
            }
        } // else the parent is gone or this process was run: the fork sees end of stream and exits
        done.run();
    }

    private void retry(Spare s, int forkId, int state, boolean mayRetry, Runnable done, String why) {
        s.discard(true);
        LOG.log(Level.DEBUG, "discarding process {0}: {1}", s.pid, why);
        if (!mayRetry) {
            failed(forkId, why, done);
            return;
        }
        Spare fresh;
        try {
            fresh = launcher.launch(preparation.descriptors());
        } catch (IOException | RuntimeException | LinkageError e) {
            failed(forkId, e.toString(), done);
            return;
        }
        synchronized (fresh) {
            fresh.taken = true;
        }
        watch.started(fresh);
        begin(fresh, forkId, state, false, done);
    }

    private void failed(int forkId, String reason, Runnable done) {
        parent.reply(Frame.encode(Protocol.FORK_FAILED, forkId, reason));
        done.run();
    }
}
