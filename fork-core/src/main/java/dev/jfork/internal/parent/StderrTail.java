package dev.jfork.internal.parent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import dev.jfork.internal.concurrent.JforkThreads;
import dev.jfork.internal.os.Native;

/**
 * Pumps a child's standard error from a pipe (its descriptor, or a {@code Process}'s stream): every byte is copied to a sink (by default the
 * parent's {@code System.err}, as a child of AnyEvent::Fork inherits stderr), and the last lines
 * are kept so that a failure report can quote them.
 */
public final class StderrTail {
    /** Longer lines are cut here in the kept tail (the sink still gets every byte). */
    public static final int MAX_LINE_CHARS = 2000;
    /** The most bytes one read takes. */
    private static final int CHUNK = 8192;

    private static final Object PUMPS = new Object();
    private static int activePumps;

    private final int keepLines;
    private final ArrayDeque<String> lines = new ArrayDeque<>();
    private final ByteArrayOutputStream current = new ByteArrayOutputStream();
    private final CompletableFuture<List<String>> finished = new CompletableFuture<>();

    private StderrTail(int keepLines) {
        this.keepLines = keepLines;
    }

    /**
     * Starts pumping {@code readFd} (which this object then owns and closes at end of stream).
     *
     * @param sink where to copy the bytes; null discards them. Looked up per chunk, so a later
     *             {@code System.setErr} is honoured.
     */
    public static StderrTail start(int readFd, int keepLines, Supplier<OutputStream> sink) {
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
        return start(new Source() {
            @Override
            public int read(byte[] into) throws IOException {
                buf.clear();
                int n = Native.read(readFd, buf);
                if (n > 0) {
                    buf.flip();
                    buf.get(into, 0, n);
                }
                return n;
            }

            @Override
            public void close() {
                Native.closeQuietly(readFd);
            }
        }, keepLines, sink);
    }

    /**
     * Starts pumping a JDK stream (a {@code Process}'s error stream), which this object then owns
     * and closes at end of stream.
     */
    public static StderrTail start(InputStream in, int keepLines, Supplier<OutputStream> sink) {
        return start(new Source() {
            @Override
            public int read(byte[] into) throws IOException {
                return in.read(into);
            }

            @Override
            public void close() {
                try {
                    in.close();
                } catch (IOException e) {
                    // closed all the same
                }
            }
        }, keepLines, sink);
    }

    /** Where the bytes come from: a pipe's descriptor or a JDK stream. */
    private interface Source {
        /** Reads up to a chunk: the count, or -1 at end of stream. */
        int read(byte[] into) throws IOException;

        void close();
    }

    private static StderrTail start(Source source, int keepLines, Supplier<OutputStream> sink) {
        StderrTail tail = new StderrTail(keepLines);
        synchronized (PUMPS) {
            activePumps++;
        }
        JforkThreads.io(() -> tail.pump(source, sink));
        return tail;
    }

    /** A tail with nothing to pump (a process whose stderr this program does not see). */
    public static StderrTail none() {
        StderrTail tail = new StderrTail(0);
        tail.finished.complete(List.of());
        return tail;
    }

    /** Completes with the last lines once the pipe reached end of stream (every writer closed it). */
    public CompletableFuture<List<String>> finished() {
        return finished;
    }

    /** The lines kept so far. */
    public synchronized List<String> lines() {
        return new ArrayList<>(lines);
    }

    private void pump(Source source, Supplier<OutputStream> sink) {
        byte[] chunk = new byte[CHUNK];
        try {
            while (true) {
                int n = source.read(chunk);
                if (n < 0) {
                    break;
                }
                OutputStream out = sink == null ? null : sink.get();
                if (out != null) {
                    try {
                        out.write(chunk, 0, n);
                        out.flush();
                    } catch (IOException ignored) {
                        // the sink's problem must not stop the tail
                    }
                }
                remember(chunk, n);
            }
        } catch (IOException | RuntimeException e) {
            remember(("[jfork: reading stderr failed: " + e + "]\n").getBytes(StandardCharsets.UTF_8), -1);
        } finally {
            source.close();
            synchronized (this) {
                endLine();
            }
            finished.complete(lines());
            synchronized (PUMPS) {
                activePumps--;
                PUMPS.notifyAll();
            }
        }
    }

    /**
     * Waits until no stderr pipe is open any more (every child that could write one has ended), for
     * at most {@code millis}; returns whether that happened. Used by leak checks.
     */
    public static boolean awaitAllFinished(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        synchronized (PUMPS) {
            while (activePumps > 0) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return false;
                }
                PUMPS.wait(left);
            }
            return true;
        }
    }

    private synchronized void remember(byte[] chunk, int n) {
        int length = n < 0 ? chunk.length : n;
        for (int i = 0; i < length; i++) {
            byte b = chunk[i];
            if (b == '\n') {
                endLine();
            } else if (current.size() < MAX_LINE_CHARS * 4) {
                current.write(b);
            }
        }
    }

    private void endLine() {
        if (current.size() == 0) {
            return;
        }
        String line = current.toString(StandardCharsets.UTF_8);
        current.reset();
        if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
        }
        if (line.length() > MAX_LINE_CHARS) {
            line = line.substring(0, MAX_LINE_CHARS) + "...";
        }
        if (keepLines <= 0) {
            return;
        }
        lines.addLast(line);
        while (lines.size() > keepLines) {
            lines.removeFirst();
        }
    }
}
