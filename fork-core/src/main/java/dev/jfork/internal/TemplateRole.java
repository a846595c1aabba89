package dev.jfork.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * What a child does when it is forked: it becomes a template. For each {@code FORK} frame it spawns
 * a new JVM with its own command line, hands it the parent's control socket and stderr pipe, the
 * owner's lifeline and every descriptor argument at fixed numbers, feeds it the replay of its own
 * preparation through a pipe, reports the pid, reaps it and reports how it ended.
 *
 * <p>A failed fork is reported with {@link Protocol#FORK_FAILED}; the template lives on (unlike
 * AnyEvent::Fork, where a failed fork kills the template).
 */
final class TemplateRole {
    private final long owner;
    private final int maxFrame;
    private final ArgsImpl args;
    private final ReplayLog log;
    private final ChildServer server;
    private final List<String> commandPrefix;
    private final List<String> environment;
    private int pendingReplays;

    TemplateRole(long owner, int maxFrame, ArgsImpl args, ReplayLog log, ChildServer server) throws IOException {
        Native.load();
        this.owner = owner;
        this.maxFrame = maxFrame;
        this.args = args;
        this.log = log;
        this.server = server;
        this.commandPrefix = ownCommandPrefix();
        this.environment = new ArrayList<>();
        for (Map.Entry<String, String> e : System.getenv().entrySet()) {
            environment.add(e.getKey() + "=" + e.getValue());
        }
    }

    /** This JVM's own argv up to and including the main class: a fork runs with the same JVM setup. */
    private static List<String> ownCommandPrefix() throws IOException {
        byte[] raw = Files.readAllBytes(Paths.get("/proc/self/cmdline"));
        List<String> argv = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                argv.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        int main = argv.indexOf(ChildMain.class.getName());
        if (main < 0) {
            throw new IOException("cannot find " + ChildMain.class.getName() + " in this process's command line " + argv);
        }
        argv.subList(main + 1, argv.size()).clear();
        // argv[0] may be relative to the directory the JVM started in; spawn needs a path
        argv.set(0, ProcessHandle.current().info().command().orElse(argv.get(0)));
        return argv;
    }

    void fork(int forkId, int controlFd, int stderrFd) {
        int[] replay = null;
        try {
            replay = Native.pipe();
            List<FdArg> fds = args.fds();
            int[] map = new int[Protocol.FD_FIRST_INHERITED_ARG + fds.size()];
            map[Protocol.FD_CONTROL] = controlFd;
            map[1] = 1;
            map[2] = stderrFd;
            map[Protocol.FD_LIFELINE] = Protocol.FD_LIFELINE;
            map[Protocol.FD_REPLAY] = replay[0];
            for (int k = 0; k < fds.size(); k++) {
                map[Protocol.FD_FIRST_INHERITED_ARG + k] = fds.get(k).intValue();
            }
            List<String> argv = new ArrayList<>(commandPrefix);
            argv.add(String.valueOf(Protocol.VERSION));
            argv.add(String.valueOf(owner));
            argv.add(String.valueOf(Protocol.FD_LIFELINE));
            argv.add(String.valueOf(Protocol.FD_REPLAY));
            argv.add(String.valueOf(maxFrame));
            argv.add("child");
            int pid = Spawner.spawn(argv, environment, null, map);
            Native.closeQuietly(replay[0]);
            server.reply(Protocol.frame(Protocol.FORKED, Protocol.ints(forkId, pid)));
            writeReplay(replay[1], log.render(Protocol.FD_FIRST_INHERITED_ARG));
            CompletableFuture<Integer> exit = Reaper.watch(pid);
            exit.whenComplete(new BiConsumer<Integer, Throwable>() {
                @Override
                public void accept(Integer status, Throwable error) {
                    if (status != null) {
                        server.reply(Protocol.frame(Protocol.EXITED, Protocol.ints(forkId, status)));
                    }
                }
            });
        } catch (IOException | RuntimeException | LinkageError e) {
            if (replay != null) {
                Native.closeQuietly(replay[0]);
                Native.closeQuietly(replay[1]);
            }
            server.reply(Protocol.frame(Protocol.FORK_FAILED, Protocol.intAndText(forkId, e.toString())));
        } finally {
            Native.closeQuietly(controlFd);
            Native.closeQuietly(stderrFd);
        }
    }

    /** The replay may exceed the pipe buffer, so it is written by its own thread while the child reads. */
    private void writeReplay(int fd, byte[] bytes) {
        synchronized (this) {
            pendingReplays++;
        }
        DaemonThreads.execute(new Runnable() {
            @Override
            public void run() {
                try {
                    Native.writeFully(fd, bytes);
                } catch (IOException ignored) {
                    // the child died before reading its replay; its exit is reported by the reaper
                } finally {
                    Native.closeQuietly(fd);
                    synchronized (TemplateRole.this) {
                        pendingReplays--;
                        TemplateRole.this.notifyAll();
                    }
                }
            }
        });
    }

    /**
     * Waits until every fork has its whole replay (each either reads it or dies), so that a template
     * closed right after a fork does not leave that fork half-prepared.
     */
    synchronized void awaitReplays() {
        boolean interrupted = false;
        while (pendingReplays > 0) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
