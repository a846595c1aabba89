package dev.jfork.internal.parent;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.jfork.internal.os.Native;
import dev.jfork.internal.os.ProcSockets;

/**
 * Finds the descriptor of a JDK socket channel without reflection into the JDK (so without
 * {@code --add-opens}): among this process's descriptors ({@code /proc/self/fd}), the one socket
 * whose type, listening state, own address and peer address are the channel's. A listener is told
 * from the connections it accepted (same local address) by {@code SO_ACCEPTCONN}; a connection by
 * its peer. A channel that is not bound has no address to look for, and two sockets that look the
 * same (two listeners sharing a port with {@code SO_REUSEPORT}) cannot be told apart: both are
 * reported, with what to do instead.
 */
final class SocketDescriptors {
    private SocketDescriptors() {}

    private static final int AF_UNIX = 1;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;

    /** The descriptor of {@code ch} in this process. */
    static int find(NetworkChannel ch) {
        SocketAddress local;
        SocketAddress remote = null;
        try {
            local = ch.getLocalAddress();
            if (ch instanceof SocketChannel) {
                remote = ((SocketChannel) ch).getRemoteAddress();
            } else if (ch instanceof DatagramChannel) {
                remote = ((DatagramChannel) ch).getRemoteAddress();
            } else if (ch instanceof AsynchronousSocketChannel) {
                remote = ((AsynchronousSocketChannel) ch).getRemoteAddress();
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot send " + ch + ": " + e.getMessage(), e);
        }
        if (local == null || (local instanceof InetSocketAddress && ((InetSocketAddress) local).getPort() == 0)) {
            throw new IllegalArgumentException("cannot send " + ch + ": it is not bound yet, so nothing tells its descriptor apart"
                    + " (bind or connect it first)");
        }
        int type = ch instanceof DatagramChannel ? Native.SOCK_DGRAM : Native.SOCK_STREAM;
        boolean listening = ch instanceof ServerSocketChannel || ch instanceof AsynchronousServerSocketChannel;
        List<Integer> found = new ArrayList<>();
        for (int fd : sockets()) {
            if (Native.socketOption(fd, Native.SO_TYPE) != type || (Native.socketOption(fd, Native.SO_ACCEPTCONN) == 1) != listening) {
                continue;
            }
            if (!same(decode(Native.socketAddress(fd, false)), local)) {
                continue;
            }
            if (remote != null && !same(decode(Native.socketAddress(fd, true)), remote)) {
                continue;
            }
            found.add(fd);
        }
        if (found.size() == 1) {
            return found.get(0);
        }
        if (found.isEmpty()) {
            throw new IllegalArgumentException("cannot send " + ch + ": no socket of this process has its address " + local
                    + (remote == null ? "" : " and peer " + remote));
        }
        throw new IllegalArgumentException("cannot send " + ch + ": descriptors " + found + " all look like it (same type and"
                + " addresses); pass the descriptor number, or run with --add-opens java.base/sun.nio.ch=" + Descriptors.self());
    }

    /** The socket descriptors open in this process. */
    private static List<Integer> sockets() {
        try {
            return new ArrayList<>(ProcSockets.socketDescriptors().keySet());
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/self/fd to find a socket's descriptor: " + e, e);
        }
    }

    /** A {@code sockaddr} as Java's channels report addresses. */
    static SocketAddress decode(byte[] addr) {
        if (addr == null || addr.length < 2) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(addr);
        int family = b.order(ByteOrder.nativeOrder()).getShort(0) & 0xffff;
        try {
            if (family == AF_INET && addr.length >= 8) {
                int port = b.order(ByteOrder.BIG_ENDIAN).getShort(2) & 0xffff;
                return new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOfRange(addr, 4, 8)), port);
            }
            if (family == AF_INET6 && addr.length >= 24) {
                int port = b.order(ByteOrder.BIG_ENDIAN).getShort(2) & 0xffff;
                return new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOfRange(addr, 8, 24)), port);
            }
            if (family == AF_UNIX) {
                int end = 2;
                while (end < addr.length && addr[end] != 0) {
                    end++;
                }
                return UnixDomainSocketAddress.of(new String(addr, 2, end - 2, StandardCharsets.UTF_8));
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    /** Equal as addresses: an IPv4-mapped IPv6 address is its IPv4 address, and every wildcard is one. */
    static boolean same(SocketAddress a, SocketAddress b) {
        if (a instanceof InetSocketAddress && b instanceof InetSocketAddress) {
            InetSocketAddress x = (InetSocketAddress) a;
            InetSocketAddress y = (InetSocketAddress) b;
            if (x.getPort() != y.getPort()) {
                return false;
            }
            InetAddress p = plain(x.getAddress());
            InetAddress q = plain(y.getAddress());
            return p.isAnyLocalAddress() && q.isAnyLocalAddress() || p.equals(q);
        }
        return a != null && a.equals(b);
    }

    private static InetAddress plain(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] b = address.getAddress();
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            if (mapped && b[10] == (byte) 0xff && b[11] == (byte) 0xff) {
                try {
                    return Inet4Address.getByAddress(Arrays.copyOfRange(b, 12, 16));
                } catch (IOException e) {
                    return address;
                }
            }
        }
        return address;
    }
}
