package dev.jfork.remote.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The multiplexer over a real pair of OS pipes: streams, windows, ends. */
class MuxTest {
    private static final int WINDOW = 64 * 1024;
    private static final long DEADLINE_S = 60;

    private final BlockingQueue<byte[]> messagesAtB = new LinkedBlockingQueue<>();
    private final CompletableFuture<IOException> closedAtA = new CompletableFuture<>();
    private final CompletableFuture<IOException> closedAtB = new CompletableFuture<>();
    private Mux a;
    private Mux b;
    /** Blocking senders and readers each get a thread (the common pool may have one thread for all). */
    private static final java.util.concurrent.ExecutorService THREADS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "mux-test");
        t.setDaemon(true);
        return t;
    });

    private void connect() throws IOException {
        Pipe ab = Pipe.open();
        Pipe ba = Pipe.open();
        a = new Mux(Channels.newInputStream(ba.source()), Channels.newOutputStream(ab.sink()), true, WINDOW, listener(null, closedAtA));
        b = new Mux(Channels.newInputStream(ab.source()), Channels.newOutputStream(ba.sink()), false, WINDOW,
                listener(messagesAtB, closedAtB));
        a.start("mux-a");
        b.start("mux-b");
    }

    private static Mux.Listener listener(BlockingQueue<byte[]> messages, CompletableFuture<IOException> closed) {
        return new Mux.Listener() {
            @Override
            public void message(byte[] payload) {
                if (messages != null) {
                    messages.add(payload);
                }
            }

            @Override
            public void closed(IOException cause) {
                closed.complete(cause);
            }
        };
    }

    @AfterEach
    void close() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    private static byte[] random(int n, long seed) {
        byte[] data = new byte[n];
        new Random(seed).nextBytes(data);
        return data;
    }

    private static byte[] readAll(MuxChannel ch) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[7000];
        int n;
        while ((n = ch.read(buf, 0, buf.length)) >= 0) {
            got.write(buf, 0, n);
        }
        return got.toByteArray();
    }

    private static CompletableFuture<Void> sendAsync(MuxChannel ch, byte[] data) {
        return CompletableFuture.runAsync(() -> {
            try {
                ch.send(data, 0, data.length);
                ch.sendEof();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, THREADS);
    }

    @Test
    void manyStreamsBothWaysArriveWholeAndInOrder() throws Exception {
        connect();
        List<CompletableFuture<?>> work = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            byte[] out = random(1_000_000 + i, i);
            byte[] back = random(300_000 + i, 100 + i);
            MuxChannel fromA = a.open();
            MuxChannel atB = b.channel(fromA.id());
            work.add(sendAsync(fromA, out));
            work.add(sendAsync(atB, back));
            work.add(CompletableFuture.runAsync(() -> {
                try {
                    assertArrayEquals(out, readAll(atB));
                    assertArrayEquals(back, readAll(fromA));
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, THREADS));
        }
        CompletableFuture.allOf(work.toArray(new CompletableFuture<?>[0])).get(DEADLINE_S, TimeUnit.SECONDS);
    }

    @Test
    void aStreamNobodyReadsDoesNotHoldUpTheOthers() throws Exception {
        connect();
        MuxChannel stuck = a.open();
        CompletableFuture<Void> stuckSender = sendAsync(stuck, random(10 * WINDOW, 1)); // blocks after one window
        MuxChannel busy = a.open();
        byte[] data = random(4_000_000, 2);
        CompletableFuture<Void> sent = sendAsync(busy, data);
        assertArrayEquals(data, readAll(b.channel(busy.id())));
        sent.get(DEADLINE_S, TimeUnit.SECONDS);
        assertTrue(!stuckSender.isDone(), "the unread stream was sent more than its window");
        // once read, the stuck one completes too
        assertEquals(10 * WINDOW, readAll(b.channel(stuck.id())).length);
        stuckSender.get(DEADLINE_S, TimeUnit.SECONDS);
    }

    @Test
    void messagesArriveInOrder() throws Exception {
        connect();
        for (int i = 0; i < 100; i++) {
            a.message(new byte[] {(byte) i});
        }
        for (int i = 0; i < 100; i++) {
            byte[] m = messagesAtB.poll(DEADLINE_S, TimeUnit.SECONDS);
            assertEquals(i, m[0]);
        }
    }

    @Test
    void closeEndsBothWaysAndTheConnectionEndEndsEveryChannel() throws Exception {
        connect();
        MuxChannel ch = a.open();
        ch.send(new byte[] {1, 2, 3}, 0, 3);
        MuxChannel far = b.channel(ch.id());
        byte[] three = new byte[3];
        assertEquals(3, far.read(three, 0, 3));
        far.close();
        assertEquals(-1, ch.read(new byte[1], 0, 1), "a closed channel reads end of stream");

        MuxChannel open = a.open();
        open.send(new byte[] {9}, 0, 1);
        MuxChannel farOpen = b.channel(open.id());
        assertEquals(1, farOpen.read(new byte[1], 0, 1));
        a.close(); // the connection ends from A's side
        assertNull(closedAtB.get(DEADLINE_S, TimeUnit.SECONDS), "an orderly end has no cause");
        assertEquals(-1, farOpen.read(new byte[1], 0, 1));
        assertThrows(IOException.class, () -> farOpen.send(new byte[1], 0, 1));
        assertThrows(IOException.class, () -> b.message(new byte[1]));
    }
}
