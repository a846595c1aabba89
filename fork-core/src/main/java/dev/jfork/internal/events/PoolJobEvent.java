package dev.jfork.internal.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** One job of a pool (fork-pool): from {@code call()} until its result, split into queue wait and run time. */
@Name("dev.jfork.PoolJob")
@Label("jfork Pool job")
@Category("jfork")
@StackTrace(false) // one event per call: a stack trace with each would make a recording cost far more than the calls
@Description("A pool job, from call() until its result: the time it waited for a worker, then its run")
final class PoolJobEvent extends jdk.jfr.Event {
    @Label("Queue wait")
    @Description("From call() until the job was sent to a worker; for a job never sent, until its end")
    @Timespan(Timespan.NANOSECONDS)
    long queueWait;

    @Label("Run time")
    @Description("From sending the job to a worker until its result; 0 for a job never sent")
    @Timespan(Timespan.NANOSECONDS)
    long runTime;

    @Label("Worker process id")
    @Description("-1 for a job that never reached a worker")
    long workerPid;

    @Label("Function")
    String function;

    /** System.nanoTime of the call and of the send (0: not sent); not recorded. */
    transient long began;
    transient long sent;

    @Label("Outcome")
    @Description("ok, failed (the function threw), error, timeout, cancelled")
    String outcome;
}
