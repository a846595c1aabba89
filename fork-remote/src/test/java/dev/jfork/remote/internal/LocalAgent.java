package dev.jfork.remote.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A {@link RemoteAgent} started on this machine with {@code ProcessBuilder} (its stdin and stdout
 * are the connection, as over ssh, without the class path sent): the agent's side of the tests
 * that do not need sshd.
 */
final class LocalAgent implements AutoCloseable {
    final Process process;
    final RemoteConnection connection;
    private final List<String> stderr = Collections.synchronizedList(new ArrayList<>());

    LocalAgent(String name, int window, String... jvmOptions) throws IOException {
        List<String> argv = new ArrayList<>();
        argv.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        argv.add("-XX:+DisplayVMOutputToStderr");
        argv.addAll(Arrays.asList(jvmOptions));
        argv.add("--enable-native-access=ALL-UNNAMED");
        argv.add("-cp");
        // under surefire java.class.path may be a manifest-only jar: give the agent the real entries
        argv.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        argv.add(RemoteAgent.class.getName());
        argv.add(String.valueOf(window));
        process = new ProcessBuilder(argv).start();
        Thread pump = new Thread(() -> {
            try (InputStream err = process.getErrorStream()) {
                StringBuilder line = new StringBuilder();
                int c;
                while ((c = err.read()) >= 0) {
                    if (c == '\n') {
                        stderr.add(line.toString());
                        line.setLength(0);
                    } else {
                        line.append((char) c);
                    }
                }
            } catch (IOException ignored) {
                // ended
            }
        }, "local-agent-stderr");
        pump.setDaemon(true);
        pump.start();
        byte[] hello = new byte[RemoteAgent.HANDSHAKE.length];
        new DataInputStream(process.getInputStream()).readFully(hello);
        if (!Arrays.equals(hello, RemoteAgent.HANDSHAKE)) {
            throw new IOException("not the agent's handshake: " + new String(hello, StandardCharsets.ISO_8859_1));
        }
        connection = new RemoteConnection(name, process.getInputStream(), process.getOutputStream(), window, this::stderrLines,
                () -> {
                    try {
                        process.getOutputStream().close();
                    } catch (IOException ignored) {
                        // gone
                    }
                });
    }

    List<String> stderrLines() {
        synchronized (stderr) {
            return new ArrayList<>(stderr.subList(Math.max(0, stderr.size() - 20), stderr.size()));
        }
    }

    @Override
    public void close() {
        connection.close();
        process.destroy();
        try {
            process.waitFor();
            process.getInputStream().close();
            process.getErrorStream().close();
        } catch (IOException | InterruptedException ignored) {
            // best effort
        }
    }

    static String drain(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        in.transferTo(b);
        return b.toString(StandardCharsets.UTF_8);
    }
}
