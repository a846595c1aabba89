package dev.jfork.bench;

/** Prints the JVM version of a {@code java} executable (run once, untimed, to describe the children). */
public final class Probe {
    private Probe() {}

    public static void main(String[] args) {
        System.out.print(System.getProperty("java.vm.version") + " (" + System.getProperty("java.vm.vendor") + ")");
    }
}
