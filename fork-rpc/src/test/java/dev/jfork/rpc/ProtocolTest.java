package dev.jfork.rpc;

import static dev.jfork.rpc.TestSupport.await;
import static dev.jfork.rpc.TestSupport.awaitFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import dev.jfork.Fork;
import dev.jfork.ForkChannel;
import dev.jfork.rpc.internal.ErrorReport;
import dev.jfork.rpc.internal.RpcConfig;
import dev.jfork.rpc.internal.RpcServer;

/** Protocol violations are reported through onError, never crash the parent, and never hang a call. */
class ProtocolTest {
    private static RpcClient raw(String scenario, List<RpcException> errors, List<Object[]> events) {
        Fork f = Fork.create().sendArg(scenario);
        RpcOptions.Builder b = RpcOptions.builder().onError(errors::add);
        if (events != null) {
            b.onEvent(events::add);
        }
        return Rpc.attach(f, f.run("dev.jfork.rpc.RawChild.run"), b.build());
    }

    @Test
    void unknownIdsSecondRepliesAndMalformedFrames() {
        List<RpcException> errors = new CopyOnWriteArrayList<>();
        RpcClient rpc = raw("misbehave", errors, null);
        assertEquals("one", await(rpc.call("first")));
        RpcException remote = awaitFailure(rpc.call("second"));
        assertEquals(RpcException.Kind.REMOTE, remote.kind());
        assertEquals("raw failure", remote.remoteMessage().orElseThrow());
        CompletableFuture<Object> third = rpc.call("third");
        RpcException fatal = awaitFailure(third);
        assertEquals(RpcException.Kind.PROTOCOL, fatal.kind());
        assertTrue(fatal.getMessage().contains("unexpected unknown type 'Z' frame"), fatal.getMessage());
        assertEquals(fatal, awaitFailure(rpc.terminated()));
        assertEquals(4, errors.size(), errors.toString());
        assertEquals(RpcException.Kind.PROTOCOL, errors.get(0).kind());
        assertTrue(errors.get(0).getMessage().contains("RESULT for call 999, which is not pending"), errors.get(0).getMessage());
        assertTrue(errors.get(1).getMessage().contains("RESULT for call 1, which is not pending"), errors.get(1).getMessage());
        assertEquals(RpcException.Kind.LOCAL, errors.get(2).kind());
        assertTrue(errors.get(2).getMessage().contains("event received, but no onEvent handler"), errors.get(2).getMessage());
        assertEquals(fatal, errors.get(3));
        assertEquals(0, rpc.inFlight());
    }

    @Test
    void oversizedFrameFromTheChildIsAProtocolError() {
        List<RpcException> errors = new CopyOnWriteArrayList<>();
        RpcClient rpc = raw("oversize", errors, null);
        RpcException e = awaitFailure(rpc.call("x"));
        assertEquals(RpcException.Kind.PROTOCOL, e.kind());
        assertTrue(e.getMessage().contains("exceeds the maximum frame size"), e.getMessage());
        assertEquals(List.of(e), errors);
    }

    @Test
    void malformedErrorReportIsAProtocolError() {
        List<RpcException> errors = new CopyOnWriteArrayList<>();
        RpcClient rpc = raw("badError", errors, null);
        RpcException e = awaitFailure(rpc.call("x"));
        assertEquals(RpcException.Kind.PROTOCOL, e.kind());
        assertTrue(e.getMessage().contains("malformed ERROR frame"), e.getMessage());
        assertEquals(List.of(e), errors);
    }

    /** The child's side: a malformed frame from the parent makes the worker report and exit with 76. */
    @Test
    void malformedFrameToTheWorker() throws Exception {
        Fork f = Fork.create().sendArg(RpcConfig.forFunction("dev.jfork.rpc.Workers.echo", RpcOptions.defaults()).encode());
        ForkChannel ch = await(f.run(RpcServer.ENTRY));
        DataOutputStream out = new DataOutputStream(ch.outputStream());
        DataInputStream in = new DataInputStream(ch.inputStream());
        RawChild.write(out, 'C', 1, RawChild.KRYO.encode(new Object[] {"hello"}));
        RawChild.Frame reply = RawChild.read(in);
        assertEquals('R', reply.type());
        assertEquals("hello", RawChild.KRYO.decode(reply.body(), 0, reply.body().length)[0]);
        RawChild.write(out, 'C', 0, new byte[0]);
        RawChild.Frame error = RawChild.read(in);
        assertEquals('E', error.type());
        assertEquals(0, error.id());
        ErrorReport.Decoded d = ErrorReport.decode(error.body(), 0, error.body().length);
        assertEquals("protocol error", d.context);
        assertTrue(d.error.toString().contains("CALL with id 0"), d.error.toString());
        assertEquals(-1, in.read());
        assertEquals(76, await(f.onExit()).exitCode().orElseThrow());
        ch.close();
    }

    /** A worker started without Rpc.run's configuration says so. */
    @Test
    void workerWithoutConfiguration() throws Exception {
        Fork f = Fork.create().sendArg("not a config");
        ForkChannel ch = await(f.run(RpcServer.ENTRY));
        RawChild.Frame error = RawChild.read(new DataInputStream(ch.inputStream()));
        ErrorReport.Decoded d = ErrorReport.decode(error.body(), 0, error.body().length);
        assertEquals("bad RPC configuration", d.context);
        assertTrue(d.error.toString().contains("not an RPC configuration"), d.error.toString());
        assertEquals(70, await(f.onExit()).exitCode().orElseThrow());
        ch.close();
    }
}
