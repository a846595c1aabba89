package dev.jfork;

import java.io.Serializable;

/**
 * A run function given as a method reference, checked by the compiler:
 * {@code fork.run(Worker::run)} for {@code public static void run(ForkChannel channel, ForkArgs args)}.
 *
 * <p>Only the name of the static method travels (the child loads its class, as with
 * {@link Fork#run(String)}): a lambda or a reference that captures a value has no name a child
 * could find, and is refused with an {@link IllegalArgumentException} that says what to pass
 * instead. It is {@link Serializable} only so that the method's name can be read.
 */
@FunctionalInterface
public interface ForkFunction extends Serializable {
    /**
     * The function, as the child calls it: with its end of the channel and its arguments.
     *
     * @param channel the child's end of the communication socket
     * @param args    the arguments the process was sent
     * @throws Exception anything; the child prints it to its stderr and exits with status 70
     */
    void run(ForkChannel channel, ForkArgs args) throws Exception;
}
