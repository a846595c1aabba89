/** AnyEvent::Fork::Early for the JVM: {@link dev.jfork.early.ForkEarly}. */
package dev.jfork.early;
