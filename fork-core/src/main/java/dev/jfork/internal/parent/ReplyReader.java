package dev.jfork.internal.parent;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;

import dev.jfork.internal.concurrent.JforkThreads;
import dev.jfork.internal.os.FdChannel;
import dev.jfork.internal.os.FdPassing;
import dev.jfork.internal.wire.Frame;
import dev.jfork.internal.wire.MalformedFrameException;
import dev.jfork.internal.wire.Protocol;

/**
 * Reads a process's replies on its control socket ({@code docs/PROTOCOL.md}, "Process → parent")
 * and tells its {@link Replies}, in order, on one thread. It ends at {@code RUNNING} (the socket is
 * the run function's from then on) or at the end of the stream, and says which, exactly once.
 * Whatever ends it (an error, a malformed frame, even an {@link Error}) ends in
 * {@link Replies#ended}: the forks must be handed over to outside watching and {@code run} must
 * fail.
 */
final class ReplyReader {
    /** What a process says, as it says it. Called on the reader's thread; none of it may block for long. */
    interface Replies {
        /** FAILED: a command failed; the process exits. */
        void failed(String report);

        /** FORKED: fork {@code forkId} is process {@code pid}, reachable on these descriptors (now the listener's). */
        void forked(int forkId, long pid, int controlFd, int stderrFd);

        /** SPARE: the template's spare {@code spareId}, handed over ahead of any fork (its descriptors now the listener's). */
        void spare(int spareId, long pid, int position, int controlFd, int stderrFd);

        /** RETIRE: the template needs spare {@code spareId} no more. */
        void retire(int spareId);

        /** FORKED whose descriptors this program could not receive (it has none free): only that fork is lost. */
        void forkUnreachable(int forkId, long pid, String reason);

        /** EXITED: fork {@code forkId} was reaped with this raw wait status. */
        void exited(int forkId, int status);

        /** FORK_FAILED: the template could not start fork {@code forkId}. */
        void forkFailed(int forkId, String reason);

        /** SPARES: the template has this many ready spares. */
        void spares(int count);

        /** ARCHIVE: the template's forks boot from this archive ({@code ok}), or will not, for this reason. */
        void archive(boolean ok, String text);

        /** RUNNING: the process entered its run function; the socket is the function's. */
        void running(FdChannel channel);

        /** The stream ended (or broke) before RUNNING. */
        void ended(FdChannel channel);
    }

    private ReplyReader() {}

    /** Starts reading {@code channel} on a thread of its own. */
    static void start(FdChannel channel, int maxFrame, String who, Replies replies) {
        JforkThreads.io(() -> read(channel, maxFrame, who, replies));
    }

    private static void read(FdChannel ch, int maxFrame, String who, Replies replies) {
        InputStream in = ch.inputStream();
        try {
            while (true) {
                Frame f = Frame.read(in, maxFrame); // replies are small; a huge one is malformed
                if (f == null) {
                    break;
                }
                switch (f.type) {
                    case Protocol.FORKED: {
                        long pid = f.u32(0);
                        int[] fds;
                        try {
                            fds = ch.receiveFds(2);
                        } catch (FdPassing.DescriptorsDroppedException e) {
                            // this program is out of descriptors: the stream is still in step
                            replies.forkUnreachable(f.id, pid, "cannot take over the new process " + pid + ": " + e.getMessage());
                            break;
                        }
                        replies.forked(f.id, pid, fds[0], fds[1]);
                        break;
                    }
                    case Protocol.SPARE: {
                        long pid = f.u32(0);
                        int position = f.u32(4);
                        try {
                            int[] fds = ch.receiveFds(2);
                            replies.spare(f.id, pid, position, fds[0], fds[1]);
                        } catch (FdPassing.DescriptorsDroppedException e) {
                            // out of descriptors: the spare reads end of stream and exits, its exit still comes
                            Log.LOG.log(Level.DEBUG, "spare {0} of process {1} lost: {2}", pid, who, e.getMessage());
                        }
                        break;
                    }
                    case Protocol.RETIRE:
                        replies.retire(f.id);
                        break;
                    case Protocol.EXITED:
                        replies.exited(f.id, f.u32(0));
                        break;
                    case Protocol.FORK_FAILED:
                        replies.forkFailed(f.id, f.utf8(0));
                        break;
                    case Protocol.FAILED:
                        replies.failed(f.utf8(0));
                        break;
                    case Protocol.SPARES:
                        replies.spares(f.u32(0));
                        break;
                    case Protocol.ARCHIVE:
                        replies.archive(f.u32(0) == 1, f.utf8(4));
                        break;
                    case Protocol.RUNNING:
                        replies.running(ch);
                        return;
                    default:
                        throw new MalformedFrameException("unknown reply " + Frame.printable(f.type));
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            Log.LOG.log(Level.DEBUG, "reading replies of process {0} ended: {1}", who, e);
        }
        replies.ended(ch);
    }
}
