package dev.jfork.early;

import dev.jfork.Fork;
import dev.jfork.ForkChannel;
import dev.jfork.TestSupport;

/**
 * Started by a test with {@code -javaagent:<fork-early manifest jar>} and no call to
 * ForkEarly.start(): prints "early=PID parent=PPID" for a process from Fork.exec().
 */
public final class AgentProgram {
    private AgentProgram() {}

    public static void main(String[] args) throws Exception {
        Fork f = Fork.exec();
        ForkChannel ch = f.run("dev.jfork.early.EarlyChild.report").get();
        String[] pidParent = TestSupport.readLine(ch).split(" ");
        System.out.println("early=" + ForkEarly.template().pid().orElseThrow() + " parent=" + pidParent[1]);
        ch.close();
        f.onExit().get();
        ForkEarly.template().close();
        ForkEarly.template().onExit().get();
    }
}
