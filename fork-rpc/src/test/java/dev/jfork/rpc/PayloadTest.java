package dev.jfork.rpc;

import static dev.jfork.rpc.TestSupport.await;
import static dev.jfork.rpc.TestSupport.awaitFailure;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import dev.jfork.Fork;


/** Payload sizes: 0 bytes, 1 MiB, large, over the limit on either side; the raw byte[] serializer. */
class PayloadTest {
    private static final String W = "dev.jfork.rpc.Workers.";
    private static final int MIB = 1 << 20;

    /** An argument class that nobody registered (Kryo requires registration). */
    public static final class Unregistered {
        public int value = 7;
    }

    /** A class nobody registered travels all the same (by name), both ways. */
    @Test
    void anUnregisteredClassTravelsWithoutRegistration() {
        RpcClient rpc = Rpc.run(Fork.create(), Workers::echo);
        Unregistered back = (Unregistered) await(rpc.call(new Unregistered()));
        assertEquals(7, back.value);
        rpc.close();
        await(rpc.terminated());
    }

    @Test
    void emptyOneMebibyteAndLargePayloadsWithKryo() {
        RpcClient rpc = Rpc.run(Fork.create(), W + "length", RpcOptions.defaults());
        assertEquals(0, (int) await(rpc.<Integer>call(new byte[0])));
        assertEquals(MIB, (int) await(rpc.<Integer>call(new byte[MIB])));
        assertEquals(32 * MIB, (int) await(rpc.<Integer>call(new byte[32 * MIB])));
        assertEquals(-1, (int) await(rpc.<Integer>call((Object) null)));
        rpc.close();
        await(rpc.terminated());

        RpcClient results = Rpc.run(Fork.create(), W + "bytesOf", RpcOptions.defaults());
        assertEquals(0, await(results.<byte[]>call(0)).length);
        assertEquals(MIB, await(results.<byte[]>call(MIB)).length);
        results.close();
        await(results.terminated());
    }

    @Test
    void framesOverTheLimitAreRefusedByTheirSender() {
        List<RpcException> errors = new CopyOnWriteArrayList<>();
        int limit = 64 * 1024;
        RpcClient rpc = Rpc.run(Fork.create(), W + "length", RpcOptions.builder().maxFrameSize(limit).onError(errors::add).build());
        assertEquals(limit - 16, (int) await(rpc.<Integer>call(new byte[limit - 16])));
        CompletableFuture<Integer> tooBig = rpc.call(new byte[limit + 1]);
        assertTrue(tooBig.isDone(), "an oversized call fails at once");
        RpcException e = awaitFailure(tooBig);
        assertEquals(RpcException.Kind.LOCAL, e.kind());
        assertTrue(e.getMessage().contains("more than the maximum frame size " + limit), e.getMessage());
        assertEquals(5, (int) await(rpc.<Integer>call(new byte[5])), "the worker lives on");
        rpc.close();
        await(rpc.terminated());

        RpcClient results = Rpc.run(Fork.create(), W + "bytesOf", RpcOptions.builder().maxFrameSize(limit).onError(errors::add).build());
        RpcException r = awaitFailure(results.call(limit * 2));
        assertEquals(RpcException.Kind.REMOTE, r.kind());
        assertTrue(r.getMessage().contains("more than the maximum frame size " + limit), r.getMessage());
        assertEquals(10, await(results.<byte[]>call(10)).length);
        results.close();
        await(results.terminated());

        RpcClient events = Rpc.run(Fork.create(), W + "hugeEvent", RpcOptions.builder().maxFrameSize(limit).onEvent(x -> {})
                .onError(errors::add).build());
        String refused = await(events.call(limit * 2));
        assertTrue(refused.startsWith("refused: the event takes"), refused);
        assertEquals("sent", await(events.call(10)));
        events.close();
        await(events.terminated());
        assertEquals(List.of(), errors);
    }

    @Test
    void rawByteArraySerializer() {
        RpcClient rpc = Rpc.run(Fork.create(), W + "reverse", RpcOptions.builder().serializer(RpcSerializer.bytes()).build());
        byte[] big = new byte[MIB];
        new Random(42).nextBytes(big);
        byte[] reversed = await(rpc.call(big));
        for (int i = 0; i < big.length; i++) {
            if (reversed[i] != big[big.length - 1 - i]) {
                throw new AssertionError("byte " + i + " differs");
            }
        }
        assertArrayEquals(new byte[0], await(rpc.call(new byte[0])));
        assertArrayEquals(new byte[] {3, 2, 1}, await(rpc.call(new byte[] {1, 2, 3})));
        RpcException e = awaitFailure(rpc.call("not bytes"));
        assertEquals(RpcException.Kind.LOCAL, e.kind());
        assertTrue(e.getMessage().contains("only byte[] values"), e.getMessage());
        rpc.close();
        await(rpc.terminated());
    }
}
