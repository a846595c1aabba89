package dev.jfork.rpc;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The typed interface of the proxy tests. */
public interface Calculator extends AutoCloseable {
    int add(int a, int b);

    String greet(String name);

    List<String> split(String text);

    /** Answers after a delay, from another thread of the child. */
    CompletableFuture<Integer> slowSquare(int x, long delayMillis);

    CompletionStage<String> failLater(String message);

    void fail(String message);

    long pid();

    default int addThree(int a, int b, int c) {
        return add(add(a, b), c);
    }

    @Override
    void close();
}
