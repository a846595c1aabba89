package dev.jfork.remote.internal;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Many byte streams over one connection (the stdin/stdout of an ssh session, or of any command
 * that reaches the other host): every process's control socket and stderr, both ways. Used alike
 * by this program and by the agent on the other host ({@code docs/PROTOCOL.md}, "fork-remote").
 *
 * <pre>frame: channel:u32  type:u8  length:u32  payload[length]     (big-endian)</pre>
 *
 * <p>Each side numbers the channels it opens in its own half (this program odd, the agent even),
 * so they never collide. Flow control is per channel, by credit: a side sends at most as many
 * bytes as the other granted ({@link #window} at first, then as the receiver's consumer takes
 * them), so a stream whose reader is slow fills its own window and never stalls the others, and
 * the reading thread of the connection never blocks on a consumer. Channel 0 carries messages
 * ({@link Listener#message}): starting the template, exits, kills.
 *
 * <p>One thread reads the connection; writers share it under a lock, in frames of at most
 * {@link #MAX_CHUNK} bytes so that one big stream does not hold the connection for long. When the
 * connection ends every channel ends, and {@link Listener#closed} says why.
 */
public final class Mux implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.jfork");

    /** Frame types. */
    static final byte DATA = 'd';
    static final byte CREDIT = 'c';
    static final byte EOF = 'e';
    static final byte CLOSE = 'x';
    static final byte MESSAGE = 'm';
    /** On a channel: the frame just sent carried descriptors, which these channels now stand for. */
    static final byte DESCRIPTORS = 'f';
    /** The largest payload of one DATA frame. */
    static final int MAX_CHUNK = 32 * 1024;
    /** The largest payload of any frame: a MESSAGE may be bigger than a chunk, not unbounded. */
    static final int MAX_FRAME = 1 << 20;

    /** Told what arrives on channel 0 and when the connection ends. Called on the reading thread: hand work off. */
    public interface Listener {
        void message(byte[] payload);

        /** The connection ended (cause null: the other side closed it in order). */
        void closed(IOException cause);
    }

    private final InputStream in;
    private final OutputStream out;
    private final int window;
    private final Listener listener;
    private final boolean odd;
    private final Map<Integer, MuxChannel> channels = new ConcurrentHashMap<>();
    private final Object writeLock = new Object();
    private final Object idLock = new Object();
    private int nextId; // guarded by idLock
    private volatile IOException failure;
    private volatile boolean closed;
    private Thread reader;

    /**
     * @param odd    whether this side numbers its channels odd (this program) or even (the agent)
     * @param window the bytes a side may send on a channel before the receiver grants more
     */
    public Mux(InputStream in, OutputStream out, boolean odd, int window, Listener listener) {
        this.in = in;
        this.out = out;
        this.odd = odd;
        this.window = window;
        this.listener = listener;
        this.nextId = odd ? 1 : 2;
    }

    /** Starts reading the connection. */
    public void start(String name) {
        reader = new Thread(this::readLoop, name);
        reader.setDaemon(true);
        reader.start();
    }

    /** Waits until the connection is read to its end (the agent's main thread: its reader is a daemon). */
    public void awaitEnd() throws InterruptedException {
        reader.join();
    }

    /** A new channel of this side; the other side learns of it from its first frame. */
    public MuxChannel open() {
        int id;
        synchronized (idLock) {
            id = nextId;
            nextId += 2;
        }
        return channel(id);
    }

    /**
     * The channel with this id, made if it is new (the other side opened it, or it was named in a
     * message before its first frame).
     */
    public MuxChannel channel(int id) {
        if (id == 0) {
            throw new IllegalArgumentException("channel 0 carries messages");
        }
        MuxChannel ch = channels.computeIfAbsent(id, k -> new MuxChannel(this, k, window));
        if (closed) {
            ch.ended(failure);
        }
        return ch;
    }

    /** Sends a message on channel 0. */
    public void message(byte[] payload) throws IOException {
        if (payload.length > MAX_FRAME) {
            throw new IOException("message of " + payload.length + " bytes, more than " + MAX_FRAME);
        }
        send(0, MESSAGE, payload, 0, payload.length);
    }

    /** The id a channel of the other side would have (for checking what a message names). */
    boolean isOthers(int id) {
        return id != 0 && ((id & 1) == 1) != odd;
    }

    /** Writes one frame (the caller has the credit it needs). */
    void send(int channel, byte type, byte[] b, int off, int len) throws IOException {
        IOException f = failure;
        if (f != null || closed) {
            throw new IOException("the connection is closed" + (f != null ? ": " + f.getMessage() : ""), f);
        }
        byte[] header = new byte[9];
        putInt(header, 0, channel);
        header[4] = type;
        putInt(header, 5, len);
        synchronized (writeLock) {
            try {
                out.write(header);
                if (len > 0) {
                    out.write(b, off, len);
                }
                out.flush();
            } catch (IOException e) {
                fail(e);
                throw e;
            }
        }
    }

    /** A channel ended both ways: forget it. */
    void forget(int id) {
        channels.remove(id);
    }

    private void readLoop() {
        DataInputStream data = new DataInputStream(in);
        IOException cause = null;
        try {
            byte[] header = new byte[9];
            while (true) {
                int first = in.read(header, 0, 1);
                if (first < 0) {
                    break; // the other side closed the connection between frames: in order
                }
                data.readFully(header, 1, 8);
                int id = getInt(header, 0);
                byte type = header[4];
                int len = getInt(header, 5);
                if (len < 0 || len > MAX_FRAME || type == DATA && len > MAX_CHUNK) {
                    throw new IOException("malformed frame on the connection: type " + (char) type + ", " + len + " bytes");
                }
                byte[] payload = new byte[len];
                data.readFully(payload);
                dispatch(id, type, payload);
            }
        } catch (EOFException e) {
            cause = new IOException("the connection ended inside a frame", e);
        } catch (IOException e) {
            cause = e;
        } catch (RuntimeException e) {
            cause = new IOException("reading the connection failed: " + e, e);
        }
        end(cause);
    }

    private void dispatch(int id, byte type, byte[] payload) throws IOException {
        if (id == 0) {
            if (type != MESSAGE) {
                throw new IOException("malformed frame on the connection: type " + (char) type + " on channel 0");
            }
            listener.message(payload);
            return;
        }
        MuxChannel ch = channels.get(id);
        if (ch == null) {
            if (type == CLOSE || type == CREDIT) {
                return; // for a channel already forgotten here
            }
            if (!isOthers(id)) {
                return; // one of ours that this side closed meanwhile: what was in flight is dropped
            }
            ch = channel(id);
        }
        switch (type) {
            case DATA:
                ch.received(payload);
                break;
            case CREDIT:
                if (payload.length != 4) {
                    throw new IOException("malformed credit frame");
                }
                ch.credited(getInt(payload, 0));
                break;
            case EOF:
                ch.receivedEof();
                break;
            case DESCRIPTORS:
                ch.receivedDescriptors(payload);
                break;
            case CLOSE:
                ch.receivedClose();
                break;
            default:
                throw new IOException("malformed frame on the connection: unknown type " + (char) type);
        }
    }

    private void fail(IOException e) {
        if (failure == null) {
            failure = e;
        }
    }

    /** The connection is over: every channel ends, the listener is told once. */
    private void end(IOException cause) {
        if (cause != null) {
            fail(cause);
        }
        List<MuxChannel> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(channels.values());
        }
        for (MuxChannel ch : all) {
            ch.ended(failure);
        }
        closeQuietly(in); // the reader stops, if it has not (close() from this side)
        synchronized (writeLock) {
            closeQuietly(out);
        }
        try {
            listener.closed(failure);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "jfork: a remote connection listener failed", e);
        }
    }

    /** Whether the connection is over. */
    public boolean isClosed() {
        return closed;
    }

    /** Why the connection ended (null while it lives, or if it ended in order). */
    public IOException failure() {
        return failure;
    }

    /** Ends the connection from this side: the output is closed, every channel ends. */
    @Override
    public void close() {
        synchronized (writeLock) {
            try {
                out.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        end(null);
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // ending anyway
        }
    }

    static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    static int getInt(byte[] b, int off) {
        return (b[off] & 0xff) << 24 | (b[off + 1] & 0xff) << 16 | (b[off + 2] & 0xff) << 8 | b[off + 3] & 0xff;
    }
}
