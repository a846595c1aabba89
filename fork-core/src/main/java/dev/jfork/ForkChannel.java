package dev.jfork;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.ByteChannel;

/**
 * The communication socket between a parent and a process after {@link Fork#run(String)}: the
 * parent gets one end from the future returned by {@code run}, the child's function gets the other
 * as its first argument. From then on the socket belongs to the two of them alone; jfork writes
 * nothing more on it.
 *
 * <p>Reads and writes are blocking. End of stream means the other side closed its end, which for
 * the parent normally means the child has exited.
 *
 * <p>{@link #inputStream()} and {@link #outputStream()} may be used from two threads at once (one
 * reading, one writing) without blocking each other. Closing either stream, or the channel, closes
 * the socket; closing it while another thread is blocked reading wakes that thread with end of
 * stream.
 */
public interface ForkChannel extends ByteChannel {
    /**
     * A stream reading this channel (not buffered; wrap it for small reads).
     *
     * @return an input stream on this channel; closing it closes the channel
     */
    InputStream inputStream();

    /**
     * A stream writing this channel (not buffered; wrap it for small writes).
     *
     * @return an output stream on this channel; closing it closes the channel
     */
    OutputStream outputStream();

    /**
     * The descriptor number of this end in the current process (for passing it on with
     * {@link Fork#sendFd(java.nio.channels.Channel)} or to native code).
     *
     * @return the descriptor number
     */
    int fd();
}
