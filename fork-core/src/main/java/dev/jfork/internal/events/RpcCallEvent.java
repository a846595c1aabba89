package dev.jfork.internal.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** One RPC call (fork-rpc): from {@code call()} until its result, failure or cancellation. */
@Name("dev.jfork.RpcCall")
@Label("jfork RPC call")
@Category("jfork")
@StackTrace(false) // one event per call: a stack trace with each would make a recording cost far more than the calls
@Description("An RPC call to a worker process, from call() until its result")
final class RpcCallEvent extends jdk.jfr.Event {
    @Label("Worker process id")
    @Description("-1 while it is not known")
    long workerPid;

    @Label("Function")
    String function;

    @Label("Outcome")
    @Description("ok, failed (the function threw), error (the call could not be made or answered), cancelled")
    String outcome;
}
