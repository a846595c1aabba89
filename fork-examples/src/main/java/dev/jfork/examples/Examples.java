package dev.jfork.examples;

import java.io.PrintStream;
import java.util.List;

import dev.jfork.Fork;
import dev.jfork.ForkExit;


/** What every example's {@code main} and the {@link Demo} share: checks and the final clean-up. */
final class Examples {
    private Examples() {}

    /** An example that runs, prints what it did and throws if it did not get what it expected. */
    @FunctionalInterface
    interface Example {
        void demo(PrintStream out) throws Exception;
    }

    /** Fails the example with {@code message} unless {@code condition} holds. */
    static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }

    /** "all exited with code 0", or the whole list if they differ. */
    static String summary(List<ForkExit> exits) {
        return exits.stream().distinct().count() == 1 ? "all " + exits.get(0) : exits.toString();
    }

    /**
     * Closes the shared default template behind {@link Fork#create()} and waits until it has
     * exited. Forks of it that still run are not affected (and in the examples none does).
     * Call it only when the default template was used: asking for it starts one.
     */
    static ForkExit closeDefaultTemplate() {
        Fork template = Fork.defaultTemplate();
        template.close();
        return Await.get(template.onExit(), "default template exit");
    }

    /** A {@code main} for one example: runs it and exits with 0 if it succeeded, 1 otherwise. */
    static void main(Example example, boolean usesDefaultTemplate) {
        int status = 0;
        try {
            example.demo(System.out);
        } catch (Throwable t) {
            t.printStackTrace();
            status = 1;
        } finally {
            if (usesDefaultTemplate) {
                try {
                    closeDefaultTemplate();
                } catch (RuntimeException e) {
                    e.printStackTrace();
                    status = 1;
                }
            }
        }
        System.out.flush();
        System.exit(status);
    }
}
