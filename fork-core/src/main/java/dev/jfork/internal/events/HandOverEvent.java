package dev.jfork.internal.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * A fork reaching this program: from the {@code fork()} (or {@code create()}) call until its
 * control socket is here, so that commands go straight to it. A spare hit takes about a
 * millisecond; a miss costs a JVM start.
 */
@Name("dev.jfork.HandOver")
@Label("jfork Hand-over")
@Category("jfork")
@Description("From fork() or create() until the new process's socket reached this program")
final class HandOverEvent extends jdk.jfr.Event {
    @Label("Template process id")
    @Description("0 for a create() served by a fresh JVM")
    long templatePid;

    @Label("Process id")
    long pid;

    @Label("Source")
    @Description("parked spare (ready in this program), template (asked for one), or fresh JVM (started by this program)")
    String source;

    @Label("Spare hit")
    @Description("Whether a spare started ahead of time was ready in this program")
    boolean spareHit;
}
