package dev.jfork.internal.os;

import java.io.InputStream;
import java.io.OutputStream;

import dev.jfork.ForkChannel;

/**
 * What the two {@link ForkChannel}s (the parent's {@link FdChannel}, the child's stream channel)
 * share: unbuffered streams that take no lock of their own ({@link ChannelStreams}), and how they
 * print. Pure JDK: on the child's boot path.
 */
public abstract class ChannelBase implements ForkChannel {
    @Override
    public InputStream inputStream() {
        return ChannelStreams.in(this);
    }

    @Override
    public OutputStream outputStream() {
        return ChannelStreams.out(this);
    }

    @Override
    public String toString() {
        return "ForkChannel[fd " + fd() + (isOpen() ? "" : ", closed") + "]";
    }
}
