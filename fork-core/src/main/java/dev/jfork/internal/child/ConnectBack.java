package dev.jfork.internal.child;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Paths;

import dev.jfork.internal.os.ProcSockets;
import dev.jfork.internal.wire.Protocol;

/**
 * The control socket of a process its parent started with the JDK alone ({@code docs/PROTOCOL.md},
 * "Started without libc"): there is no socketpair at descriptor 0, so the process connects to the
 * parent's listening socket named on its launch line, once the parent has sent a one-time token on
 * its standard input (a pipe that then stays its lifeline), and proves itself with the token.
 *
 * <p>The rest of the child works on descriptor numbers (its channel streams, descriptor passing),
 * and the JDK does not tell a channel's number. So the channel is bound to a name of its own
 * ({@link Protocol#CONNECT_CLIENT_NAME}, beside the parent's socket) before it connects: the
 * kernel's table of Unix sockets ({@code /proc/net/unix}) gives the inode bound to that name, and
 * {@code /proc/self/fd} the descriptor that is that inode. (Watching which descriptor appears
 * while the channel is opened is not enough: the JDK opens and closes sockets of its own there.) The channel object is kept for the life of the process, so that it
 * is never collected while its descriptor is in use.
 */
final class ConnectBack {
    private ConnectBack() {}

    private static SocketChannel kept;
    private static int keptFd = -1;

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
     * milliseconds (its class set-up seeds a {@code SecureRandom}). The token tells that the
     * listener (and its directory) exist.
     *
     * @throws OwnerGoneException if standard input ends before the token
     */
    static synchronized int connect(String path) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            byte[] token = readToken(); // the parent sends it once it listens
            // bound to a name of its own in the parent's private directory, so that the kernel's
            // table of Unix sockets tells its inode, and /proc/self/fd which descriptor has that inode
            String own = Paths.get(path).resolveSibling(Protocol.CONNECT_CLIENT_NAME).toString();
            ch.bind(UnixDomainSocketAddress.of(own));
            ch.connect(UnixDomainSocketAddress.of(path));
            ByteBuffer b = ByteBuffer.wrap(token);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            int fd = ProcSockets.descriptorBoundTo(own);
            kept = ch;
            keptFd = fd;
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

    /**
     * The JDK channel whose descriptor is {@code fd}, if it is the control socket made here (to
     * shut it down without libc), else null.
     */
    static synchronized SocketChannel channel(int fd) {
        return kept != null && keptFd == fd ? kept : null;
    }
}
