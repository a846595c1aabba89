package dev.jfork.rpc.internal;

import dev.jfork.internal.wire.Frame;
import dev.jfork.rpc.RpcSerializer;

/**
 * Raw byte arrays: {@code count:u32}, then per value {@code length:i32} (-1 for null) and the bytes.
 * Every value must be a {@code byte[]} or null.
 */
public final class BytesSerializer implements RpcSerializer {
    public BytesSerializer() {}

    @Override
    public byte[] encode(Object[] values) {
        long size = 4;
        for (int i = 0; i < values.length; i++) {
            Object v = values[i];
            if (v != null && !(v instanceof byte[])) {
                throw new IllegalArgumentException("the bytes serializer carries only byte[] values; value " + i + " is a "
                        + v.getClass().getName());
            }
            size += 4 + (v == null ? 0 : ((byte[]) v).length);
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("values of " + size + " bytes are too large");
        }
        byte[] out = new byte[(int) size];
        putInt(out, 0, values.length);
        int pos = 4;
        for (Object v : values) {
            if (v == null) {
                putInt(out, pos, -1);
                pos += 4;
            } else {
                byte[] b = (byte[]) v;
                putInt(out, pos, b.length);
                System.arraycopy(b, 0, out, pos + 4, b.length);
                pos += 4 + b.length;
            }
        }
        return out;
    }

    @Override
    public Object[] decode(byte[] data, int offset, int length) {
        int end = offset + length;
        int pos = offset;
        int n = getInt(data, pos, end);
        pos += 4;
        if (n < 0 || n > length / 4) {
            throw new IllegalArgumentException("bad value count " + n);
        }
        Object[] values = new Object[n];
        for (int i = 0; i < n; i++) {
            int len = getInt(data, pos, end);
            pos += 4;
            if (len == -1) {
                continue;
            }
            if (len < 0 || len > end - pos) {
                throw new IllegalArgumentException("bad value length " + len);
            }
            byte[] b = new byte[len];
            System.arraycopy(data, pos, b, 0, len);
            values[i] = b;
            pos += len;
        }
        if (pos != end) {
            throw new IllegalArgumentException((end - pos) + " trailing bytes");
        }
        return values;
    }

    private static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    private static int getInt(byte[] b, int off, int end) {
        if (end - off < 4) {
            throw new IllegalArgumentException("truncated value list");
        }
        return Frame.getInt(b, off);
    }
}
