package dev.jfork.remote;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.jfork.remote.internal.StderrPump;

/**
 * A real OpenSSH server for tests: {@code /usr/sbin/sshd} on 127.0.0.1 and a free port, in the
 * foreground as this JVM's child ({@code -D -e}), with its own configuration, a generated ed25519
 * host key and user key, and a known_hosts file for the client, all in a temporary directory that
 * {@link #close()} removes after stopping the server and every session it started.
 *
 * <p>The client options it gives check the host key as a careful user's ssh does
 * ({@code StrictHostKeyChecking=yes} against that known_hosts), and use nothing of the machine's or
 * the user's ssh configuration ({@code -F /dev/null}).
 */
public final class SshServer implements AutoCloseable {
    public static final Path SSHD = Paths.get("/usr/sbin/sshd");
    /** How long sshd may take to start listening. */
    private static final long START_MILLIS = 20_000;
    private static final long STOP_MILLIS = 10_000;

    /** Every directory a server of this JVM made: each must be gone once the suite is done. */
    private static final Set<Path> CREATED = ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final int port;
    private final Process process;
    private final StderrPump log;
    private final String user;

    private SshServer(Path dir, int port, Process process, StderrPump log, String user) {
        this.dir = dir;
        this.port = port;
        this.process = process;
        this.log = log;
        this.user = user;
    }

    /**
     * Starts a server.
     *
     * @return the server, listening
     * @throws IllegalStateException if OpenSSH's server is not installed (the message says how to install it)
     * @throws IOException if it cannot start (the message quotes its log)
     */
    public static SshServer start() throws IOException, InterruptedException {
        installIfMissing();
        return start(SSHD);
    }

    /**
     * The README's test command must work on a fresh machine: as root on Debian or Ubuntu, a
     * missing OpenSSH server is installed here (the package only; no service is started by this
     * fixture). Anywhere else {@link #start(Path)} says how to install it.
     */
    private static synchronized void installIfMissing() throws IOException, InterruptedException {
        if (Files.isExecutable(SSHD) || !"root".equals(System.getProperty("user.name")) || !Files.isExecutable(Paths.get("/usr/bin/apt-get"))) {
            return;
        }
        for (String script : new String[] {"apt-get install -y openssh-server", "apt-get update && apt-get install -y openssh-server"}) {
            Process p = new ProcessBuilder("sh", "-c", "DEBIAN_FRONTEND=noninteractive " + script.replace("&& apt-get", "&& DEBIAN_FRONTEND=noninteractive apt-get"))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (p.waitFor(10, java.util.concurrent.TimeUnit.MINUTES) && p.exitValue() == 0 && Files.isExecutable(SSHD)) {
                return;
            }
            p.destroyForcibly();
        }
    }

    /** {@link #start()} with another sshd, for the test of its absence. */
    static SshServer start(Path sshd) throws IOException, InterruptedException {
        if (!Files.isExecutable(sshd)) {
            // not a skip: these tests are the only check that remote templates work over real ssh
            throw new IllegalStateException("OpenSSH server not installed (" + sshd
                    + " is missing); install it with: apt-get install -y openssh-server");
        }
        Path dir = Files.createTempDirectory("jfork-sshd-");
        CREATED.add(dir);
        try {
            ensurePrivilegeSeparationDirectory();
            generateKey(dir.resolve("host_key"), "jfork-test-host");
            generateKey(dir.resolve("user_key"), "jfork-test-user");
            Files.copy(dir.resolve("user_key.pub"), dir.resolve("authorized_keys"));
            String user = System.getProperty("user.name");
            boolean penalties = supportsPerSourcePenalties(sshd, dir, user);
            IOException last = null;
            // a free port can be taken between finding it and sshd binding it: try another
            for (int attempt = 0; attempt < 5; attempt++) {
                int port = freePort();
                Path config = writeConfig(dir, port, user, penalties);
                writeKnownHosts(dir.resolve("known_hosts"), port, publicKey(dir.resolve("host_key.pub")));
                Process p = new ProcessBuilder(sshd.toString(), "-D", "-e", "-f", config.toString())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                StderrPump log = StderrPump.start(p.getErrorStream(), "sshd-log-" + p.pid(), 500);
                String listening = "Server listening on 127.0.0.1 port " + port;
                if (log.awaitLine(l -> l.contains(listening), START_MILLIS)) {
                    return new SshServer(dir, port, p, log, user);
                }
                stop(p, log);
                String text = String.join("\n  ", log.lines());
                last = new IOException("sshd did not start listening on port " + port + " within " + START_MILLIS
                        + " ms; its log:\n  " + text);
                if (!text.contains("Address already in use") && !text.contains("Cannot bind any address")) {
                    break;
                }
            }
            throw last;
        } catch (IOException | InterruptedException | RuntimeException e) {
            deleteRecursively(dir);
            throw e;
        }
    }

    /** sshd refuses to start without it (as root); a fresh container has no /run/sshd. */
    private static void ensurePrivilegeSeparationDirectory() {
        Path run = Paths.get("/run/sshd");
        if (!Files.isDirectory(run)) {
            try {
                Files.createDirectories(run, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            } catch (IOException e) {
                // not root: sshd runs without privilege separation then, or says what it misses
            }
        }
    }

    /**
     * Generates an ed25519 key pair without passphrase: {@code file} and {@code file.pub}.
     *
     * @param file the private key's path
     * @param comment the key's comment
     */
    public static void generateKey(Path file, String comment) throws IOException, InterruptedException {
        run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file.toString()));
    }

    /** @return "type base64" of a public key file, without its comment */
    public static String publicKey(Path pub) throws IOException {
        String[] f = Files.readString(pub).trim().split("\\s+");
        return f[0] + " " + f[1];
    }

    /**
     * Writes a known_hosts file that says the server at 127.0.0.1 and {@code port} has {@code key}.
     *
     * @param file the file
     * @param port the port
     * @param key "type base64"
     */
    public static void writeKnownHosts(Path file, int port, String key) throws IOException {
        // a host on another port than 22 is named [host]:port
        Files.writeString(file, "[127.0.0.1]:" + port + " " + key + "\n");
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out;
        try (var in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new IOException(String.join(" ", command) + " did not end within 30 s");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + text);
        }
        return text;
    }

    /**
     * OpenSSH 9.8 punishes addresses whose connections fail (as the host key tests' do) with refused
     * connections for a while; older servers do not know the option and refuse the configuration.
     */
    private static boolean supportsPerSourcePenalties(Path sshd, Path dir, String user) throws IOException, InterruptedException {
        Path config = writeConfig(dir, 22, user, true);
        Process p = new ProcessBuilder(sshd.toString(), "-t", "-f", config.toString()).redirectErrorStream(true).start();
        String text;
        try (var in = p.getInputStream()) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        p.waitFor(30, TimeUnit.SECONDS);
        return !text.contains("PerSourcePenalties");
    }

    private static Path writeConfig(Path dir, int port, String user, boolean penalties) throws IOException {
        List<String> lines = new ArrayList<>(List.of(
                "Port " + port,
                "ListenAddress 127.0.0.1",
                "HostKey " + dir.resolve("host_key"),
                "PidFile " + dir.resolve("sshd.pid"),
                "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                "AllowUsers " + user,
                // tests run as root in CI; only with the generated key, never a password
                "PermitRootLogin prohibit-password",
                "PubkeyAuthentication yes",
                "AuthenticationMethods publickey",
                "PasswordAuthentication no",
                "UsePAM no",
                // the key files live in a temporary directory, not in a home directory sshd would check
                "StrictModes no",
                "UseDNS no",
                "PermitUserEnvironment no",
                "X11Forwarding no",
                "AllowAgentForwarding no",
                "AllowTcpForwarding no",
                "PermitTunnel no",
                "PrintMotd no",
                // INFO logs "Server listening on ...", which start() waits for
                "LogLevel INFO"));
        if (penalties) {
            lines.add("PerSourcePenalties no");
        }
        Path config = dir.resolve("sshd_config");
        Files.write(config, lines);
        return config;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    /** @return the directories of every server started by this JVM, closed or not */
    public static Set<Path> createdDirectories() {
        return Set.copyOf(CREATED);
    }

    /** @return the port it listens on (127.0.0.1 only) */
    public int port() {
        return port;
    }

    /** @return {@code user@127.0.0.1}: the user running the tests (root in CI) */
    public String destination() {
        return user + "@127.0.0.1";
    }

    /** @return the client's options: this server's port, the user key, its known_hosts, strict checking */
    public List<String> sshOptions() {
        return sshOptions(knownHosts());
    }

    /**
     * The client's options with another known_hosts file.
     *
     * @param knownHosts the known_hosts file
     * @return the options
     */
    public List<String> sshOptions(Path knownHosts) {
        return List.of("-F", "/dev/null", "-p", String.valueOf(port), "-i", dir.resolve("user_key").toString(),
                "-o", "UserKnownHostsFile=" + knownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "StrictHostKeyChecking=yes", "-o", "IdentitiesOnly=yes");
    }

    /** @return the known_hosts file with this server's host key */
    public Path knownHosts() {
        return dir.resolve("known_hosts");
    }

    /** @return the temporary directory of keys and configuration */
    public Path directory() {
        return dir;
    }

    /** @return the sshd listener; its descendants are the sessions */
    public ProcessHandle process() {
        return process.toHandle();
    }

    /** @return sshd's last log lines */
    public List<String> log() {
        return log.lines();
    }

    /** Stops sshd and every session it started, then removes the directory. */
    @Override
    public void close() throws IOException {
        try {
            stop(process, log);
        } finally {
            deleteRecursively(dir);
        }
    }

    /** The listener does not end its sessions when it ends: they are stopped with it. */
    private static void stop(Process p, StderrPump log) {
        List<ProcessHandle> sessions = p.descendants().collect(Collectors.toList());
        p.destroy();
        sessions.forEach(ProcessHandle::destroy);
        List<ProcessHandle> all = new ArrayList<>(sessions);
        all.add(p.toHandle());
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_MILLIS);
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
                try {
                    h.onExit().get(STOP_MILLIS, TimeUnit.MILLISECONDS);
                } catch (Exception again) {
                    throw new IllegalStateException("sshd process " + h.pid() + " does not end", again);
                }
            }
        }
        try {
            log.awaitEnd(STOP_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public String toString() {
        return "SshServer[" + destination() + ":" + port + ", pid " + process.pid() + "]";
    }
}
