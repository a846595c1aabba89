package dev.jfork.internal.parent;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.List;

import dev.jfork.ForkException;
import dev.jfork.ForkExit;
import dev.jfork.JvmSpec;
import dev.jfork.internal.events.JforkEvents;
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
 * and a reaper for its exit.
 */
public final class Launcher {
    private static final System.Logger LOG = System.getLogger("dev.jfork");

    private Launcher() {}

    /**
     * The new process, connected.
     *
     * @param role {@link dev.jfork.internal.wire.LaunchLine#CHILD} or {@code TEMPLATE}
     * @throws ForkException if it cannot be spawned
     */
    public static ProcessLink exec(JvmSpec spec, String role) {
        Object event = JforkEvents.spawnBegin();
        int[] socket = null;
        int[] err = null;
        try {
            if (spec.classDataSharing()) {
                ArchiveCachePruner.pruneOnce(spec.cacheDirectory(), spec.cacheMaxAge());
            }
            socket = Native.socketPair();
            err = Native.pipe();
            List<String> argv = JvmCommand.argv(spec, ProcessHandle.current().pid(), Protocol.FD_LIFELINE, role);
            int[] map = {socket[1], Protocol.FD_STDOUT, err[1], Lifeline.readFd()};
            int pid = Spawner.spawn(argv, JvmCommand.envp(spec), spec.workingDirectory() == null ? null : spec.workingDirectory().toFile(), map);
            ProcessLink link = new ProcessLink(spec, false, null);
            link.connect(socket[0], err[0]);
            socket[0] = -1;
            err[0] = -1;
            link.started(pid);
            if (LaunchLine.TEMPLATE.equals(role)) {
                link.park(); // its spares start at once: park them here as they become ready
            }
            Reaper.watch(pid).whenComplete((status, e) -> link.ended(status != null ? exitOf(status)
                    : ForkExit.unknown("waitpid failed: " + e)));
            JforkEvents.spawnEnd(event, pid, role, spec.java().toString());
            LOG.log(Level.DEBUG, "started {0} process {1}", role, pid);
            return link;
        } catch (IOException | RuntimeException | LinkageError e) {
            throw new ForkException("cannot start a child JVM with " + spec.java() + ": " + e.getMessage(), null, null, null, e);
        } finally {
            closeAll(socket);
            closeAll(err);
        }
    }

    /** A raw wait status as the API says it. */
    static ForkExit exitOf(int status) {
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
