package dev.jfork.internal.os;

import java.io.EOFException;
import java.io.IOException;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

import dev.jfork.internal.wire.MalformedFrameException;

/**
 * Descriptor passing over an AF_UNIX stream socket with {@code SCM_RIGHTS}: one data byte
 * {@code 0x00} carries all descriptors of one frame. The struct layouts are those of 64-bit Linux
 * ({@code msghdr} 56 bytes, {@code iovec} 16, {@code cmsghdr} header 16).
 */
public final class FdPassing {
    private FdPassing() {}

    private static final int MSGHDR_SIZE = 56;
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
        jnr.ffi.Runtime rt = Native.runtime();
        Pointer data = Memory.allocateDirect(rt, 1, true);
        Pointer iov = Memory.allocateDirect(rt, 16, true);
        iov.putAddress(0, data.address());
        iov.putLong(8, 1);
        int space = cmsgSpace(4 * fds.length);
        Pointer control = Memory.allocateDirect(rt, space, true);
        control.putLong(0, CMSG_HEADER + 4L * fds.length);
        control.putInt(8, Native.SOL_SOCKET);
        control.putInt(12, Native.SCM_RIGHTS);
        for (int i = 0; i < fds.length; i++) {
            control.putInt(CMSG_HEADER + 4L * i, fds[i]);
        }
        Pointer msg = Memory.allocateDirect(rt, MSGHDR_SIZE, true);
        msg.putAddress(16, iov.address());
        msg.putLong(24, 1);
        msg.putAddress(32, control.address());
        msg.putLong(40, space);
        while (true) {
            long n = Native.libc().sendmsg(socket, msg, Native.MSG_NOSIGNAL | (nonBlocking ? Native.MSG_DONTWAIT : 0));
            if (n == 1) {
                return true;
            }
            if (n < 0 && Native.errno() == Native.EINTR) {
                continue;
            }
            if (n < 0 && nonBlocking && Native.errno() == Native.EAGAIN) {
                return false;
            }
            throw Native.error("sendmsg(SCM_RIGHTS) of " + fds.length + " descriptor(s)");
        }
    }

    /**
     * Receives the descriptor byte and exactly {@code expected} descriptors (close-on-exec). Anything
     * else is a protocol error; descriptors that did arrive are closed in that case.
     */
    public static int[] receive(int socket, int expected) throws IOException {
        jnr.ffi.Runtime rt = Native.runtime();
        Pointer data = Memory.allocateDirect(rt, 1, true);
        Pointer iov = Memory.allocateDirect(rt, 16, true);
        iov.putAddress(0, data.address());
        iov.putLong(8, 1);
        // room for more than expected, so that a sender that passes too many is detected, not truncated
        int space = cmsgSpace(4 * (expected + 8));
        Pointer control = Memory.allocateDirect(rt, space, true);
        Pointer msg = Memory.allocateDirect(rt, MSGHDR_SIZE, true);
        msg.putAddress(16, iov.address());
        msg.putLong(24, 1);
        msg.putAddress(32, control.address());
        msg.putLong(40, space);
        long n;
        while (true) {
            n = Native.libc().recvmsg(socket, msg, Native.MSG_CMSG_CLOEXEC);
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
        int[] fds = collect(control, msg.getLong(40));
        String problem = null;
        if ((msg.getInt(48) & Native.MSG_CTRUNC) != 0) {
            // the kernel could not install them: this process has no free descriptor (our buffer has room for more)
            for (int fd : fds) {
                Native.closeQuietly(fd);
            }
            throw new DescriptorsDroppedException(expected, fds.length);
        } else if (data.getByte(0) != 0) {
            problem = "descriptor byte is 0x" + Integer.toHexString(data.getByte(0) & 0xff) + ", expected 0x00";
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

    private static int[] collect(Pointer control, long controlLength) {
        int[] found = new int[0];
        long offset = 0;
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
                    more[found.length + i] = control.getInt(offset + CMSG_HEADER + 4L * i);
                }
                found = more;
            }
            offset += (len + 7) & ~7L;
        }
        return found;
    }
}
