package dev.jfork.internal.template;

/**
 * How a template's replies reach its parent (implemented by the command loop, which owns the
 * control socket). Both return false, sending nothing, once the socket is gone or belongs to a
 * run function.
 */
public interface ParentChannel {
    boolean reply(byte[] frame);

    /** A reply followed by a descriptor message; the caller keeps (and closes) its descriptors. */
    boolean replyWithFds(byte[] frame, int[] fds);
}
