package dev.jfork;

/**
 * The arguments a process was sent before {@code run}, in the order they were sent: those its
 * template was sent first, then its own. Strings and byte arrays come from
 * {@link Fork#sendArg(String...)} and {@link Fork#sendArg(byte[]...)}, descriptors from the
 * {@code sendFd} methods.
 *
 * <p>Given to the run function and to {@link Fork#eval(String, String...) eval} methods that declare
 * it as first parameter.
 */
public interface ForkArgs {
    /** The number of arguments. */
    int size();

    /** True if argument {@code i} is a descriptor. */
    boolean isFd(int i);

    /**
     * Argument {@code i} as a string (byte arrays are decoded as UTF-8).
     *
     * @throws IllegalArgumentException if it is a descriptor
     * @throws IndexOutOfBoundsException if there is no such argument
     */
    String string(int i);

    /**
     * Argument {@code i} as bytes (strings are encoded as UTF-8); a copy.
     *
     * @throws IllegalArgumentException if it is a descriptor
     */
    byte[] bytes(int i);

    /**
     * Argument {@code i} as a descriptor.
     *
     * @throws IllegalArgumentException if it is a string or byte array
     */
    ForkFd fd(int i);
}
