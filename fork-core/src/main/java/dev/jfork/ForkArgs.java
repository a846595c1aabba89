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
    /**
     * The number of arguments.
     *
     * @return how many arguments there are; their indexes run from 0 to {@code size() - 1}
     */
    int size();

    /**
     * True if argument {@code i} is a descriptor.
     *
     * @param i the index of the argument, from 0
     * @return true for a descriptor, false for a string or byte array
     * @throws IndexOutOfBoundsException if there is no such argument
     */
    boolean isFd(int i);

    /**
     * Argument {@code i} as a string (byte arrays are decoded as UTF-8).
     *
     * @param i the index of the argument, from 0
     * @return the argument as a string
     * @throws IllegalArgumentException if it is a descriptor
     * @throws IndexOutOfBoundsException if there is no such argument
     */
    String string(int i);

    /**
     * Argument {@code i} as bytes (strings are encoded as UTF-8); a copy.
     *
     * @param i the index of the argument, from 0
     * @return the argument's bytes, in a new array the caller may change
     * @throws IllegalArgumentException if it is a descriptor
     * @throws IndexOutOfBoundsException if there is no such argument
     */
    byte[] bytes(int i);

    /**
     * Argument {@code i} as a descriptor.
     *
     * @param i the index of the argument, from 0
     * @return the descriptor, the same object on every call
     * @throws IllegalArgumentException if it is a string or byte array
     * @throws IndexOutOfBoundsException if there is no such argument
     */
    ForkFd fd(int i);
}
