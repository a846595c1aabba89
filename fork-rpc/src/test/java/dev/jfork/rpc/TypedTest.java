package dev.jfork.rpc;

import static dev.jfork.rpc.TestSupport.await;
import static dev.jfork.rpc.TestSupport.awaitFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.jfork.Fork;

/** Worker functions as method references, typed results, proxies by class. */
class TypedTest {
    @Test
    void aWorkerGivenAsAMethodReferenceAnswersWithTypedResults() {
        RpcClient rpc = Rpc.run(Fork.create(), Workers::add);
        CompletableFuture<Integer> sum = rpc.call(Integer.class, 40, 2);
        int value = await(sum);
        assertEquals(42, value);
        assertEquals(7, (int) await(rpc.call(int.class, 3, 4)), "a primitive type stands for its wrapper");
        RpcException e = awaitFailure(rpc.call(String.class, 1, 2));
        assertEquals(RpcException.Kind.LOCAL, e.kind());
        assertTrue(e.getMessage().contains("returned a java.lang.Integer, not the java.lang.String asked for"), e.getMessage());
        assertEquals(3, (int) await(rpc.call(Integer.class, 1, 2)), "a mistyped result fails only its call");
        rpc.close();
        await(rpc.terminated());
    }

    @Test
    void lambdasAndAsyncOptionsAreRefusedAtOnce() {
        Fork f = Fork.create();
        IllegalArgumentException lambda = assertThrows(IllegalArgumentException.class, () -> Rpc.run(f, args -> args[0]));
        assertTrue(lambda.getMessage().contains("public static Object fn(Object... args)"), lambda.getMessage());
        IllegalArgumentException async = assertThrows(IllegalArgumentException.class,
                () -> Rpc.run(f, Workers::echo, RpcOptions.builder().async(true).build()));
        assertTrue(async.getMessage().contains("Rpc.run(fork, \"pkg.Cls::fn\", options)"), async.getMessage());
        f.close();
    }

    @Test
    void aProxyByClass() throws Exception {
        try (Calculator calc = Rpc.proxy(Fork.create(), Calculator.class, CalculatorImpl.class)) {
            assertEquals(5, calc.add(2, 3));
        }
    }
}
