package dev.jfork.internal.wire;

import java.io.IOException;

/**
 * A frame broke the protocol (bad type, length, payload or descriptor message): the stream cannot
 * be trusted after it, so whoever reads it ends the connection.
 */
public final class MalformedFrameException extends IOException {
    private static final long serialVersionUID = 1L;

    public MalformedFrameException(String message) {
        super(message);
    }
}
