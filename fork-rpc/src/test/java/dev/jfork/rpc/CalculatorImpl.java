package dev.jfork.rpc;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** The child's implementation of {@link Calculator}. */
public class CalculatorImpl implements Calculator {
    @Override
    public int add(int a, int b) {
        return a + b;
    }

    @Override
    public String greet(String name) {
        return "hello " + name;
    }

    @Override
    public List<String> split(String text) {
        return Arrays.asList(text.split(" "));
    }

    @Override
    public CompletableFuture<Integer> slowSquare(int x, long delayMillis) {
        return CompletableFuture.supplyAsync(() -> x * x, CompletableFuture.delayedExecutor(delayMillis, TimeUnit.MILLISECONDS));
    }

    @Override
    public CompletionStage<String> failLater(String message) {
        return CompletableFuture.supplyAsync(() -> {
            throw new IllegalStateException(message);
        });
    }

    @Override
    public void fail(String message) {
        throw new UnsupportedOperationException(message);
    }

    @Override
    public long pid() {
        return ProcessHandle.current().pid();
    }

    @Override
    public void close() {
        RpcChild.event("implementation closed");
    }
}
