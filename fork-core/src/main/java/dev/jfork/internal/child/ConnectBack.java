package dev.jfork.internal.child;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.List;

import dev.jfork.internal.os.LauncherArguments;
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

    /** The JDK's system property that names the selector provider class. */
    static final String SELECTOR_PROPERTY = "java.nio.channels.spi.SelectorProvider";

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
     * Connects to the parent's listener at {@code path} with the token of {@code header}, and
     * returns the socket's descriptor number. The header tells that the listener (and its
     * directory) exist; it is there long before this JVM is up, as a rule.
     */
    static synchronized int connect(String path, Header header) throws IOException {
        SocketChannel ch = open(header.selector);
        try {
            // bound to a name of its own in the parent's private directory, so that the kernel's
            // table of Unix sockets tells its inode, and /proc/self/fd which descriptor has that inode
            String own = Paths.get(path).resolveSibling(Protocol.CONNECT_CLIENT_NAME).toString();
            ch.bind(UnixDomainSocketAddress.of(own));
            ch.connect(UnixDomainSocketAddress.of(path));
            ByteBuffer b = ByteBuffer.wrap(header.token);
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

    /**
     * A Unix socket channel. This is the JVM's first: the JDK settles its selector provider here
     * for the life of the process, from the system property {@value #SELECTOR_PROPERTY} if set,
     * else by looking for one on the class path (opening every jar), else its own. The parent names
     * the JDK's own class ({@code selector}) where its own look-up, over the same class path, found
     * none; if this JVM's options cannot add one elsewhere either (see {@link #lookUpIsTheParents})
     * and the property is unset, the property is set to it for the call only: the same provider,
     * without the look-up.
     */
    static SocketChannel open(String selector) throws IOException {
        if (selector == null || System.getProperty(SELECTOR_PROPERTY) != null || !isJdkSelectorProvider(selector)
                || !lookUpIsTheParents()) {
            return SocketChannel.open(StandardProtocolFamily.UNIX);
        }
        System.setProperty(SELECTOR_PROPERTY, selector);
        try {
            return SocketChannel.open(StandardProtocolFamily.UNIX);
        } finally {
            System.clearProperty(SELECTOR_PROPERTY); // the program never sees it
        }
    }

    /**
     * Options that make a JVM's provider look-up see more than its class path (prefixes): agents
     * (they may add jars to the search), the boot class path, modules, another system class loader.
     */
    private static final String[] WIDER_LOOK_UP = {"-javaagent", "-agentlib", "-agentpath", "-Xbootclasspath", "--module-path",
        "--upgrade-module-path", "--add-modules", "--patch-module", "-Djava.system.class.loader", "-Djdk.module."};

    /**
     * Whether this JVM looks for providers where its parent looked: its own command line can be
     * read with certainty (no option files, no options from the environment) and has no option
     * that widens the look-up. The class path was compared by the parent.
     */
    private static boolean lookUpIsTheParents() {
        List<String> options = LauncherArguments.ofThisJvm();
        if (options == null) {
            return false;
        }
        for (String o : options) {
            for (String wider : WIDER_LOOK_UP) {
                if (o.startsWith(wider)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Sets up the JDK's security providers, as the JDK's Unix sockets do when their class is first
     * used (they seed a {@code SecureRandom} to name sockets; 15-20 ms in a cold JVM): called on a
     * thread of its own while the main thread reads the header and settles the selector provider,
     * so that this part of the socket's set-up runs beside the rest of it rather than after. The
     * same algorithm as the JDK asks for, so nothing is set up that the socket would not.
     */
    static void prepareSecurity() {
        try {
            SecureRandom.getInstance("NativePRNGNonBlocking");
        } catch (NoSuchAlgorithmException | RuntimeException e) {
            // the socket's own set-up falls back as the JDK does
        }
    }

    /** Whether this JDK has that public provider class, which the JDK can make from the property (another JDK may not). */
    private static boolean isJdkSelectorProvider(String name) {
        try {
            Class<?> c = Class.forName(name, false, null); // the boot loader: the JDK's own classes only
            return SelectorProvider.class.isAssignableFrom(c) && Modifier.isPublic(c.getModifiers())
                    && Modifier.isPublic(c.getConstructor().getModifiers());
        } catch (ClassNotFoundException | NoSuchMethodException | LinkageError | SecurityException e) {
            return false;
        }
    }

    /** What the parent writes on standard input before the process connects. */
    static final class Header {
        final byte[] token;
        final String selector; // or null
        /** {@link Protocol#CONNECT_MAPPED}: the process maps a class-data archive of a first process. */
        final boolean mapped;

        Header(byte[] token, String selector, boolean mapped) {
            this.token = token;
            this.selector = selector;
            this.mapped = mapped;
        }
    }

    /**
     * The token, the selector provider's name and the flags ({@code docs/PROTOCOL.md}, "Started
     * without libc").
     *
     * @throws OwnerGoneException if standard input ends before the header
     */
    static Header readHeader() throws IOException {
        @SuppressWarnings("resource") // descriptor 0 stays open: it is the lifeline
        FileInputStream in = new FileInputStream(FileDescriptor.in);
        byte[] token = readFully(in, Protocol.CONNECT_TOKEN_BYTES);
        int length = readFully(in, 1)[0] & 0xff;
        String selector = length == 0 ? null : new String(readFully(in, length), StandardCharsets.US_ASCII);
        int flags = readFully(in, 1)[0] & 0xff;
        return new Header(token, selector, (flags & Protocol.CONNECT_MAPPED) != 0);
    }

    /** Exactly n bytes; never reads past them (the pipe carries nothing after the header). */
    private static byte[] readFully(FileInputStream in, int n) throws IOException {
        byte[] b = new byte[n];
        int got = 0;
        while (got < n) {
            int r = in.read(b, got, n - got);
            if (r < 0) {
                throw new OwnerGoneException();
            }
            got += r;
        }
        return b;
    }

    /**
     * The JDK channel whose descriptor is {@code fd}, if it is the control socket made here (to
     * shut it down without libc), else null.
     */
    static synchronized SocketChannel channel(int fd) {
        return kept != null && keptFd == fd ? kept : null;
    }
}
