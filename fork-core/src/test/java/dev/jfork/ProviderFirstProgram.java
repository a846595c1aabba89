package dev.jfork;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * A fresh program whose first {@code Fork.create()} is served by a {@link TemplateProvider}'s
 * template ({@link ExecTemplateProvider}), although the call starts a JVM of its own before it asks
 * the providers (libc is not bound yet). Prints whether the fork it got is the template's (its
 * function reports the fork's pid, whose parent is the template) and whether, within the
 * deadline, the template is this program's only child (the JVM started before the providers were
 * asked is killed and gone), then closes everything.
 */
public final class ProviderFirstProgram {
    private ProviderFirstProgram() {}

    public static void main(String[] args) throws Exception {
        Fork f = Fork.create();
        ForkChannel ch = TestSupport.await(f.run("dev.jfork.ChildFunctions.describe"));
        String line = TestSupport.readLine(ch);
        long forkPid = f.pid().orElseThrow();
        long templatePid = ExecTemplateProvider.template.pid().orElseThrow();
        long forkParent = ProcessHandle.of(forkPid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L);
        long deadline = System.nanoTime() + TestSupport.DEADLINE.toNanos();
        Set<Long> children;
        while (true) {
            children = ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toSet());
            Optional<ProcessHandle> other = ProcessHandle.current().children().filter(h -> h.pid() != templatePid).findAny();
            if (other.isEmpty()) {
                break;
            }
            try {
                other.get().onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS); // an event, with a deadline
            } catch (TimeoutException e) {
                break;
            }
        }
        System.out.println("ran " + line.startsWith("pid=" + forkPid + " ") + " forked-by-template " + (forkParent == templatePid)
                + " only-child " + children.equals(Set.of(templatePid)));
        ch.close();
        TestSupport.exitOf(f);
        ExecTemplateProvider.template.close();
        TestSupport.exitOf(ExecTemplateProvider.template);
    }
}
