package dev.jfork.internal.child;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import dev.jfork.ForkChannel;
import dev.jfork.ForkFd;
import dev.jfork.internal.os.FileDescriptors;
import dev.jfork.internal.os.Native;


/** A received descriptor in a child (see {@link ForkFd}). */
final class ReceivedFd implements ForkFd {
    private final int fd;
    private java.io.FileDescriptor descriptor;
    private volatile boolean open = true;

    ReceivedFd(int fd) {
        this.fd = fd;
    }

    @Override
    public int intValue() {
        return fd;
    }

    private synchronized java.io.FileDescriptor descriptor() {
        if (descriptor == null) {
            descriptor = FileDescriptors.of(fd);
        }
        return descriptor;
    }

    @Override
    public InputStream inputStream() {
        return new FileInputStream(descriptor());
    }

    @Override
    public OutputStream outputStream() {
        return new FileOutputStream(descriptor());
    }

    @Override
    public ForkChannel accept() throws IOException {
        if (!open) {
            throw new java.nio.channels.ClosedChannelException();
        }
        return new StreamChannel(Native.accept(fd));
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() throws IOException {
        if (open) {
            open = false;
            // closing through a stream on the shared FileDescriptor closes every stream handed out
            new FileInputStream(descriptor()).close();
        }
    }

    @Override
    public String toString() {
        return "ForkFd[" + fd + "]";
    }
}
