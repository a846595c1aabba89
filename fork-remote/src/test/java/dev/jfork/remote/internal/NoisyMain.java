package dev.jfork.remote.internal;

/** A main class that writes something else before the handshake, as a JVM logging to stdout would. */
public final class NoisyMain {
    private NoisyMain() {}

    public static void main(String[] args) {
        System.out.print("Hello from a main class that is not the agent\n");
        System.out.flush();
    }
}
