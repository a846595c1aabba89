package dev.jfork.internal.os;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;


import dev.jfork.internal.wire.MalformedFrameException;

/**
 * Descriptor passing over an AF_UNIX stream socket with {@code SCM_RIGHTS}: one data byte
 * {@code 0x00} carries all descriptors of one frame. The struct layouts are those of 64-bit Linux
 * ({@code msghdr} 56 bytes, {@code iovec} 16, {@code cmsghdr} header 16).
 */
public final class FdPassing {
    private FdPassing() {}

    private static final int CMSG_HEADER = 16;

    private static int cmsgSpace(int dataBytes) {
        return CMSG_HEADER + ((dataBytes + 7) & ~7);
    }

    /** Sends one byte carrying {@code fds}. The caller still owns (and must close) its descriptors. */
    public static void send(int socket, int[] fds) throws IOException {
        send(socket, fds, false);
    }

    /**
     * Sends one byte carrying {@code fds}, or with {@code nonBlocking} returns false (nothing sent)
     * if the socket buffer is full.
     */
    public static boolean send(int socket, int[] fds, boolean nonBlocking) throws IOException {
        while (true) {
            long n = Native.libc().sendFds(socket, fds, Native.MSG_NOSIGNAL | (nonBlocking ? Native.MSG_DONTWAIT : 0));
            if (n == 1) {
                return true;
            }
            int errno = Native.errno();
            if (n < 0 && errno == Native.EINTR) {
                continue;
            }
            if (n < 0 && nonBlocking && errno == Native.EAGAIN) {
                return false;
            }
            throw new Native.ErrnoException("sendmsg(SCM_RIGHTS) of " + fds.length + " descriptor(s)", errno, Native.describeErrno(errno));
        }
    }

    /**
     * Receives the descriptor byte and exactly {@code expected} descriptors (close-on-exec). Anything
     * else is a protocol error; descriptors that did arrive are closed in that case.
     */
    public static int[] receive(int socket, int expected) throws IOException {
        // room for more than expected, so that a sender that passes too many is detected, not truncated
        int space = cmsgSpace(4 * (expected + 8));
        int[] out = new int[3];
        byte[] control = new byte[space];
        long n;
        while (true) {
            n = Native.libc().recvFds(socket, space, Native.MSG_CMSG_CLOEXEC, out, control);
            if (n >= 0 || Native.errno() != Native.EINTR) {
                break;
            }
        }
        if (n < 0) {
            throw Native.error("recvmsg(SCM_RIGHTS)");
        }
        if (n == 0) {
            throw new EOFException("connection closed where " + expected + " descriptor(s) were expected");
        }
        int[] fds = collect(ByteBuffer.wrap(control, 0, out[2]).order(ByteOrder.nativeOrder()), out[2]);
        String problem = null;
        if ((out[1] & Native.MSG_CTRUNC) != 0) {
            // the kernel could not install them: this process has no free descriptor (our buffer has room for more)
            for (int fd : fds) {
                Native.closeQuietly(fd);
            }
            throw new DescriptorsDroppedException(expected, fds.length);
        } else if (out[0] != 0) {
            problem = "descriptor byte is 0x" + Integer.toHexString(out[0] & 0xff) + ", expected 0x00";
        } else if (fds.length != expected) {
            problem = "received " + fds.length + " descriptor(s), expected " + expected;
        }
        if (problem != null) {
            for (int fd : fds) {
                Native.closeQuietly(fd);
            }
            throw new MalformedFrameException(problem);
        }
        return fds;
    }

    /**
     * The descriptors of a message were dropped by the kernel (the message arrived with
     * {@code MSG_CTRUNC}) because this process had no free descriptor number: not a protocol error,
     * the stream stays in step. Those that did arrive have been closed.
     */
    public static final class DescriptorsDroppedException extends IOException {
        private static final long serialVersionUID = 1L;

        DescriptorsDroppedException(int expected, int arrived) {
            super("the " + expected + " descriptor(s) it was sent with were dropped (" + arrived + " arrived and were closed): "
                    + Native.describeErrno(Native.EMFILE));
        }
    }

    /** The descriptors of the SCM_RIGHTS messages in a control buffer (64-bit Linux cmsghdr layout). */
    private static int[] collect(ByteBuffer control, long controlLength) {
        int[] found = new int[0];
        int offset = 0;
        while (offset + CMSG_HEADER <= controlLength) {
            long len = control.getLong(offset);
            if (len < CMSG_HEADER || offset + len > controlLength) {
                break;
            }
            if (control.getInt(offset + 8) == Native.SOL_SOCKET && control.getInt(offset + 12) == Native.SCM_RIGHTS) {
                int count = (int) ((len - CMSG_HEADER) / 4);
                int[] more = new int[found.length + count];
                System.arraycopy(found, 0, more, 0, found.length);
                for (int i = 0; i < count; i++) {
                    more[found.length + i] = control.getInt(offset + CMSG_HEADER + 4 * i);
                }
                found = more;
            }
            offset += (int) ((len + 7) & ~7L);
        }
        return found;
    }
}
