package dev.jfork.remote.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import dev.jfork.internal.concurrent.JforkThreads;

/**
 * Reads a process's stderr until it ends, keeping its last lines. The pipe must be drained for as
 * long as the process lives (a full pipe would block the remote side's writes, and over ssh every
 * channel of the connection with it), and its last lines are what explains a failure.
 */
public final class StderrPump implements Runnable {
    /** Longer lines are cut: the tail must stay small whatever the remote side prints. */
    private static final int MAX_LINE = 2000;

    private final InputStream in;
    private final int maxLines;
    private final ArrayDeque<String> lines = new ArrayDeque<>(); // guarded by this
    private boolean ended; // guarded by this

    private StderrPump(InputStream in, int maxLines) {
        this.in = in;
        this.maxLines = maxLines;
    }

    /**
     * Starts a daemon thread that pumps {@code in} until its end, then closes it.
     *
     * @param in the stream, usually {@link Process#getErrorStream()}
     * @param threadName the pump thread's name
     * @param maxLines how many of the last lines to keep
     * @return the running pump
     */
    public static StderrPump start(InputStream in, String threadName, int maxLines) {
        StderrPump pump = new StderrPump(in, maxLines);
        JforkThreads.io(threadName, pump); // jfork's threads: daemons, ended when idle
        return pump;
    }

    @Override
    public void run() {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        add(line);
                    } else if (line.size() < MAX_LINE) {
                        line.write(buf[i]);
                    }
                }
            }
        } catch (IOException e) {
            // the stream was closed by close(): the end, as far as we are concerned
        } finally {
            if (line.size() > 0) {
                add(line);
            }
            try {
                in.close();
            } catch (IOException e) {
                // nothing left to release
            }
            synchronized (this) {
                ended = true;
                notifyAll();
            }
        }
    }

    private void add(ByteArrayOutputStream line) {
        String s = new String(line.toByteArray(), StandardCharsets.UTF_8);
        line.reset();
        if (s.endsWith("\r")) {
            s = s.substring(0, s.length() - 1);
        }
        synchronized (this) {
            if (lines.size() == maxLines) {
                lines.removeFirst();
            }
            lines.addLast(s);
            notifyAll();
        }
    }

    /** @return the last lines so far, oldest first */
    public synchronized List<String> lines() {
        return new ArrayList<>(lines);
    }

    /** @return whether the stream has ended */
    public synchronized boolean ended() {
        return ended;
    }

    /**
     * Waits until the stream ends.
     *
     * @param millis the longest wait
     * @return whether it ended
     * @throws InterruptedException if interrupted
     */
    public synchronized boolean awaitEnd(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!ended) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    /**
     * Waits until one of the kept lines matches, or the stream ends.
     *
     * @param match the line wanted
     * @param millis the longest wait
     * @return whether a kept line matches
     * @throws InterruptedException if interrupted
     */
    public synchronized boolean awaitLine(Predicate<String> match, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (true) {
            if (lines.stream().anyMatch(match)) {
                return true;
            }
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (ended || left <= 0) {
                return false;
            }
            wait(left);
        }
    }
}
