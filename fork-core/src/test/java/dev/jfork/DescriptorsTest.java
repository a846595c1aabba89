package dev.jfork;

import static dev.jfork.TestSupport.await;
import static dev.jfork.TestSupport.exitOf;
import static dev.jfork.TestSupport.readLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Passing descriptors, and making sure nothing else leaks into children. */
class DescriptorsTest {
    @TempDir
    Path tmp;

    /** t/03_new.t: a passed pipe is reachable from eval code; dropping the process ends it. */
    @Test
    void evalWritesIntoAPassedPipe() throws IOException {
        Pipe pipe = Pipe.open();
        Fork proc = Fork.create().sendFd(pipe.sink()).eval("dev.jfork.ChildFunctions.write173");
        pipe.sink().close(); // our copy; the child has its own
        InputStream in = Channels.newInputStream(pipe.source());
        assertEquals("173", TestSupport.readAll(in));
        proc.close();
        assertEquals(OptionalInt.of(0), exitOf(proc).exitCode());
        pipe.source().close();
    }

    /** The seeds' argument order example: str1, str2, fh1, fh2 on the template, str3 on the fork. */
    @Test
    void argumentOrderAcrossAFork() throws IOException {
        Pipe p1 = Pipe.open();
        Pipe p2 = Pipe.open();
        Fork template = Fork.create().sendArg("str1", "str2").sendFd(p1.sink()).sendFd(p2.sink());
        p1.sink().close();
        p2.sink().close();
        try {
            List<ForkChannel> channels = new ArrayList<>();
            for (int n = 1; n <= 2; n++) {
                Fork child = template.fork().sendArg(String.valueOf(n));
                ForkChannel ch = await(child.run("dev.jfork.ChildFunctions.greetFds"));
                assertTrue(readLine(ch).endsWith("args=s:str1,s:str2,fd,fd,s:" + n));
                channels.add(ch);
            }
            Set<String> got1 = new HashSet<>();
            Set<String> got2 = new HashSet<>();
            InputStream in1 = Channels.newInputStream(p1.source());
            InputStream in2 = Channels.newInputStream(p2.source());
            for (int i = 0; i < 2; i++) {
                got1.add(readLine(in1));
                got2.add(readLine(in2));
            }
            assertEquals(Set.of("hi #1", "hi #2"), got1);
            assertEquals(Set.of("hi #1", "hi #2"), got2);
            for (ForkChannel ch : channels) {
                ch.close();
            }
        } finally {
            template.close();
            p1.source().close();
            p2.source().close();
        }
    }

    @Test
    void everyKindOfDescriptorArrives() throws IOException {
        Path file = tmp.resolve("data");
        Files.writeString(file, "0123456789");
        Pipe pipe = Pipe.open();
        try (FileInputStream fis = new FileInputStream(file.toFile());
             FileChannel fc = FileChannel.open(file, StandardOpenOption.READ);
             RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r");
             ServerSocketChannel ssc = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            int[] raw = dev.jfork.internal.os.Native.pipe();
            Fork f = Fork.create()
                    .sendFd(fis).sendFd(fis.getFD()).sendFd(fc).sendFd(raf).sendFd(ssc).sendFd(pipe.sink()).sendFd(raw[1]);
            dev.jfork.internal.os.Native.closeQuietly(raw[1]); // duplicated at call time: closing ours is fine
            ForkChannel ch = await(f.run("dev.jfork.ChildFunctions.describe"));
            assertTrue(readLine(ch).endsWith("args=fd,fd,fd,fd,fd,fd,fd"));
            ch.close();
            dev.jfork.internal.os.Native.closeQuietly(raw[0]);
        } finally {
            pipe.sink().close();
            pipe.source().close();
        }
    }

    @Test
    void aPassedFileSharesItsOffset() throws IOException {
        Path file = tmp.resolve("offset");
        Files.writeString(file, "abcdef");
        try (FileOutputStream out = new FileOutputStream(file.toFile(), true)) {
            Fork f = Fork.create().sendFd(out).eval("dev.jfork.ChildFunctions.writeToLastFd", "XYZ");
            f.close();
            exitOf(f);
        }
        assertEquals("abcdefXYZ", Files.readString(file), "O_APPEND and the offset are shared with the child");
    }

    /** A pre-forked server: the listener is sent to a template, ten workers accept on it. */
    @Test
    void preforkedTcpEchoServer() throws Exception {
        ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), 128);
        int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
        Fork template = Fork.exec().require("dev.jfork.ChildFunctions").sendFd(listener);
        listener.close(); // the template and the workers hold it now
        List<Fork> workers = new ArrayList<>();
        List<ForkChannel> channels = new ArrayList<>();
        for (int id = 1; id <= 10; id++) {
            Fork w = template.fork().sendArg(String.valueOf(id));
            workers.add(w);
            channels.add(await(w.run("dev.jfork.ChildFunctions.echoServer")));
        }
        for (ForkChannel ch : channels) {
            assertTrue(readLine(ch).startsWith("ready "));
        }
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<String>> answers = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                String msg = "hello " + i;
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try (SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
                        c.write(ByteBuffer.wrap((msg + "\n").getBytes(StandardCharsets.UTF_8)));
                        return readLine(Channels.newInputStream(c));
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                }, clients));
            }
            Set<String> workerIds = new HashSet<>();
            for (int i = 0; i < 100; i++) {
                String a = await(answers.get(i));
                assertTrue(a.matches("worker (10|[1-9]): hello " + i), a);
                workerIds.add(a.substring(0, a.indexOf(':')));
            }
            assertFalse(workerIds.isEmpty());
        } finally {
            clients.shutdownNow();
        }
        for (ForkChannel ch : channels) {
            ch.close(); // workers exit on end of stream
        }
        for (Fork w : workers) {
            assertEquals(OptionalInt.of(0), exitOf(w).exitCode());
        }
        template.close();
        assertEquals(OptionalInt.of(0), exitOf(template).exitCode());
    }

    /** Children get exactly their descriptors: none of the parent's files or sockets leak in. */
    @Test
    void nothingButTheSentDescriptorsLeaksIntoAChild() throws IOException {
        Path marker = tmp.resolve("marker-not-for-children");
        Files.writeString(marker, "secret");
        try (FileInputStream leakCandidate = new FileInputStream(marker.toFile());
             ServerSocket server = new ServerSocket(0)) {
            for (Fork f : new Fork[] {Fork.exec(), Fork.create()}) {
                ForkChannel ch = await(f.run("dev.jfork.ChildFunctions.listFds"));
                List<String> lines = new ArrayList<>();
                String line;
                while (!"end".equals(line = readLine(ch))) {
                    lines.add(line);
                }
                ch.close();
                String all = String.join("\n", lines);
                assertFalse(all.contains(marker.toString()), "the parent's open file leaked:\n" + all);
                assertTrue(lines.stream().anyMatch(l -> l.startsWith("0 -> socket:")), all);
                assertTrue(lines.stream().anyMatch(l -> l.startsWith("2 -> pipe:")), all);
                long sockets = lines.stream().filter(l -> l.contains("socket:")).count();
                // the control socket on 0, and the JDK's NIO "pre-close" socket (one end of a pair
                // it makes at start-up to close descriptors safely); the child makes none here
                assertTrue(sockets <= 2, "unexpected sockets in the child:\n" + all);
                exitOf(f);
            }
        }
    }
}
