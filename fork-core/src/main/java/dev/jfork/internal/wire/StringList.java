package dev.jfork.internal.wire;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The string-list payload: {@code count:u32}, then per string {@code length:u32} and UTF-8 bytes, consumed exactly. */
public final class StringList {
    private StringList() {}

    public static byte[] encode(List<String> values) {
        byte[][] encoded = new byte[values.size()][];
        int size = 4;
        for (int i = 0; i < encoded.length; i++) {
            encoded[i] = values.get(i).getBytes(StandardCharsets.UTF_8);
            size += 4 + encoded[i].length;
        }
        byte[] b = new byte[size];
        Frame.putInt(b, 0, encoded.length);
        int pos = 4;
        for (byte[] e : encoded) {
            Frame.putInt(b, pos, e.length);
            System.arraycopy(e, 0, b, pos + 4, e.length);
            pos += 4 + e.length;
        }
        return b;
    }

    public static List<String> decode(byte[] b) throws MalformedFrameException {
        if (b.length < 4) {
            throw new MalformedFrameException("string list without a count");
        }
        int count = Frame.getInt(b, 0);
        if (count < 0 || count > (b.length - 4) / 4) {
            throw new MalformedFrameException("string list announces " + count + " strings in " + b.length + " bytes");
        }
        List<String> out = new ArrayList<String>(count);
        int pos = 4;
        for (int i = 0; i < count; i++) {
            if (pos + 4 > b.length) {
                throw new MalformedFrameException("string list truncated at string " + i);
            }
            int len = Frame.getInt(b, pos);
            pos += 4;
            if (len < 0 || len > b.length - pos) {
                throw new MalformedFrameException("string " + i + " announces " + len + " bytes, " + (b.length - pos) + " left");
            }
            out.add(new String(b, pos, len, StandardCharsets.UTF_8));
            pos += len;
        }
        if (pos != b.length) {
            throw new MalformedFrameException("string list has " + (b.length - pos) + " trailing bytes");
        }
        return out;
    }
}
