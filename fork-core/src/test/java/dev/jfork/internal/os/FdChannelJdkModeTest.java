package dev.jfork.internal.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parent's end of a process that connected back, before libc is bound: a JDK channel whose
 * descriptor was found through /proc, used with interrupted threads (fork-rpc cancels by
 * interrupting), and handed over to the descriptor once libc is bound.
 */
class FdChannelJdkModeTest {
    @TempDir
    Path dir;

    @Test
    void aPendingInterruptNeitherClosesTheChannelNorIsLost() throws Exception {
        String path = dir.resolve("s").toString();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            try (SocketChannel peer = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                SocketChannel accepted = server.accept();
                server.close(); // the accepted socket is the only one left bound to the name
                int fd = ProcSockets.descriptorBoundTo(path);
                boolean[] libc = {false};
                FdChannel ch = FdChannel.of(accepted, fd, () -> libc[0]);
                try {
                    Thread.currentThread().interrupt();
                    ch.writeFully(new byte[] {1, 2});
                    assertTrue(Thread.interrupted(), "the caller's interrupt status is kept");
                    assertTrue(accepted.isOpen() && ch.isOpen(), "an interrupted writer did not close the JDK channel");
                    ByteBuffer got = ByteBuffer.allocate(2);
                    while (got.hasRemaining()) {
                        peer.read(got);
                    }
                    assertEquals(2, got.get(1));

                    peer.write(ByteBuffer.wrap(new byte[] {3}));
                    Thread.currentThread().interrupt();
                    ByteBuffer one = ByteBuffer.allocate(1);
                    assertEquals(1, ch.read(one));
                    assertTrue(Thread.interrupted());
                    assertEquals(3, one.get(0));

                    // once libc is bound, the same channel goes through its descriptor
                    libc[0] = true;
                    assertEquals(fd, ch.fd());
                    ch.writeFully(new byte[] {4});
                    ByteBuffer four = ByteBuffer.allocate(1);
                    peer.read(four);
                    assertEquals(4, four.get(0));
                } finally {
                    ch.close();
                }
                assertTrue(!accepted.isOpen(), "closing the channel closes the JDK channel that owns the socket");
                assertEquals(-1, peer.read(ByteBuffer.allocate(1)));
            }
        }
    }
}
