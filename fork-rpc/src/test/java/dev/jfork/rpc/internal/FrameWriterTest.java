package dev.jfork.rpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.jfork.internal.wire.Frame;

/** The inline limit: {@code NOW} writes in the caller only while the unacknowledged charge stays within it. */
class FrameWriterTest {
    /** Records which thread wrote how many bytes; the first write can be made to wait. */
    private static final class Recorder extends OutputStream {
        final List<Thread> threads = new CopyOnWriteArrayList<>();
        final List<Integer> lengths = new CopyOnWriteArrayList<>();
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final CountDownLatch firstWriteStarted = new CountDownLatch(1);
        volatile CountDownLatch holdFirstWrite;

        @Override
        public void write(int b) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void write(byte[] b, int off, int len) {
            threads.add(Thread.currentThread());
            lengths.add(len);
            firstWriteStarted.countDown();
            CountDownLatch hold = holdFirstWrite;
            if (hold != null) {
                holdFirstWrite = null;
                await(hold);
            }
            synchronized (bytes) {
                bytes.write(b, off, len);
            }
        }

        int size() {
            synchronized (bytes) {
                return bytes.size();
            }
        }

        void awaitSize(int n) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (size() < n) {
                assertTrue(System.nanoTime() < deadline, "only " + size() + " of " + n + " bytes written");
                Thread.onSpinWait();
            }
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(20, TimeUnit.SECONDS), "timed out");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void nowWritesInTheCallerOnlyWithinTheLimit() {
        Recorder out = new Recorder();
        FrameWriter w = new FrameWriter(1 << 20, 2 * FrameWriter.charge(100));
        w.attach(out);
        Thread me = Thread.currentThread();

        w.send(Frames.CALL, 1, new byte[100], FrameWriter.Flush.NOW);
        assertEquals(Frame.HEADER + 100, out.size(), "written before send returned");
        long first = w.position();
        assertEquals(FrameWriter.charge(100), first);
        w.send(Frames.CALL, 2, new byte[100], FrameWriter.Flush.NOW);
        assertEquals(2 * (Frame.HEADER + 100), out.size(), "the second is still within the limit");
        assertSame(me, out.threads.get(1));

        w.send(Frames.CALL, 3, new byte[100], FrameWriter.Flush.NOW);
        out.awaitSize(3 * (Frame.HEADER + 100));
        assertNotSame(me, out.threads.get(2), "over the limit: written by a background writer");

        w.acknowledge(first); // the peer has read call 1
        w.acknowledge(first - 1); // an older position changes nothing
        waitUntilIdle(w);
        w.send(Frames.CALL, 4, new byte[10], FrameWriter.Flush.NOW); // still over the limit: calls 2 to 4 unacknowledged
        out.awaitSize(4 * Frame.HEADER + 310);
        assertNotSame(me, out.threads.get(3));

        w.acknowledge(w.position());
        waitUntilIdle(w);
        w.send(Frames.CALL, 5, new byte[100], FrameWriter.Flush.HOLD);
        w.kick(FrameWriter.Flush.NOW);
        assertEquals(5 * Frame.HEADER + 410, out.size(), "everything acknowledged: inline again");
        assertSame(me, out.threads.get(4));

        w.send(Frames.CALL, 6, new byte[(int) (3 * FrameWriter.charge(100))], FrameWriter.Flush.NOW);
        assertTrue(w.flush());
        assertNotSame(me, out.threads.get(out.threads.size() - 1), "a frame larger than the limit is never written inline");
    }

    /** A thread writing inline leaves frames appended meanwhile that exceed the limit to a background writer. */
    @Test
    void anInlineWriterHandsOverWhatOthersAppendedPastTheLimit() throws Exception {
        Recorder out = new Recorder();
        out.holdFirstWrite = new CountDownLatch(1);
        CountDownLatch release = out.holdFirstWrite;
        FrameWriter w = new FrameWriter(1 << 20, 64 * 1024);
        w.attach(out);
        Thread inline = new Thread(() -> w.send(Frames.CALL, 1, new byte[10], FrameWriter.Flush.NOW), "inline-writer");
        inline.start();
        await(out.firstWriteStarted); // the inline thread is in its write, holding the right to write
        w.send(Frames.CALL, 2, new byte[100 * 1024], FrameWriter.Flush.NOW); // left to the thread writing
        w.send(Frames.CALL, 3, new byte[10], FrameWriter.Flush.NOW);
        assertEquals(1, out.threads.size(), "nothing written while another thread holds the right to write");
        release.countDown();
        inline.join(20_000);
        assertTrue(!inline.isAlive(), "the inline writer returned");
        assertTrue(w.flush());
        assertEquals(3 * Frame.HEADER + 100 * 1024 + 20, out.size());
        for (int i = 1; i < out.threads.size(); i++) {
            assertNotSame(inline, out.threads.get(i), "write " + i + " (" + out.lengths.get(i) + " bytes) was the inline writer's");
        }
    }

    @Test
    void withoutALimitNowAlwaysWritesInTheCaller() {
        Recorder out = new Recorder();
        FrameWriter w = new FrameWriter(1 << 20);
        w.attach(out);
        for (int i = 1; i <= 10; i++) {
            w.send(Frames.RESULT, i, new byte[100 * 1024], FrameWriter.Flush.NOW);
            assertEquals(i * (Frame.HEADER + 100 * 1024), out.size());
        }
        for (Thread t : out.threads) {
            assertSame(Thread.currentThread(), t);
        }
    }

    /** The parent's limit comes from the default send buffer (212 992 bytes on common kernels): a quarter, at most 64 KiB. */
    @Test
    void theParentsLimitLetsTinyCallsBeWrittenInline() throws Exception {
        String text = new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/sys/net/core/wmem_default")));
        assertTrue(Connection.INLINE_LIMIT <= 64 * 1024, "limit " + Connection.INLINE_LIMIT);
        assertTrue(Connection.INLINE_LIMIT >= 16 * FrameWriter.charge(16), "limit " + Connection.INLINE_LIMIT
                + " (net.core.wmem_default as read here in pieces: '" + text.trim() + "')");
    }

    /** Waits until no thread holds the right to write (a background drain has finished). */
    private static void waitUntilIdle(FrameWriter w) {
        assertTrue(w.flush());
        // flush returns when the bytes are written; the writer clears "writing" just after
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (isWriting(w)) {
            assertTrue(System.nanoTime() < deadline, "the background writer did not finish");
            Thread.onSpinWait();
        }
    }

    private static boolean isWriting(FrameWriter w) {
        try {
            java.lang.reflect.Field f = FrameWriter.class.getDeclaredField("writing");
            f.setAccessible(true);
            java.lang.reflect.Field l = FrameWriter.class.getDeclaredField("lock");
            l.setAccessible(true);
            synchronized (l.get(w)) {
                return f.getBoolean(w);
            }
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
