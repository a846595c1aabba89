/**
 * jfork core: AnyEvent::Fork for the JVM.
 *
 * <p>{@link dev.jfork.Fork} is a process being prepared: get one with {@link dev.jfork.Fork#create()}
 * (a fork of the shared default template), {@link dev.jfork.Fork#exec()} (a fresh JVM) or
 * {@link dev.jfork.Fork#fork()} (a copy of a process you prepared), prepare it with
 * {@code require}, {@code eval}, {@code sendArg} and {@code sendFd}, then hand it over to a static
 * method with {@link dev.jfork.Fork#run(String)}. The child's side sees a
 * {@link dev.jfork.ForkChannel} and its {@link dev.jfork.ForkArgs}; {@link dev.jfork.JvmSpec} says
 * how fresh JVMs are started; failures arrive as {@link dev.jfork.ForkException}, ends as
 * {@link dev.jfork.ForkExit}.
 *
 * <p>Linux only. Everything in {@code dev.jfork.internal} is implementation.
 */
package dev.jfork;
