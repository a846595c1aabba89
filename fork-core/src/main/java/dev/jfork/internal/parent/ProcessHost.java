package dev.jfork.internal.parent;

/**
 * Another machine whose processes this program commands through a connection (fork-remote):
 * their pids are that machine's, they are killed through the connection, descriptors cannot be
 * sent to them, and their end is learnt from there. A process on this machine has none.
 */
public interface ProcessHost {
    /** How messages name the machine, e.g. {@code "host worker7"}. */
    String name();

    /** Kills process {@code pid} of that machine (SIGKILL), if it is one this program started there. */
    void kill(long pid);

    /**
     * A new template there, through a new connection (the first one died), not yet prepared;
     * null if this host cannot start another.
     *
     * @throws RuntimeException if it cannot be reached
     */
    default ProcessLink startAgain() {
        return null;
    }
}
