package dev.jfork.internal.parent;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.List;

import dev.jfork.ForkException;
import dev.jfork.ForkExit;
import dev.jfork.JvmSpec;
import dev.jfork.internal.events.JforkEvents;
import dev.jfork.internal.os.LibcBound;
import dev.jfork.internal.os.Lifeline;
import dev.jfork.internal.os.Native;
import dev.jfork.internal.os.Reaper;
import dev.jfork.internal.os.Spawner;
import dev.jfork.internal.template.ArchiveCachePruner;
import dev.jfork.internal.wire.LaunchLine;
import dev.jfork.internal.wire.Protocol;
import dev.jfork.internal.wire.WaitStatus;

/**
 * Starts a fresh JVM running the child server as a direct child of this program (the spawn path
 * of {@code Fork.exec} and of every template this program starts): a socketpair for control, a
 * pipe for stderr, the owner's lifeline, {@code posix_spawn} with exact descriptor inheritance,
 * and a reaper for its exit. A child started while libc is not bound yet is started with the JDK
 * alone instead ({@link ConnectBackLauncher}).
 */
public final class Launcher {
    private Launcher() {}

    /**
     * The new process, connected.
     *
     * @param role {@link dev.jfork.internal.wire.LaunchLine#CHILD} or {@code TEMPLATE}
     * @throws ForkException if it cannot be spawned
     */
    public static ProcessLink exec(JvmSpec spec, String role) {
        if (LaunchLine.CHILD.equals(role) && !LibcBound.now() && ConnectBackLauncher.usable()) {
            return ConnectBackLauncher.exec(spec, role); // binding libc would take longer than the JVM takes to boot
        }
        Object event = JforkEvents.spawnBegin();
        Spawned p = spawn(spec, role, Protocol.FD_STDOUT);
        ProcessLink link = new ProcessLink(spec, false, null);
        link.connect(p.control, p.stderr);
        link.started(p.pid);
        if (LaunchLine.TEMPLATE.equals(role)) {
            link.park(); // its spares start at once: park them here as they become ready
        }
        Reaper.watch(p.pid).whenComplete((status, e) -> link.ended(status != null ? exitOf(status)
                : ForkExit.unknown("waitpid failed: " + e)));
        JforkEvents.spawnEnd(event, p.pid, role, spec.java().toString());
        Log.LOG.log(Level.DEBUG, "started {0} process {1}", role, p.pid);
        return link;
    }

    /** A JVM just spawned: its pid, this program's end of its control socket and of its stderr pipe (the caller's to close). */
    public static final class Spawned {
        public final int pid;
        public final int control;
        public final int stderr;

        Spawned(int pid, int control, int stderr) {
            this.pid = pid;
            this.control = control;
            this.stderr = stderr;
        }
    }

    /**
     * Spawns a jfork JVM as a direct child of this program, with nothing attached: the caller
     * reaps it ({@link Reaper#watch}) and owns the descriptors. fork-remote's agent uses this to
     * start a template that a connection, not a {@link ProcessLink} here, talks to.
     *
     * @param stdoutFd this program's descriptor the child gets as its stdout (its own stdout, or
     *                 another where that is a connection)
     * @throws ForkException if it cannot be spawned
     */
    public static Spawned spawn(JvmSpec spec, String role, int stdoutFd) {
        int[] socket = null;
        int[] err = null;
        try {
            if (spec.classDataSharing()) {
                ArchiveCachePruner.pruneOnce(spec.cacheDirectory(), spec.cacheMaxAge());
            }
            // the command line first: it needs no libc, so it overlaps a binding made in the background
            List<String> argv = JvmCommand.argv(spec, ProcessHandle.current().pid(), Protocol.FD_LIFELINE, role, null);
            List<String> envp = JvmCommand.envp(spec);
            socket = Native.socketPair();
            err = Native.pipe();
            int[] map = {socket[1], stdoutFd, err[1], Lifeline.readFd()};
            int pid = Spawner.spawn(argv, envp, spec.workingDirectory() == null ? null : spec.workingDirectory().toFile(), map);
            Spawned p = new Spawned(pid, socket[0], err[0]);
            socket[0] = -1;
            err[0] = -1;
            return p;
        } catch (IOException | RuntimeException | LinkageError e) {
            throw new ForkException("cannot start a child JVM with " + spec.java() + ": " + Native.describeFailure(e), null, null, null, e);
        } finally {
            closeAll(socket);
            closeAll(err);
        }
    }

    /**
     * Starts binding libc on another thread (see {@link Native#loadInBackground()}) where a JVM is
     * about to be spawned and cannot be without it: the binding then overlaps the work that does
     * not need it. Where a child can be started with the JDK alone ({@link ConnectBackLauncher}),
     * nothing: the binding would only compete with the child's boot for the CPUs; it starts once
     * that child has settled (entered its function, say).
     */
    public static void bindNativeEarly() {
        if (!ConnectBackLauncher.usable()) {
            Native.loadInBackground();
        }
    }

    /** A raw wait status as the API says it. */
    public static ForkExit exitOf(int status) {
        return WaitStatus.signal(status) != 0 ? ForkExit.killed(WaitStatus.signal(status)) : ForkExit.exited(WaitStatus.exitCode(status));
    }

    private static void closeAll(int[] fds) {
        if (fds != null) {
            for (int fd : fds) {
                Native.closeQuietly(fd);
            }
        }
    }
}
