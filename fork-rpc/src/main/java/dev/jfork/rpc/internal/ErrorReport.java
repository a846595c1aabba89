package dev.jfork.rpc.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Body of an ERROR frame: an optional context line, then the exception and its causes as class
 * names, messages and stack frames (strings, not Java serialization, so no module needs to be
 * opened and the class need not exist in the parent).
 *
 * <pre>
 * context:str  count:u32  { class:str message:str frames:u32 { declaringClass:str method:str file:str line:i32 } }
 * str = length:i32 (-1 for null) + UTF-8 bytes
 * </pre>
 */
public final class ErrorReport {
    private ErrorReport() {}

    private static final int MAX_CAUSES = 16;
    private static final int MAX_FRAMES = 1024;

    /** The decoded report. */
    public static final class Decoded {
        public final String context;
        public final RemoteThrowable error;

        /**
         * The report as one phrase: the context, then the exception unless the context already
         * says what its message says (a child reports a function it cannot find with its message
         * as the context).
         */
        public String describe() {
            if (context == null) {
                return String.valueOf(error);
            }
            if (error == null || (error.remoteMessage() != null && context.contains(error.remoteMessage()))) {
                return context;
            }
            return context + ": " + error;
        }

        Decoded(String context, RemoteThrowable error) {
            this.context = context;
            this.error = error;
        }
    }

    /** Encodes the report, shortened (fewer frames, then a cut message) if it would exceed {@code limit} bytes. */
    public static byte[] encode(String context, Throwable t, int limit) {
        byte[] b = encode(context, t, MAX_FRAMES, Integer.MAX_VALUE);
        if (b.length > limit) {
            b = encode(context, t, 8, limit / 8);
        }
        if (b.length > limit) {
            b = encode(context == null ? null : cut(context, limit / 8), t, 0, limit / 8);
        }
        return b;
    }

    /**
     * The cause of a user's exception, which may override {@code getCause()} and throw: the
     * report then ends there rather than failing (and with it the worker).
     */
    private static Throwable causeOf(Throwable t) {
        try {
            return t.getCause();
        } catch (RuntimeException | Error e) {
            return null;
        }
    }

    private static String cut(String s, int chars) {
        return s == null || s.length() <= chars ? s : s.substring(0, Math.max(0, chars - 3)) + "...";
    }

    private static byte[] encode(String context, Throwable t, int maxFrames, int maxMessage) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
            DataOutputStream out = new DataOutputStream(bytes);
            writeString(out, context);
            List<Throwable> chain = new ArrayList<>();
            Map<Throwable, Boolean> seen = new IdentityHashMap<>();
            int maxCauses = maxFrames == 0 ? 1 : MAX_CAUSES;
            for (Throwable c = t; c != null && chain.size() < maxCauses && seen.put(c, Boolean.TRUE) == null; c = causeOf(c)) {
                chain.add(c);
            }
            out.writeInt(chain.size());
            for (Throwable c : chain) {
                writeString(out, c instanceof RemoteThrowable ? ((RemoteThrowable) c).className() : c.getClass().getName());
                String message;
                try {
                    message = c instanceof RemoteThrowable ? ((RemoteThrowable) c).remoteMessage() : c.getMessage();
                } catch (RuntimeException | Error e) {
                    message = "(getMessage() threw " + e + ")";
                }
                writeString(out, cut(message, maxMessage));
                StackTraceElement[] frames;
                try {
                    frames = c.getStackTrace();
                } catch (RuntimeException | Error e) {
                    frames = new StackTraceElement[0]; // a user exception that overrides it and throws: report it without
                }
                int n = Math.min(frames.length, maxFrames);
                out.writeInt(n);
                for (int i = 0; i < n; i++) {
                    writeString(out, frames[i].getClassName());
                    writeString(out, frames[i].getMethodName());
                    writeString(out, frames[i].getFileName());
                    out.writeInt(frames[i].getLineNumber());
                }
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e); // not possible in memory
        }
    }

    public static Decoded decode(byte[] b, int off, int len) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(b, off, len));
        String context = readString(in);
        int count = in.readInt();
        if (count < 0 || count > MAX_CAUSES) {
            throw new IOException("bad error report: " + count + " causes");
        }
        String[] classes = new String[count];
        String[] messages = new String[count];
        StackTraceElement[][] traces = new StackTraceElement[count][];
        for (int i = 0; i < count; i++) {
            classes[i] = readString(in);
            messages[i] = readString(in);
            int n = in.readInt();
            if (n < 0 || n > MAX_FRAMES) {
                throw new IOException("bad error report: " + n + " frames");
            }
            traces[i] = new StackTraceElement[n];
            for (int k = 0; k < n; k++) {
                String cls = readString(in);
                String method = readString(in);
                String file = readString(in);
                int line = in.readInt();
                traces[i][k] = new StackTraceElement(cls == null ? "?" : cls, method == null ? "?" : method, file, line);
            }
        }
        if (in.available() != 0) {
            throw new IOException("bad error report: " + in.available() + " trailing bytes");
        }
        RemoteThrowable cause = null;
        for (int i = count - 1; i >= 0; i--) {
            cause = new RemoteThrowable(classes[i] == null ? "?" : classes[i], messages[i], traces[i], cause);
        }
        return new Decoded(context, cause);
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            if (n == -1) {
                return null;
            }
            throw new IOException("bad error report: string length " + n);
        }
        if (n > in.available()) {
            throw new IOException("bad error report: string of " + n + " bytes exceeds the frame");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
