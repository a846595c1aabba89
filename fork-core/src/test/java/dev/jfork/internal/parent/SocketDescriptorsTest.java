package dev.jfork.internal.parent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.Channel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding a socket channel's descriptor by its addresses, checked against the JDK's own number
 * (read by reflection: this suite's JVM opens {@code sun.nio.ch}).
 */
class SocketDescriptorsTest {
    @TempDir
    Path tmp;

    private static int jdkFd(Channel ch) throws ReflectiveOperationException {
        Method m = Class.forName("sun.nio.ch.SelChImpl").getMethod("getFDVal");
        m.setAccessible(true);
        return (Integer) m.invoke(ch);
    }

    private static void assertFound(NetworkChannel ch) throws ReflectiveOperationException {
        assertEquals(jdkFd(ch), SocketDescriptors.find(ch), ch.toString());
    }

    @Test
    void tcpListenerAndBothEndsOfAConnection() throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel client = SocketChannel.open(listener.getLocalAddress());
             SocketChannel accepted = listener.accept()) {
            assertFound(listener); // not confused with the accepted socket on the same local address
            assertFound(client);
            assertFound(accepted); // not confused with the listener
        }
    }

    @Test
    void wildcardAndIpv6Listeners() throws Exception {
        try (ServerSocketChannel any = ServerSocketChannel.open().bind(new InetSocketAddress(0));
             ServerSocketChannel v6 = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getByName("::1"), 0))) {
            assertFound(any);
            assertFound(v6);
        } catch (IOException noIpv6) {
            // a machine without IPv6 loopback: the wildcard case alone
            try (ServerSocketChannel any = ServerSocketChannel.open().bind(new InetSocketAddress(0))) {
                assertFound(any);
            }
        }
    }

    @Test
    void datagramBoundAndConnected() throws Exception {
        try (DatagramChannel a = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             DatagramChannel b = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            assertFound(a);
            b.connect(a.getLocalAddress());
            assertFound(b);
        }
    }

    @Test
    void unixDomainListenerAndConnection() throws Exception {
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(tmp.resolve("s.sock"));
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(address);
             SocketChannel client = SocketChannel.open(address);
             SocketChannel accepted = listener.accept()) {
            assertFound(listener);
            assertFound(client); // unnamed: told apart by its peer
        }
    }

    @Test
    void asynchronousChannels() throws Exception {
        // a group of our own: the JDK's default group keeps its threads and wake-up pipe for ever
        AsynchronousChannelGroup group = AsynchronousChannelGroup.withFixedThreadPool(1, Thread::new);
        try (AsynchronousServerSocketChannel listener =
                     AsynchronousServerSocketChannel.open(group).bind(new InetSocketAddress("127.0.0.1", 0));
             AsynchronousSocketChannel client = AsynchronousSocketChannel.open(group)) {
            client.connect(listener.getLocalAddress()).get(10, TimeUnit.SECONDS);
            try (AsynchronousSocketChannel accepted = listener.accept().get(10, TimeUnit.SECONDS)) {
                int l = SocketDescriptors.find(listener);
                int c = SocketDescriptors.find(client);
                int a = SocketDescriptors.find(accepted);
                assertTrue(l != c && c != a && l != a, l + " " + c + " " + a);
            }
        } finally {
            group.shutdownNow();
            assertTrue(group.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void anUnboundChannelIsRefusedWithAReason() throws Exception {
        try (ServerSocketChannel unbound = ServerSocketChannel.open()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SocketDescriptors.find(unbound));
            assertTrue(e.getMessage().contains("not bound"), e.getMessage());
        }
    }

    @Test
    void twoListenersOnOnePortAreAmbiguous() throws Exception {
        try (ServerSocketChannel a = ServerSocketChannel.open()) {
            a.setOption(StandardSocketOptions.SO_REUSEPORT, true).bind(new InetSocketAddress("127.0.0.1", 0));
            try (ServerSocketChannel b = ServerSocketChannel.open()) {
                b.setOption(StandardSocketOptions.SO_REUSEPORT, true).bind(a.getLocalAddress());
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SocketDescriptors.find(b));
                assertTrue(e.getMessage().contains("all look like it"), e.getMessage());
            }
        }
    }
}
