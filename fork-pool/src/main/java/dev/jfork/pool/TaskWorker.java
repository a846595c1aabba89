package dev.jfork.pool;

import java.io.ByteArrayInputStream;
import java.io.ObjectInputStream;
import java.util.concurrent.Callable;

import dev.jfork.rpc.internal.ErrorReport;

/**
 * The worker's side of {@link ForkExecutor}: the pool function its workers run. Deserializes a
 * task, runs it, and answers with its outcome: {@code [true, serialized result]} or
 * {@code [false, serialized exception or null, error report]} (the report lets the parent describe
 * an exception it may not, or cannot, deserialize). Public only because fork-rpc calls it by name:
 * not for direct use.
 */
public final class TaskWorker {
    private TaskWorker() {}

    /** The most bytes an error report may take in the outcome (it travels in one frame with the rest). */
    private static final int REPORT_LIMIT = 1 << 20;

    /**
     * The pool function: deserializes the task, runs it in this worker and returns its outcome.
     *
     * @param args the job's arguments: the task, serialized, as its only one
     * @return {@code [true, serialized result]}, or {@code [false, serialized exception or null,
     *         error report]} if the task threw
     * @throws Exception if the task cannot be deserialized (what the task itself throws is part of
     *                   the outcome instead)
     */
    public static Object run(Object... args) throws Exception {
        Object task;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream((byte[]) args[0]))) {
            task = in.readObject();
        }
        try {
            Object result;
            if (task instanceof Callable) {
                result = ((Callable<?>) task).call();
            } else {
                ((Runnable) task).run();
                result = null;
            }
            return new Object[] {Boolean.TRUE, TaskCodec.serialize(result, "the task's result")};
        } catch (Throwable e) {
            byte[] thrown;
            try {
                thrown = TaskCodec.serialize(e, "the task's exception");
            } catch (RuntimeException notSerializable) {
                thrown = null; // the parent gets the report only
            }
            return new Object[] {Boolean.FALSE, thrown, ErrorReport.encode(null, e, REPORT_LIMIT)};
        }
    }
}
