package dev.jfork.remote.internal;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.jfork.JvmSpec;
import dev.jfork.internal.concurrent.JforkThreads;
import dev.jfork.internal.os.Native;
import dev.jfork.internal.os.Reaper;
import dev.jfork.internal.parent.Launcher;
import dev.jfork.internal.wire.LaunchLine;

/**
 * The program on the other host: started over the connection ({@code java ... RemoteAgent WINDOW}),
 * it speaks {@link Mux} on its stdin and stdout, starts the template this program asks for with
 * fork-core (as a program there would), and bridges the template's, its forks' and spares'
 * sockets and stderr to channels. It is their owner: when the connection ends it exits, and they
 * all follow (fork-core's lifeline). Nothing else may write to its stdout: {@code System.out}
 * goes to stderr, and the JVM's own messages too ({@code -XX:+DisplayVMOutputToStderr}).
 */
public final class RemoteAgent {
    /** The first bytes the agent writes: the connection is up and speaks this version. */
    public static final byte[] HANDSHAKE = "\0JFORK-REMOTE 1\n".getBytes(StandardCharsets.US_ASCII);

    private final Mux mux;
    /** Processes this agent started or saw forked: the only ones a KILL may name. */
    private final Set<Long> known = ConcurrentHashMap.newKeySet();
    private final Bridge.Tracker tracker = new Bridge.Tracker() {
        @Override
        public void started() {
        }

        @Override
        public void finished() {
        }
    };

    private RemoteAgent(Mux mux) {
        this.mux = mux;
    }

    public static void main(String[] args) throws IOException {
        OutputStream connection = new FileOutputStream(FileDescriptor.out);
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true)); // stdout is the connection's
        int window = args.length > 0 ? Integer.parseInt(args[0]) : 256 * 1024;
        connection.write(HANDSHAKE);
        connection.flush();
        Native.load();
        RemoteAgent[] self = new RemoteAgent[1];
        Mux mux = new Mux(new FileInputStream(FileDescriptor.in), new BufferedOutputStream(connection, Mux.MAX_CHUNK + 64), false,
                window, new Mux.Listener() {
                    @Override
                    public void message(byte[] payload) {
                        JforkThreads.io(() -> self[0].handle(payload)); // starting a JVM takes time: not on the reader
                    }

                    @Override
                    public void closed(IOException cause) {
                        // this program is gone or done with us: so is everything started here (their lifeline)
                        if (cause != null) {
                            System.err.println("[jfork remote agent] the connection failed: " + cause);
                        }
                        Runtime.getRuntime().halt(cause == null ? 0 : 1);
                    }
                });
        self[0] = new RemoteAgent(mux);
        mux.start("jfork-remote-agent");
        try {
            mux.awaitEnd(); // and the listener halts the JVM
        } catch (InterruptedException e) {
            Runtime.getRuntime().halt(1);
        }
    }

    private void handle(byte[] payload) {
        try {
            Message m = Message.parse(payload);
            switch (m.kind) {
                case Message.START:
                    start(m.u32(0));
                    break;
                case Message.KILL: {
                    long pid = m.u32(0) & 0xffffffffL;
                    if (known.contains(pid)) {
                        Native.kill(pid, Native.SIGKILL);
                    }
                    break;
                }
                default:
                    throw new IOException("unknown message " + (char) m.kind);
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("[jfork remote agent] " + e);
        }
    }

    private void start(int spares) throws IOException {
        Launcher.Spawned p;
        try {
            JvmSpec spec = JvmSpec.defaults().toBuilder().spares(spares).build();
            p = Launcher.spawn(spec, LaunchLine.TEMPLATE, 2); // their stdout is this agent's stderr: stdout is the connection
        } catch (RuntimeException e) {
            mux.message(Message.text(Message.START_FAILED, String.valueOf(e.getMessage())));
            return;
        }
        long pid = p.pid;
        known.add(pid);
        MuxChannel control = mux.open();
        MuxChannel stderr = mux.open();
        Bridge.agentControl(mux, p.control, control, known::add, tracker);
        Bridge.agentStderr(p.stderr, stderr, tracker);
        Reaper.watch(p.pid).whenComplete((status, e) -> {
            try {
                mux.message(Message.of(Message.EXITED, (int) pid, status != null ? status : -1));
            } catch (IOException ignored) {
                // the connection is gone: so is this agent, soon
            }
        });
        mux.message(Message.of(Message.STARTED, (int) pid, control.id(), stderr.id()));
    }
}
