/**
 * JDK Flight Recorder events of fork-core (spawns, hand-overs, run functions entered), written
 * only while a recording has them enabled; see {@link dev.jfork.internal.events.JforkEvents}.
 */
package dev.jfork.internal.events;
