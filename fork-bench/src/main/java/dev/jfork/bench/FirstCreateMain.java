package dev.jfork.bench;

import java.io.InputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import dev.jfork.Fork;
import dev.jfork.ForkChannel;
import dev.jfork.ForkExit;

/**
 * A fresh program's first {@code Fork.create()}, for {@link FirstByteBench}'s {@code first-create}
 * variant: started as its own JVM ({@code java -cp <the bench's class path> FirstCreateMain}), it
 * times, from just before its first {@code Fork.create()} (the first use of jfork in this JVM: the
 * native layer, the default template's JVM and the fork's JVM all start here) until it has read
 * the child's first byte, then prints
 * {@code first-create <ns to first byte> <ns to run-entered>}, waits for the child's exit, closes
 * the default template (its spares end with it), waits for the template's end and returns.
 * Failures go to stderr with exit status 1.
 */
public final class FirstCreateMain {
    private FirstCreateMain() {}

    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        Fork f = Fork.create();
        CompletableFuture<ForkChannel> run = f.run(BenchChild::writeByte);
        ForkChannel ch = run.get(60, TimeUnit.SECONDS);
        long entered = System.nanoTime();
        InputStream in = ch.inputStream();
        int b = in.read();
        long firstByte = System.nanoTime();
        if (b < 0) {
            System.err.println("FirstCreateMain: the child wrote nothing");
            System.exit(1);
        }
        System.out.println("first-create " + (firstByte - t0) + " " + (entered - t0));
        System.out.flush();
        ForkExit exit = f.onExit().get(60, TimeUnit.SECONDS);
        ch.close();
        Fork template = Fork.defaultTemplate();
        template.close();
        template.onExit().get(60, TimeUnit.SECONDS);
        if (!exit.isSuccess()) {
            System.err.println("FirstCreateMain: child " + exit);
            System.exit(1);
        }
    }
}
