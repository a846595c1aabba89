package dev.jfork.bench;

/**
 * The bare-JVM baseline: a trivial {@code main} that writes one byte to stdout (so the parent can
 * time "first output", the equivalent of a jfork child having entered its function) and returns.
 */
public final class BareMain {
    private BareMain() {}

    public static void main(String[] args) {
        System.out.write('.');
        System.out.flush();
    }
}
