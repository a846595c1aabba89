package dev.jfork.internal.parent;

import java.lang.System.Logger.Level;

import dev.jfork.ForkException;
import dev.jfork.JvmSpec;
import dev.jfork.internal.concurrent.JforkThreads;
import dev.jfork.internal.events.JforkEvents;
import dev.jfork.internal.os.LibcBound;
import dev.jfork.internal.wire.LaunchLine;

/**
 * The shared template behind {@code Fork.create()}, and how {@code create()} is served: by a spare
 * the template parked with this program when one is ready, else by a fresh JVM this program starts
 * itself ({@code exec()}'s path), so that no {@code create()} waits for the template to boot or
 * for a spare to be started: a JVM start is the most any {@code create()} costs.
 *
 * <p>The template is started in the background after the program's first process settles (it
 * entered its function, was closed or ended: until then a new JVM would compete with it for the
 * CPUs), or at the second {@code create()}, or at once by {@link #get()}. A template that has died or
 * was closed is replaced (AnyEvent::Fork keeps using a dead {@code $TEMPLATE}). A {@code create()}
 * served directly while the template lives is counted by it as demand, so that a burst of
 * {@code create()} calls finds more spares the next time.
 */
public final class DefaultTemplate {
    private DefaultTemplate() {}

    private static ProcessLink current; // guarded by the class
    /** A background start is pending (guarded by the class). */
    private static boolean starting;

    /** The default template, started now if there is none or it is not alive. */
    public static synchronized ProcessLink get() {
        if (current == null || !current.isAlive()) {
            current = Launcher.exec(JvmSpec.defaults(), LaunchLine.TEMPLATE);
        }
        return current;
    }

    /** The default template if it was started and is alive, else null (nothing is started). */
    private static synchronized ProcessLink alive() {
        return current != null && current.isAlive() ? current : null;
    }

    /** A process for {@code Fork.create()}: a parked spare of the default template, else a fresh JVM. */
    public static ProcessLink fork() {
        ProcessLink template = alive();
        if (template != null) {
            ProcessLink spare = template.forkOfParkedSpare();
            if (spare != null) {
                return spare;
            }
        }
        Launcher.bindNativeEarly(); // where a first process needs libc to start: the binding overlaps the command line
        return served(fresh());
    }

    private static ProcessLink fresh() {
        Object event = JforkEvents.handOverBegin();
        ProcessLink fresh = Launcher.exec(JvmSpec.defaults(), LaunchLine.CHILD);
        JforkEvents.handOverEnd(event, 0, fresh.pid().getNow(-1L), JforkEvents.FRESH_JVM);
        return fresh;
    }

    /**
     * A program's first {@code create()} or {@code exec()}, before the {@code TemplateProvider}s
     * are looked for (which opens every jar of the class path): the fresh JVM either call would
     * start now, started with the JDK alone (libc not bound, no template alive), so that the
     * look-up overlaps its boot. Null where the call would not start one that way. If a
     * provider's template serves the call after all, the process is {@linkplain #unused killed}
     * before it ran anything.
     *
     * @param forCreate whether {@code create()} asks (it records the hand-over of a fresh JVM), or {@code exec()}
     */
    public static ProcessLink firstBeforeProviders(boolean forCreate) {
        if (LibcBound.now() || !ConnectBackLauncher.usable() || alive() != null) {
            return null;
        }
        try {
            return forCreate ? fresh() : Launcher.exec(JvmSpec.defaults(), LaunchLine.CHILD);
        } catch (ForkException e) {
            return null; // a provider may serve the call; if none does, the usual path starts the JVM and reports the failure
        }
    }

    /** A first process not needed after all (a provider's template serves the call); null is ignored. */
    public static void unused(ProcessLink first) {
        if (first != null) {
            first.kill();
        }
    }

    /** Serves a {@code create()} with a fresh JVM: counted as demand by the template, or the template is started after it. */
    public static ProcessLink served(ProcessLink fresh) {
        ProcessLink template = alive();
        if (template != null) {
            template.demanded();
        } else if (!startLater(fresh)) {
            JforkThreads.io(DefaultTemplate::startQuietly); // a second create() without a template: start it now
        }
        return fresh;
    }

    /** Schedules the template's start for when {@code first} settles; false if a start was already scheduled. */
    private static synchronized boolean startLater(ProcessLink first) {
        if (starting) {
            return false;
        }
        starting = true;
        first.settled().thenRun(() -> JforkThreads.io(DefaultTemplate::startQuietly));
        return true;
    }

    /** Starts the template in the background; a failure is reported by the next create() that needs it. */
    private static void startQuietly() {
        try {
            get();
        } catch (ForkException e) {
            Log.LOG.log(Level.DEBUG, "jfork: starting the default template failed: {0}", e.getMessage());
        } finally {
            synchronized (DefaultTemplate.class) {
                starting = false;
            }
        }
    }
}
