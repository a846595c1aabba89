package dev.jfork.examples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The little plumbing the examples share: waiting for a future with a deadline (an example never
 * hangs: a worker that does not start, answer or exit in time is an error), and reading and
 * writing lines on a socket without buffering past the newline.
 */
final class Await {
    private Await() {}

    /** How long any single step of an example may take. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    /**
     * The value of {@code future}, waiting at most {@link #TIMEOUT}. A {@code ForkException} (or any
     * other unchecked failure) is rethrown as it is, so its message (what the child reported, how it
     * ended, its last stderr lines) reaches the reader unchanged.
     */
    static <T> T get(CompletableFuture<T> future, String what) {
        try {
            return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new IllegalStateException(what + " failed: " + cause, cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + ": nothing within " + TIMEOUT.toSeconds() + " s");
        }
    }

    /** Reads one line, byte by byte (so nothing after the newline is consumed); null at end of stream. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            line.write(c);
        }
        return c < 0 && line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
    }

    /** Writes {@code line} and a newline, and flushes. */
    static void writeLine(OutputStream out, String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
