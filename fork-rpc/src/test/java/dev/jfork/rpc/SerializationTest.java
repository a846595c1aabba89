package dev.jfork.rpc;

import static dev.jfork.rpc.TestSupport.await;
import static dev.jfork.rpc.TestSupport.awaitFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.jfork.Fork;

/**
 * POJOs, records, enums and collections of them travel with no registration; what a worker sends
 * back is accepted only if the parent sent, declared or allowed its class.
 */
class SerializationTest {
    @Test
    void pojosRecordsEnumsAndCollectionsRoundTripWithoutRegistration() {
        RpcClient rpc = Rpc.run(Fork.create(), Workers::echo);
        Shapes.Pojo pojo = new Shapes.Pojo("p", List.of(new Shapes.Point(1, 2), new Shapes.Point(3, 4)));
        assertEquals(pojo, await(rpc.call(pojo)));
        assertEquals(new Shapes.Point(5, 6), await(rpc.call(new Shapes.Point(5, 6))));
        assertEquals(Shapes.Color.GREEN, await(rpc.call(Shapes.Color.GREEN)));
        Map<Shapes.Color, List<Shapes.Point>> map = Map.of(Shapes.Color.RED, List.of(new Shapes.Point(0, 0)));
        assertEquals(map, await(rpc.call(map)));
        rpc.close();
        await(rpc.terminated());
    }

    @Test
    void aClassTheParentDidNotSendOrAllowIsRefusedBeforeItIsInstantiated() {
        RpcClient rpc = Rpc.run(Fork.create(), Shapes::makeSecret);
        int before = Shapes.Secret.made;
        RpcException e = awaitFailure(rpc.call());
        assertEquals(RpcException.Kind.LOCAL, e.kind());
        assertTrue(e.getMessage().contains("does not accept from a worker") && e.getMessage().contains("RpcOptions.Builder.allow("
                + Shapes.Secret.class.getName() + ".class)"), e.getMessage());
        assertEquals(before, Shapes.Secret.made, "the refused class was instantiated in the parent");
        // the connection lives on; a declared result type is accepted
        Shapes.Secret declared = await(rpc.call(Shapes.Secret.class));
        assertTrue(declared != null);
        rpc.close();
        await(rpc.terminated());

        RpcClient allowing = Rpc.run(Fork.create(), Shapes::makeSecret, RpcOptions.builder().allow("dev.jfork.rpc.*").build());
        assertTrue(await(allowing.call()) instanceof Shapes.Secret);
        allowing.close();
        await(allowing.terminated());
    }
}
