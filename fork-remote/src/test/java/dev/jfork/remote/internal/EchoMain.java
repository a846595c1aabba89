package dev.jfork.remote.internal;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;

/**
 * A stand-in for the agent, run on the remote side from the synced class path: optionally records
 * its pid and arguments (so that tests can see what arrived and that it ended), writes the
 * handshake, then echoes stdin to stdout until EOF, then exits.
 *
 * <p>Arguments: none, or a file to write "pid\n" followed by the remaining arguments, each ended by
 * a NUL byte.
 */
public final class EchoMain {
    private EchoMain() {}

    public static void main(String[] args) throws IOException {
        if (args.length > 0) {
            StringBuilder s = new StringBuilder().append(ProcessHandle.current().pid()).append('\n');
            for (int i = 1; i < args.length; i++) {
                s.append(args[i]).append('\0');
            }
            // written before the handshake, renamed into place: the test reads it once start() returned
            Path file = Paths.get(args[0]);
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, s.toString().getBytes(StandardCharsets.UTF_8));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        }
        // the raw descriptors: System.out's buffer and System.in's read-ahead have no business here
        OutputStream out = new FileOutputStream(FileDescriptor.out);
        InputStream in = new FileInputStream(FileDescriptor.in);
        // a literal, not RemoteAgent.HANDSHAKE: the test class path synced is the test classes and JUnit
        out.write("\0JFORK-REMOTE 1\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) > 0) {
            out.write(buf, 0, n);
            out.flush();
        }
    }
}
