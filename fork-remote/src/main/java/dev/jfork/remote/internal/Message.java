package dev.jfork.remote.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The messages of a connection's channel 0 ({@link Mux#message}): {@code kind:u8} then fields,
 * u32 numbers and UTF-8 text to the end ({@code docs/PROTOCOL.md}, "fork-remote").
 *
 * <pre>
 * S START        u32 spares            this program: start the template
 * O STARTED      u32 pid, u32 control channel, u32 stderr channel
 * F START_FAILED text                  the template could not be started, and why
 * X EXITED       u32 pid, u32 wait status      the agent's child (the template) ended
 * K KILL         u32 pid               this program: SIGKILL a process the agent started or saw forked
 * </pre>
 */
final class Message {
    static final byte START = 'S';
    static final byte STARTED = 'O';
    static final byte START_FAILED = 'F';
    static final byte EXITED = 'X';
    static final byte KILL = 'K';

    final byte kind;
    private final byte[] payload;

    private Message(byte[] payload) {
        this.kind = payload.length == 0 ? 0 : payload[0];
        this.payload = payload;
    }

    static Message parse(byte[] payload) throws IOException {
        if (payload.length == 0) {
            throw new IOException("an empty message on the connection");
        }
        return new Message(payload);
    }

    static byte[] of(byte kind, int... values) {
        byte[] b = new byte[1 + 4 * values.length];
        b[0] = kind;
        for (int i = 0; i < values.length; i++) {
            Mux.putInt(b, 1 + 4 * i, values[i]);
        }
        return b;
    }

    static byte[] text(byte kind, String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[1 + t.length];
        b[0] = kind;
        System.arraycopy(t, 0, b, 1, t.length);
        return b;
    }

    /** The {@code index}th u32 field. */
    int u32(int index) throws IOException {
        int at = 1 + 4 * index;
        if (payload.length < at + 4) {
            throw new IOException("a message " + (char) kind + " without field " + index);
        }
        return Mux.getInt(payload, at);
    }

    String text() {
        return new String(payload, 1, payload.length - 1, StandardCharsets.UTF_8);
    }
}
