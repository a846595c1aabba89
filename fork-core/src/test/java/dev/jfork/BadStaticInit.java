package dev.jfork;

/** A class whose static initialiser throws, for require() failure tests. */
public final class BadStaticInit {
    private BadStaticInit() {}

    static {
        if (Boolean.TRUE) {
            throw new IllegalStateException("static initialiser failed on purpose");
        }
    }
}
