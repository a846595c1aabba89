package dev.jfork.rpc;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;

import dev.jfork.ForkArgs;
import dev.jfork.ForkChannel;
import dev.jfork.rpc.internal.ErrorReport;
import dev.jfork.rpc.internal.KryoSerializer;

/** A child that speaks the RPC framing by hand and breaks it on purpose (run function, not an RPC server). */
public final class RawChild {
    private RawChild() {}

    static final KryoSerializer KRYO = new KryoSerializer(List.of());

    /** One frame as read: type, id, body. */
    record Frame(byte type, int id, byte[] body) {}

    /** type:u8 id:u32 length:u32 body (fork-core's frame format, which RPC uses too). */
    static Frame read(DataInputStream in) throws IOException {
        byte type = in.readByte();
        int id = in.readInt();
        int length = in.readInt();
        byte[] body = new byte[length];
        in.readFully(body);
        return new Frame(type, id, body);
    }

    static void write(DataOutputStream out, char type, int id, byte[] body) throws IOException {
        out.writeByte(type);
        out.writeInt(id);
        out.writeInt(body.length);
        out.write(body);
        out.flush();
    }

    static byte[] value(Object v) {
        return KRYO.encode(new Object[] {v});
    }

    public static void run(ForkChannel ch, ForkArgs args) throws IOException {
        DataInputStream in = new DataInputStream(ch.inputStream());
        DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(ch.outputStream()));
        switch (args.string(0)) {
            case "misbehave": {
                Frame call = read(in);
                write(out, 'R', 999, value("for nobody"));       // unknown id
                write(out, 'R', call.id(), value("one"));         // the answer
                write(out, 'R', call.id(), value("one again"));   // a second answer
                write(out, 'V', 0, KRYO.encode(new Object[] {"an event"}));
                Frame second = read(in);
                write(out, 'E', second.id(), ErrorReport.encode(null, new IllegalStateException("raw failure"), 1 << 20));
                read(in);
                write(out, 'Z', 0, new byte[3]);                  // unknown frame type: fatal
                break;
            }
            case "oversize": {
                read(in);
                out.writeByte('R');
                out.writeInt(1);
                out.writeInt(Integer.MAX_VALUE);
                out.flush();
                break;
            }
            case "badError": {
                Frame call = read(in);
                write(out, 'E', call.id(), new byte[] {0, 0, 0, 7, 'x'});
                break;
            }
            default:
                throw new IllegalArgumentException(args.string(0));
        }
        // wait for the parent to close its end
        while (in.read() >= 0) {
            // discard
        }
    }
}
