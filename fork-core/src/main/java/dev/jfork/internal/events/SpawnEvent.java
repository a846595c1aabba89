package dev.jfork.internal.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A JVM this program started itself ({@code posix_spawn}): how long the call took, and what it started. */
@Name("dev.jfork.Spawn")
@Label("jfork Spawn")
@Category("jfork")
@Description("A JVM started by this program: Fork.exec(), a template, or create() when no spare was ready")
final class SpawnEvent extends jdk.jfr.Event {
    @Label("Process id")
    long pid;

    @Label("Role")
    @Description("child, or template (a process started to be forked from)")
    String role;

    @Label("Java")
    String java;
}
