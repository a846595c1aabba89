package dev.jfork.bench;

import java.io.File;
import java.io.InputStream;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The reference of {@link FirstByteBench}'s {@code first-create} variant: a fresh program (a JVM
 * started like {@link FirstCreateMain}, same {@code java}, flags and class path) whose first
 * {@code ProcessBuilder.start()} runs the command given as arguments (the bench's bare JVM,
 * {@link BareMain} with a jfork child's flags); it times from just before that start until it has
 * read the bare JVM's first stdout byte, prints {@code first-bare <ns>}, waits for its exit and
 * returns. Failures go to stderr with exit status 1.
 */
public final class FirstBareMain {
    private FirstBareMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: FirstBareMain java [options] -cp CLASSPATH dev.jfork.bench.BareMain");
            System.exit(2);
        }
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(Arrays.asList(args)).redirectInput(new File("/dev/null"))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        int b;
        try (InputStream in = p.getInputStream()) {
            b = in.read();
        }
        long firstByte = System.nanoTime();
        if (b < 0) {
            System.err.println("FirstBareMain: the bare JVM wrote nothing");
            System.exit(1);
        }
        System.out.println("first-bare " + (firstByte - t0));
        System.out.flush();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            System.err.println("FirstBareMain: the bare JVM did not exit with 0");
            System.exit(1);
        }
    }
}
