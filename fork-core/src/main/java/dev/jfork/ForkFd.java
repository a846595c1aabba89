package dev.jfork;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channel;

/**
 * A descriptor received from the parent (child side). It refers to the same open file description
 * as the one the parent sent: file offset and flags are shared, a listening socket accepts
 * connections from the same queue.
 */
public interface ForkFd extends Channel {
    /**
     * The descriptor number in this process.
     *
     * @return the descriptor number
     */
    int intValue();

    /**
     * A stream reading the descriptor. Closing it closes the descriptor.
     *
     * @return a new unbuffered input stream on the descriptor
     */
    InputStream inputStream();

    /**
     * A stream writing the descriptor. Closing it closes the descriptor.
     *
     * @return a new unbuffered output stream on the descriptor
     */
    OutputStream outputStream();

    /**
     * Accepts one connection on a listening socket (blocking; several processes may accept on the
     * same listener).
     *
     * @return the connected socket
     * @throws IOException if the descriptor is not a listening socket or accept fails
     */
    ForkChannel accept() throws IOException;

    /** Closes the descriptor in this process. */
    @Override
    void close() throws IOException;
}
