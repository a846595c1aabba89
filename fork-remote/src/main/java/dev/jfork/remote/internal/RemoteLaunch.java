package dev.jfork.remote.internal;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import dev.jfork.internal.concurrent.JforkThreads;
import dev.jfork.remote.RemoteSpec;

/**
 * Starts the remote side of a connection: a JVM on another host (or in a container), reached
 * through a command whose stdin and stdout are the connection ({@code ssh host}, {@code docker exec -i c}),
 * with this JVM's class path made available there without a shared file system.
 *
 * <p>The command runs {@link RemoteScript a POSIX sh script} that creates the jar cache (mode 0700),
 * announces itself, reads the manifest of the class path (content hashes and sizes), asks for the
 * jars it does not have, receives them (each verified, mode 0600, renamed into place) and execs
 * {@code java -cp <the cached jars> <mainClass> <mainArgs>}. That main class (the agent) writes
 * {@link RemoteAgent#HANDSHAKE} first; {@link #start} returns once it has read it, with {@link #in()} and
 * {@link #out()} positioned right after it. Nothing listens anywhere: the connection is the command's
 * stdin and stdout. Its stderr is pumped for as long as it lives, and its last lines are in every
 * failure's message.
 *
 * <p>The protocol on the command's stdin and stdout, in order:
 * <pre>
 *   remote: any lines (a chatty login shell), ignored up to 64 KiB
 *   remote: JFORK-REMOTE-SH 1 &lt;sha256|size&gt; &lt;head|dd&gt; &lt;cache directory&gt;\n   (cache ready)
 *   local:  JFORK-MANIFEST 1 &lt;n&gt;\n, then n lines &lt;sha256 hex&gt; &lt;size&gt; &lt;name&gt;\n   (sent at once)
 *   remote: NEED[ &lt;sha256&gt;]*\n                                  (the jars it lacks)
 *   local:  for each hash asked, in that order, exactly &lt;size&gt; bytes of that jar
 *   remote: JFORK-EXEC\n                                       (jars stored; exec java)
 *   remote: \0JFORK-REMOTE 1\n                                   (written by the agent)
 *   remote, instead of any of its lines: JFORK-ERROR &lt;cache|protocol|transfer&gt; &lt;message&gt;\n, then exit 1
 * </pre>
 */
public final class RemoteLaunch implements Closeable {
    /** The lines of stderr kept, and those quoted in an exception's message. */
    private static final int KEPT_LINES = 200;
    private static final int QUOTED_LINES = 12;
    /** What a chatty login shell may print before the script's first line. */
    private static final int MAX_PREAMBLE = 64 * 1024;
    /** After a failure: how long to wait for the command to end, so that its stderr is complete. */
    private static final long FAILURE_GRACE_MILLIS = 2000;

    /** How the script is appended to the command that reaches the remote side. */
    public enum Append {
        /**
         * One argument, {@code sh -c '<script>'}, to be parsed by the remote login shell: what ssh
         * does with the words after the destination (it joins them with spaces and gives the result
         * to the remote user's shell as {@code -c}).
         */
        SHELL_STRING,
        /**
         * Three arguments, {@code sh}, {@code -c}, the script: for commands that exec their argv as
         * it is ({@code docker exec -i c}, {@code kubectl exec -i pod --}).
         */
        ARGUMENTS
    }

    /** The steps of a start, named as failures report them. */
    public enum Step {
        CONNECT("connect"), CACHE("cache directory"), TRANSFER("transfer"), JAVA("java start");

        private final String text;

        Step(String text) {
            this.text = text;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    private final Process process;
    private final List<String> command;
    private final StderrPump stderr;
    private final InputStream in;
    private final OutputStream out;
    /** 0 running, 1 succeeded, 2 timed out: whichever of start and the timer settles it first wins. */
    private final AtomicInteger state = new AtomicInteger();
    private volatile Step step = Step.CONNECT;
    private final AtomicBoolean closed = new AtomicBoolean();
    private long bytesTransferred;
    private int jarsTransferred;
    private final List<String> hashesTransferred = new ArrayList<>();
    private List<String> classPathHashes = List.of();
    private String remoteCacheDirectory;
    private String remoteVerification;
    private String remoteReader;

    /** How long close() gives the remote side to end by itself once its stdin is closed. */
    private final Duration closeTimeout;

    private RemoteLaunch(Process process, List<String> command, Duration closeTimeout) {
        this.process = process;
        this.closeTimeout = closeTimeout;
        this.command = command;
        this.in = process.getInputStream();
        this.out = process.getOutputStream();
        this.stderr = StderrPump.start(process.getErrorStream(), "jfork-remote-stderr-" + process.pid(), KEPT_LINES);
    }

    /**
     * The ssh command for a destination: {@code spec.sshCommand()}, {@code -T -e none -o BatchMode=yes}
     * (no terminal, no escape character on a binary stream, never a password prompt), the spec's
     * options, the destination.
     *
     * @param spec the spec
     * @param destination {@code [user@]host}, as ssh takes it
     * @return the argv, to which the remote command is appended as one argument
     */
    public static List<String> sshCommand(RemoteSpec spec, String destination) {
        if (destination.isEmpty() || destination.startsWith("-")) {
            // ssh would take it for an option
            throw new IllegalArgumentException("bad ssh destination: '" + destination + "'");
        }
        List<String> c = new ArrayList<>(spec.sshCommand());
        c.addAll(List.of("-T", "-e", "none", "-o", "BatchMode=yes"));
        c.addAll(spec.sshOptions());
        c.add(destination);
        return c;
    }

    /**
     * Starts the remote side over ssh.
     *
     * @see #start
     */
    public static RemoteLaunch overSsh(String destination, RemoteSpec spec, String mainClass, List<String> mainArgs)
            throws IOException {
        return start(sshCommand(spec, destination), Append.SHELL_STRING, spec, mainClass, mainArgs);
    }

    /**
     * Starts the remote side over a command that execs its arguments ({@code docker exec -i c},
     * {@code kubectl exec -i pod --}); empty: right here, with the local {@code sh}.
     *
     * @see #start
     */
    public static RemoteLaunch overCommand(List<String> command, RemoteSpec spec, String mainClass, List<String> mainArgs)
            throws IOException {
        return start(command, Append.ARGUMENTS, spec, mainClass, mainArgs);
    }

    /**
     * Starts {@code command} with the bootstrap script appended, transfers the jars the remote cache
     * lacks, and waits for the agent's handshake, all within {@code spec.connectTimeout()}.
     *
     * @param command the local argv that reaches the remote side
     * @param append how the script is appended to it
     * @param spec the remote java, its options, the cache directory and the class path
     * @param mainClass the agent's main class, on {@code spec.classPath()}
     * @param mainArgs its arguments
     * @return the connection, right after the handshake
     * @throws IOException if a step fails: the message names the step (connect, cache directory,
     *     transfer, java start) and quotes the last lines of the command's stderr
     */
    public static RemoteLaunch start(List<String> command, Append append, RemoteSpec spec, String mainClass,
            List<String> mainArgs) throws IOException {
        List<ClassPathJars.Jar> jars = ClassPathJars.of(spec.classPath());
        String script = RemoteScript.script(spec, mainClass, mainArgs);
        List<String> argv = RemoteScript.argv(command, append, script);
        Process process;
        try {
            process = new ProcessBuilder(argv).start();
        } catch (IOException e) {
            throw new IOException("remote start failed at step \"" + Step.CONNECT + "\": cannot run "
                    + (command.isEmpty() ? "sh" : command.get(0)) + ": " + e.getMessage(), e);
        }
        RemoteLaunch launch = new RemoteLaunch(process, List.copyOf(command), spec.closeTimeout());
        ScheduledFuture<?> timer = JforkThreads.after(spec.connectTimeout(), launch::timeout); // jfork's one timer thread
        try {
            launch.handshake(jars);
            if (!launch.state.compareAndSet(0, 1)) {
                throw new TimeoutException(); // the timer fired just as the handshake arrived: its destroy won
            }
            return launch;
        } catch (IOException | TimeoutException | RuntimeException | Error e) {
            IOException failure = launch.failure(e, spec);
            launch.close();
            throw failure;
        } finally {
            timer.cancel(false);
        }
    }

    private void timeout() {
        if (state.compareAndSet(0, 2)) {
            destroy(); // unblocks start(): its reads see the end of the stream, its writes a broken pipe
        }
    }

    /** The protocol, up to the handshake. */
    private void handshake(List<ClassPathJars.Jar> jars) throws IOException {
        // sent before the announcement arrives: it waits in the pipe, and saves a round trip
        IOException manifestFailure = null;
        try {
            StringBuilder m = new StringBuilder("JFORK-MANIFEST 1 ").append(jars.size()).append('\n');
            for (ClassPathJars.Jar j : jars) {
                m.append(j.sha256).append(' ').append(j.size).append(' ').append(j.name).append('\n');
            }
            out.write(m.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            manifestFailure = e; // the command ended: what it printed says more than a broken pipe
        }
        classPathHashes = jars.stream().map(j -> j.sha256).collect(Collectors.toUnmodifiableList());

        step = Step.CONNECT;
        String announce = null;
        ByteArrayOutputStream preamble = new ByteArrayOutputStream();
        while (announce == null) {
            String line = readLine(MAX_PREAMBLE);
            if (line == null) {
                throw new Failure("the command ended before the remote shell announced itself");
            }
            int at = line.indexOf("JFORK-REMOTE-SH ");
            int error = line.indexOf("JFORK-ERROR ");
            if (error >= 0) {
                scriptError(line.substring(error));
            } else if (at >= 0) {
                announce = line.substring(at);
            } else if (preamble.size() + line.length() > MAX_PREAMBLE) {
                throw new Failure("more than " + MAX_PREAMBLE + " bytes of output before the remote shell announced itself");
            } else {
                preamble.writeBytes(line.getBytes(StandardCharsets.UTF_8));
            }
        }
        String[] a = announce.split(" ", 5);
        if (a.length < 5 || !a[1].equals("1")) {
            throw new Failure("unknown announcement from the remote shell: " + announce);
        }
        remoteVerification = a[2];
        remoteReader = a[3];
        remoteCacheDirectory = a[4];

        step = Step.TRANSFER;
        String need = readLine(jars.size() * 65 + 64);
        if (need == null) {
            throw new Failure("the command ended before the remote shell answered the manifest"
                    + (manifestFailure != null ? " (sending it failed: " + manifestFailure.getMessage() + ")" : ""));
        }
        if (need.startsWith("JFORK-ERROR ")) {
            scriptError(need);
        }
        if (!need.equals("NEED") && !need.startsWith("NEED ")) {
            throw new Failure("expected the list of jars needed, got: " + printable(need.getBytes(StandardCharsets.UTF_8)));
        }
        Map<String, ClassPathJars.Jar> byHash = new HashMap<>();
        jars.forEach(j -> byHash.put(j.sha256, j));
        List<ClassPathJars.Jar> send = new ArrayList<>();
        for (String h : need.substring(4).trim().split(" ")) {
            if (!h.isEmpty()) {
                ClassPathJars.Jar j = byHash.get(h);
                if (j == null) {
                    throw new Failure("the remote shell asked for a jar that is not in the manifest: " + h);
                }
                send.add(j);
            }
        }
        try {
            for (ClassPathJars.Jar j : send) {
                j.writeTo(out);
                bytesTransferred += j.size;
                jarsTransferred++;
                hashesTransferred.add(j.sha256);
            }
            out.flush();
        } catch (IOException e) {
            // the remote side may have said why it stopped reading
            String line = readLine(4096);
            if (line != null && line.startsWith("JFORK-ERROR ")) {
                scriptError(line);
            }
            throw e;
        }
        String exec = readLine(4096);
        if (exec == null) {
            throw new Failure("the command ended before the jars were stored");
        }
        if (exec.startsWith("JFORK-ERROR ")) {
            scriptError(exec);
        }
        if (!exec.equals("JFORK-EXEC")) {
            throw new Failure("expected JFORK-EXEC, got: " + printable(exec.getBytes(StandardCharsets.UTF_8)));
        }

        step = Step.JAVA;
        byte[] expected = RemoteAgent.HANDSHAKE;
        byte[] got = new byte[expected.length];
        int n = 0;
        while (n < got.length) {
            int r = in.read(got, n, got.length - n);
            if (r < 0) {
                if (n == 0) {
                    throw new Failure("the command ended before the agent's handshake");
                }
                throw new Failure("the command ended after " + printable(java.util.Arrays.copyOf(got, n))
                        + " instead of the agent's handshake");
            }
            n += r;
        }
        if (!java.util.Arrays.equals(got, expected)) {
            // whatever else is already there helps to see what wrote it (the JVM's -Xlog goes to stdout)
            int more = Math.min(in.available(), 200);
            byte[] rest = new byte[more];
            int m = more > 0 ? Math.max(0, in.read(rest)) : 0;
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            seen.writeBytes(got);
            seen.write(rest, 0, m);
            throw new Failure("unexpected output instead of the agent's handshake: " + printable(seen.toByteArray()));
        }
    }

    /** A failure the script reported on its stdout: {@code JFORK-ERROR <step> <message>}. */
    private void scriptError(String line) throws Failure {
        String[] p = line.split(" ", 3);
        String what = p.length > 1 ? p[1] : "";
        if (what.equals("cache")) {
            step = Step.CACHE;
        } else if (what.equals("transfer")) {
            step = Step.TRANSFER;
        }
        throw new Failure(p.length > 2 ? p[2] : line);
    }

    /** A step failed; {@link #failure} adds the step, the exit status and the stderr. */
    private static final class Failure extends IOException {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }
    }

    /** The exception start() throws: the step, what happened, the exit status, the stderr tail. */
    private IOException failure(Throwable cause, RemoteSpec spec) {
        try {
            out.close(); // a remote side still reading learns that nothing more comes
        } catch (IOException e) {
            // it has ended
        }
        try {
            if (!process.waitFor(FAILURE_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                destroy();
                process.waitFor(FAILURE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            }
            stderr.awaitEnd(FAILURE_GRACE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        StringBuilder m = new StringBuilder("remote start failed at step \"").append(step).append("\" over `")
                .append(String.join(" ", command.isEmpty() ? List.of("sh") : command)).append("`: ");
        if (state.get() == 2) {
            m.append("timed out after ").append(spec.connectTimeout().toMillis()).append(" ms (RemoteSpec.connectTimeout)");
        } else if (cause instanceof Failure) {
            m.append(cause.getMessage());
        } else {
            m.append(cause);
        }
        if (!process.isAlive() && state.get() != 2) {
            int status = process.exitValue();
            m.append(" (exit status ").append(status);
            if (step == Step.JAVA && (status == 127 || status == 126)) {
                m.append(": the remote java ").append(status == 127 ? "was not found" : "cannot be executed");
            } else if (step == Step.CONNECT && status == 255 && !command.isEmpty() && command.get(0).endsWith("ssh")) {
                m.append(": ssh could not connect");
            }
            m.append(')');
        }
        List<String> lines = stderr.lines();
        if (lines.isEmpty()) {
            m.append("; remote stderr: (empty)");
        } else {
            List<String> tail = lines.subList(Math.max(0, lines.size() - QUOTED_LINES), lines.size());
            m.append("; remote stderr").append(tail.size() < lines.size() ? " (last " + tail.size() + " lines)" : "")
                    .append(":");
            for (String l : tail) {
                m.append("\n    ").append(l);
            }
        }
        return new IOException(m.toString(), cause instanceof Failure ? null : cause);
    }

    /** One line of the script's output, without its newline; null at the end of the stream. */
    private String readLine(int max) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read(); // byte by byte: what follows the line belongs to the next reader
            if (b < 0) {
                return null;
            }
            if (b == '\n') {
                return new String(line.toByteArray(), StandardCharsets.UTF_8);
            }
            if (line.size() >= max) {
                throw new Failure("a line longer than " + max + " bytes: " + printable(java.util.Arrays.copyOf(line.toByteArray(), 200)) + "...");
            }
            line.write(b);
        }
    }

    /** Bytes as a Java-like string literal, for messages. */
    static String printable(byte[] bytes) {
        StringBuilder s = new StringBuilder("\"");
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c == '\n') {
                s.append("\\n");
            } else if (c == '"' || c == '\\') {
                s.append('\\').append((char) c);
            } else if (c >= 0x20 && c < 0x7f) {
                s.append((char) c);
            } else {
                s.append(String.format("\\x%02x", c));
            }
        }
        return s.append('"').toString();
    }

    /** SIGTERM to the command and whatever it started here, then (bounded) SIGKILL. */
    private void destroy() {
        List<ProcessHandle> tree = process.descendants().collect(Collectors.toList());
        process.destroy();
        tree.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FAILURE_GRACE_MILLIS);
        List<ProcessHandle> all = new ArrayList<>(tree);
        all.add(process.toHandle());
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        }
    }

    /** @return the connection from the remote side, positioned after the handshake */
    public InputStream in() {
        return in;
    }

    /** @return the connection to the remote side (buffered: flush) */
    public OutputStream out() {
        return out;
    }

    /** @return the local process: ssh, or the command */
    public Process process() {
        return process;
    }

    /** @return the last lines of the command's stderr so far (ssh's, the script's, the remote JVM's) */
    public List<String> stderrLines() {
        return stderr.lines();
    }

    /** @return whether the command's stderr has ended (it has, once the command and the remote side have) */
    public boolean stderrEnded() {
        return stderr.ended();
    }

    /** @return the bytes of jars sent to the remote cache by this start */
    public long bytesTransferred() {
        return bytesTransferred;
    }

    /** @return how many jars were sent to the remote cache by this start (0: all were cached) */
    public int jarsTransferred() {
        return jarsTransferred;
    }

    /** @return the hashes of the jars sent, in the order sent */
    public List<String> hashesTransferred() {
        return Collections.unmodifiableList(hashesTransferred);
    }

    /** @return the hashes of the class path's jars, in class path order (the remote {@code -cp}) */
    public List<String> classPathHashes() {
        return classPathHashes;
    }

    /** @return the remote cache directory, as the remote shell expanded it */
    public String remoteCacheDirectory() {
        return remoteCacheDirectory;
    }

    /** @return how the remote side verifies jars: {@code sha256}, or {@code size} where it has no sha256sum */
    public String remoteVerification() {
        return remoteVerification;
    }

    /** @return how the remote side reads jars: {@code head} (GNU head -c) or {@code dd} */
    public String remoteReader() {
        return remoteReader;
    }

    /**
     * Closes the connection: stdin first, so that the agent sees its end and exits by itself; after
     * a bounded wait the command (and whatever it started here) is terminated. Over ssh, ssh's end
     * ends the remote session too. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            out.close();
        } catch (IOException e) {
            // the command has ended
        }
        try {
            if (!process.waitFor(closeTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                destroy();
            }
            stderr.awaitEnd(FAILURE_GRACE_MILLIS);
        } catch (InterruptedException e) {
            destroy();
            Thread.currentThread().interrupt();
        }
        try {
            in.close();
        } catch (IOException e) {
            // nothing left to release
        }
        if (!stderr.ended()) {
            try {
                // a grandchild holds the pipe open: stop reading it, release our end
                process.getErrorStream().close();
            } catch (IOException e) {
                // nothing left to release
            }
        }
    }

    @Override
    public String toString() {
        return "RemoteLaunch[" + String.join(" ", command) + ", pid " + process.pid() + ", " + step + "]";
    }
}
