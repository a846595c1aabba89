/** AnyEvent::Fork::Template for the JVM: {@link dev.jfork.template.ForkTemplate}. */
package dev.jfork.template;
