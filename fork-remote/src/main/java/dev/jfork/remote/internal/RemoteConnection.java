package dev.jfork.remote.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import dev.jfork.ForkException;
import dev.jfork.ForkExit;
import dev.jfork.JvmSpec;
import dev.jfork.internal.concurrent.JforkThreads;
import dev.jfork.internal.os.Native;
import dev.jfork.internal.parent.Launcher;
import dev.jfork.internal.parent.ProcessHost;
import dev.jfork.internal.parent.ProcessLink;

/**
 * This program's side of one connection to a {@link RemoteAgent}: the {@link Mux} over the
 * command's stdin and stdout, the template started there (one per connection), and the bridges
 * of its processes. To fork-core the template is a process like any other, reached through a
 * socket of this machine ({@link ProcessLink#remote}); this class is its {@link ProcessHost}:
 * kills go through the connection, its exit comes from the agent, and when the connection ends
 * every process there is lost, with the host named and the command's last stderr lines quoted.
 *
 * <p>The connection is closed once the template has ended and no bridge is left (every fork
 * there has ended too), or by {@link #close()}.
 */
public final class RemoteConnection implements ProcessHost, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.jfork");

    private final String name;
    private final Mux mux;
    private final Supplier<List<String>> stderr;
    private final Runnable onClose;
    private final CompletableFuture<Message> started = new CompletableFuture<>();
    private final AtomicInteger bridges = new AtomicInteger();
    private final Bridge.Tracker tracker = new Bridge.Tracker() {
        @Override
        public void started() {
            bridges.incrementAndGet();
        }

        @Override
        public void finished() {
            if (bridges.decrementAndGet() == 0) {
                closeIfDone();
            }
        }
    };
    private volatile ProcessLink template;
    private volatile boolean templateEnded;
    /** Makes a new connection to the same place (null: none can be made); set with the template's start. */
    private volatile java.util.function.Supplier<RemoteConnection> reconnect;
    private volatile JvmSpec templateSpec;
    private volatile int templateSpares;
    private volatile long templateTimeout;

    /**
     * @param name    how messages name the host ("host worker7")
     * @param stderr  the last lines the command printed (ssh's and the agent's complaints)
     * @param onClose ends the command (closes its stdin, reaps it)
     */
    public RemoteConnection(String name, InputStream in, OutputStream out, int window, Supplier<List<String>> stderr, Runnable onClose) {
        this.name = name;
        this.stderr = stderr;
        this.onClose = onClose;
        this.mux = new Mux(in, out, true, window, new Mux.Listener() {
            @Override
            public void message(byte[] payload) {
                RemoteConnection.this.message(payload);
            }

            @Override
            public void closed(IOException cause) {
                connectionEnded(cause);
            }
        });
        mux.start("jfork-remote " + name);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void kill(long pid) {
        try {
            mux.message(Message.of(Message.KILL, (int) pid));
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "cannot kill process {0} on {1}: {2}", pid, name, e);
        }
    }

    /**
     * Starts the template there (once) and returns the link to it, or fails with why, the host
     * named.
     */
    public ProcessLink startTemplate(JvmSpec local, int spares, long timeoutMillis) {
        templateSpec = local;
        templateSpares = spares;
        templateTimeout = timeoutMillis;
        Message m;
        try {
            mux.message(Message.of(Message.START, spares));
            m = started.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (IOException | ExecutionException e) {
            throw failure("the connection to " + name + " ended before the template started", e);
        } catch (TimeoutException e) {
            throw failure("the template on " + name + " did not start within " + timeoutMillis + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure("interrupted while starting the template on " + name, e);
        }
        if (m.kind == Message.START_FAILED) {
            throw failure("the template on " + name + " could not be started: " + m.text(), null);
        }
        int[] pair = null;
        int[] pipe = null;
        try {
            long pid = m.u32(0) & 0xffffffffL;
            MuxChannel control = mux.channel(m.u32(1));
            MuxChannel err = mux.channel(m.u32(2));
            pair = Native.socketPair();
            pipe = Native.pipe();
            Bridge.localControl(mux, pair[1], control, tracker);
            Bridge.localStderr(err, pipe[1], tracker);
            ProcessLink link = ProcessLink.remote(local, this, pid, pair[0], pipe[0], true);
            template = link;
            return link;
        } catch (IOException | RuntimeException e) {
            if (pair != null) {
                Native.closeQuietly(pair[0]);
            }
            if (pipe != null) {
                Native.closeQuietly(pipe[0]);
            }
            throw failure("connecting the template on " + name + " failed", e);
        }
    }

    /** How {@link #startAgain()} makes a new connection to the same place. */
    public void reconnectWith(java.util.function.Supplier<RemoteConnection> how) {
        reconnect = how;
    }

    /** A new connection to the same place and a template there, started as this one's was. */
    @Override
    public ProcessLink startAgain() {
        java.util.function.Supplier<RemoteConnection> how = reconnect;
        if (how == null || templateSpec == null) {
            return null;
        }
        RemoteConnection fresh = how.get();
        fresh.reconnectWith(how);
        try {
            return fresh.startTemplate(templateSpec, templateSpares, templateTimeout);
        } catch (RuntimeException e) {
            fresh.close();
            throw e;
        }
    }

    private ForkException failure(String what, Throwable cause) {
        List<String> lines = stderr.get();
        return new ForkException("jfork: " + what + (lines.isEmpty() ? "" : "; last lines of the connection's stderr below"), null, null,
                lines, cause);
    }

    private void message(byte[] payload) {
        try {
            Message m = Message.parse(payload);
            switch (m.kind) {
                case Message.STARTED:
                case Message.START_FAILED:
                    started.complete(m);
                    break;
                case Message.EXITED: {
                    int status = m.u32(1);
                    ForkExit how = status == -1 ? ForkExit.unknown("waitpid failed on " + name) : Launcher.exitOf(status);
                    ProcessLink t = template;
                    JforkThreads.io(() -> {
                        if (t != null) {
                            t.ended(how); // callbacks of the caller: not on the connection's reader
                        }
                        templateEnded = true;
                        closeIfDone();
                    });
                    break;
                }
                default:
                    throw new IOException("unknown message " + (char) m.kind);
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "jfork: a malformed message from {0}: {1}", name, e.getMessage());
        }
    }

    /** The connection ended: whatever still runs there is lost to this program. */
    private void connectionEnded(IOException cause) {
        String why = "the connection to " + name + " ended" + (cause != null ? ": " + cause.getMessage() : "");
        started.completeExceptionally(new IOException(why, cause));
        ProcessLink t = template;
        if (t != null) {
            List<String> lines = stderr.get();
            JforkThreads.io(() -> t.ended(ForkExit.unknown(why + (lines.isEmpty() ? "" : " (" + String.join(" | ", lines) + ")"))));
        }
        JforkThreads.io(onClose);
    }

    private void closeIfDone() {
        if (templateEnded && bridges.get() == 0) {
            close();
        }
    }

    /** Ends the connection: the agent there exits, and every process it started with it. */
    @Override
    public void close() {
        mux.close();
    }
}
