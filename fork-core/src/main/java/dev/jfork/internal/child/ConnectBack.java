package dev.jfork.internal.child;

import java.io.File;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.jfork.internal.wire.Protocol;

/**
 * The control socket of a process its parent started with the JDK alone ({@code docs/PROTOCOL.md},
 * "Started without libc"): there is no socketpair at descriptor 0, so the process connects to the
 * parent's listening socket named on its launch line, once the parent has sent a one-time token on
 * its standard input (a pipe that then stays its lifeline), and proves itself with the token.
 *
 * <p>The rest of the child works on descriptor numbers (its channel streams, descriptor passing),
 * and the JDK does not tell a channel's number: it is found as the one socket descriptor that
 * appeared in {@code /proc/self/fd} while the channel was opened (at this point of the boot no
 * other thread opens sockets). The channel object is kept for the life of the process, so that it
 * is never collected while its descriptor is in use.
 */
final class ConnectBack {
    private ConnectBack() {}

    private static SocketChannel kept;

    /** The parent closed the lifeline before it sent the token: it is gone. */
    static final class OwnerGoneException extends IOException {
        private static final long serialVersionUID = 1L;

        OwnerGoneException() {
            super("the parent closed standard input before sending the token");
        }
    }

    /**
     * Connects to the parent's listener at {@code path} with the token from standard input, and
     * returns the socket's descriptor number. The channel is opened first, while the parent may
     * still be making its listener: the JDK's first Unix socket costs a cold JVM tens of
     * milliseconds (its class set-up seeds a {@code SecureRandom}).
     *
     * @throws OwnerGoneException if standard input ends before the token
     */
    static synchronized int connect(String path) throws IOException {
        Set<String> before = descriptors();
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            int fd = opened(before);
            byte[] token = readToken(); // the parent sends it once it listens
            ch.connect(UnixDomainSocketAddress.of(path));
            ByteBuffer b = ByteBuffer.wrap(token);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            kept = ch;
            return fd;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static byte[] readToken() throws IOException {
        @SuppressWarnings("resource") // descriptor 0 stays open: it is the lifeline
        FileInputStream in = new FileInputStream(FileDescriptor.in);
        byte[] token = new byte[Protocol.CONNECT_TOKEN_BYTES];
        int got = 0;
        while (got < token.length) {
            int n = in.read(token, got, token.length - got); // never reads past the token: the pipe carries nothing after it
            if (n < 0) {
                throw new OwnerGoneException();
            }
            got += n;
        }
        return token;
    }

    /** The one socket descriptor that is open now and was not in {@code before}. */
    private static int opened(Set<String> before) throws IOException {
        List<Integer> sockets = new ArrayList<>();
        List<String> fresh = new ArrayList<>();
        for (String name : new File("/proc/self/fd").list()) {
            if (!before.contains(name)) {
                fresh.add(name);
            }
        }
        for (String name : fresh) {
            try {
                // only asked when there is a choice: most boots open exactly one descriptor here
                if (fresh.size() == 1 || Files.readSymbolicLink(Paths.get("/proc/self/fd", name)).toString().startsWith("socket:")) {
                    sockets.add(Integer.parseInt(name));
                }
            } catch (IOException | NumberFormatException e) {
                // closed again meanwhile (the directory listing's own descriptor, say): not the socket
            }
        }
        if (sockets.size() != 1) {
            throw new IOException("cannot tell the control socket's descriptor: new descriptors " + fresh + ", sockets among them " + sockets);
        }
        return sockets.get(0);
    }

    private static Set<String> descriptors() throws IOException {
        String[] names = new File("/proc/self/fd").list();
        if (names == null) {
            throw new IOException("cannot list /proc/self/fd (a process started without libc needs /proc)");
        }
        return new HashSet<>(Arrays.asList(names));
    }
}
