package dev.jfork;

import java.io.FileDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.Channels;
import java.nio.channels.DatagramChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * Run by {@link PlainJvmTest} as {@code java -cp ... PlainJvmProgram} with no JVM option: passes
 * each kind of descriptor the seeds pass (listeners, connections, datagram sockets, the standard
 * descriptors and streams, a file by path) to a child that uses it, and prints {@code ok <kind>}
 * for each that worked. Anything else ends it with an exception and exit status 1.
 */
public final class PlainJvmProgram {
    private PlainJvmProgram() {}

    private static final long SECONDS = 60;

    public static void main(String[] args) throws Exception {
        System.out.println("flags " + ManagementFactory.getRuntimeMXBean().getInputArguments());
        System.out.println("backend " + dev.jfork.internal.os.Native.backend());
        Path tmp = Files.createTempDirectory("jfork-plain");
        try {
            tcpListener();
            tcpConnection();
            datagrams();
            unixListener(tmp);
            asynchronousListener();
            standardDescriptors();
            fileByPath(tmp);
            fileChannelNeedsAFlag(tmp);
        } finally {
            try (var files = Files.list(tmp)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Files.delete(p);
                }
            }
            Files.delete(tmp);
            Fork.defaultTemplate().close();
        }
        System.out.println("done");
    }

    /** Runs {@link #child} with {@code mode} and the arguments of {@code f}; returns what it reported. */
    private static String child(Fork f, String mode) throws Exception {
        ForkChannel ch = f.run(PlainJvmProgram::child).get(SECONDS, TimeUnit.SECONDS);
        try (ch) {
            String said = line(ch.inputStream());
            if (said == null || !said.startsWith("said ")) {
                throw new IllegalStateException(mode + ": the child said " + said + "; " + f.onExit().get(SECONDS, TimeUnit.SECONDS));
            }
            return said.substring("said ".length());
        }
    }

    private static void ok(String kind) {
        System.out.println("ok " + kind);
    }

    private static void expect(String kind, String expected, String got) {
        if (!expected.equals(got)) {
            throw new IllegalStateException(kind + ": expected \"" + expected + "\", got \"" + got + "\"");
        }
        ok(kind);
    }

    static void tcpListener() throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Fork f = Fork.create().sendArg("accept", "hello over tcp").sendFd(listener);
            var answer = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try (SocketChannel c = SocketChannel.open(listener.getLocalAddress())) {
                    return line(Channels.newInputStream(c));
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            child(f, "accept");
            expect("ServerSocketChannel", "hello over tcp", answer.get(SECONDS, TimeUnit.SECONDS));
        }
    }

    static void tcpConnection() throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel client = SocketChannel.open(listener.getLocalAddress());
             SocketChannel accepted = listener.accept()) {
            child(Fork.create().sendArg("write", "hello over a connection").sendFd(accepted), "write");
            expect("SocketChannel", "hello over a connection", line(Channels.newInputStream(client)));
        }
    }

    static void datagrams() throws Exception {
        try (DatagramChannel a = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DatagramChannel b = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            b.connect(a.getLocalAddress());
            // the child sends on b (connected) and receives it on a (bound only)
            expect("DatagramChannel", "a datagram", child(Fork.create().sendArg("udp", "a datagram").sendFd(a).sendFd(b), "udp"));
        }
    }

    static void unixListener(Path tmp) throws Exception {
        SocketAddress address = UnixDomainSocketAddress.of(tmp.resolve("listener.sock"));
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(address)) {
            Fork f = Fork.create().sendArg("accept", "hello over a unix socket").sendFd(listener);
            var answer = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try (SocketChannel c = SocketChannel.open(address)) {
                    return line(Channels.newInputStream(c));
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            child(f, "accept");
            expect("ServerSocketChannel(UNIX)", "hello over a unix socket", answer.get(SECONDS, TimeUnit.SECONDS));
        }
    }

    static void asynchronousListener() throws Exception {
        try (AsynchronousServerSocketChannel listener =
                     AsynchronousServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Fork f = Fork.create().sendArg("accept", "hello from an async listener").sendFd(listener);
            try (AsynchronousSocketChannel c = AsynchronousSocketChannel.open()) {
                c.connect(listener.getLocalAddress()).get(SECONDS, TimeUnit.SECONDS);
                child(f, "accept");
                ByteBuffer b = ByteBuffer.allocate(100);
                while (b.position() == 0 || b.get(b.position() - 1) != '\n') {
                    if (c.read(b).get(SECONDS, TimeUnit.SECONDS) < 0) {
                        break;
                    }
                }
                expect("AsynchronousServerSocketChannel", "hello from an async listener\n",
                        new String(b.array(), 0, b.position(), StandardCharsets.UTF_8));
            }
        }
    }

    /** The test checks that the child's lines reached this program's stdout and stderr, and that stdin lines reached it. */
    static void standardDescriptors() throws Exception {
        System.out.flush();
        child(Fork.create().sendArg("write", "child wrote to FileDescriptor.out").sendFd(FileDescriptor.out), "write");
        child(Fork.create().sendArg("write", "child wrote to System.out").sendFd(System.out), "write");
        child(Fork.create().sendArg("write", "child wrote to FileDescriptor.err").sendFd(FileDescriptor.err), "write");
        child(Fork.create().sendArg("write", "child wrote to System.err").sendFd(System.err), "write");
        ok("FileDescriptor.out, System.out, FileDescriptor.err, System.err");
        // the test feeds two lines on stdin; each child reads one, byte by byte (nothing read ahead)
        expect("FileDescriptor.in", "first stdin line", child(Fork.create().sendArg("readline").sendFd(FileDescriptor.in), "readline"));
        expect("System.in", "second stdin line", child(Fork.create().sendArg("readline").sendFd(System.in), "readline"));
    }

    static void fileByPath(Path tmp) throws Exception {
        Path file = tmp.resolve("by-path.txt");
        child(Fork.create().sendArg("write", "written through a path").sendFd(file, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE_NEW), "write");
        expect("sendFd(Path, WRITE, CREATE_NEW)", "written through a path\n", Files.readString(file));
        String read = child(Fork.create().sendArg("readline").sendFd(file), "readline");
        expect("sendFd(Path)", "written through a path", read);
    }

    static void fileChannelNeedsAFlag(Path tmp) throws Exception {
        Path file = tmp.resolve("channel.txt");
        Files.writeString(file, "x");
        try (FileChannel fc = FileChannel.open(file)) {
            Fork f = Fork.create();
            try {
                f.sendFd(fc);
                throw new IllegalStateException("a FileChannel was sent with no flag: this JDK reveals its descriptor now?");
            } catch (IllegalArgumentException expected) {
                if (!expected.getMessage().contains("sendFd(Path, OpenOption...)")) {
                    throw new IllegalStateException("the error does not offer sendFd(Path, ...): " + expected.getMessage());
                }
            } finally {
                f.close();
            }
            ok("FileChannel refused, with the flag-free alternative named");
        }
    }

    /**
     * The child: argument 0 says what to do with the descriptors after the strings; it reports on
     * the channel with one {@code said ...} line.
     */
    public static void child(ForkChannel parent, ForkArgs args) throws Exception {
        String said;
        switch (args.string(0)) {
            case "accept": {
                try (ForkChannel c = args.fd(2).accept()) {
                    c.outputStream().write((args.string(1) + "\n").getBytes(StandardCharsets.UTF_8));
                }
                said = "accepted";
                break;
            }
            case "write": {
                OutputStream out = args.fd(2).outputStream();
                out.write((args.string(1) + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                said = "wrote";
                break;
            }
            case "udp": {
                args.fd(3).outputStream().write(args.string(1).getBytes(StandardCharsets.UTF_8));
                byte[] b = new byte[100];
                int n = args.fd(2).inputStream().read(b);
                said = new String(b, 0, n, StandardCharsets.UTF_8);
                break;
            }
            case "readline":
                said = line(args.fd(1).inputStream());
                break;
            default:
                throw new IllegalArgumentException(args.string(0));
        }
        parent.outputStream().write(("said " + said + "\n").getBytes(StandardCharsets.UTF_8));
        parent.outputStream().flush();
    }

    /** One line, read a byte at a time so that nothing after it is consumed. */
    static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = in.read()) >= 0; ) {
            if (c == '\n') {
                return b.toString();
            }
            b.append((char) c);
        }
        return b.length() == 0 ? null : b.toString();
    }
}
