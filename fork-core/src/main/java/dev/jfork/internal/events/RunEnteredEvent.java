package dev.jfork.internal.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** From {@code run(function)} until the process said it entered the function (or failed before). */
@Name("dev.jfork.RunEntered")
@Label("jfork Run entered")
@Category("jfork")
@Description("From run() until the process entered its function")
final class RunEnteredEvent extends jdk.jfr.Event {
    @Label("Process id")
    long pid;

    @Label("Function")
    String function;

    @Label("Entered")
    @Description("false if the process failed or ended before entering it")
    boolean entered;
}
