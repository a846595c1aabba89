package dev.jfork.template;

import dev.jfork.Fork;
import dev.jfork.ForkChannel;
import dev.jfork.TestSupport;

/** Run with -javaagent:<fork-template manifest jar> and without --add-opens java.base/java.lang. */
public final class AgentTemplateProgram {
    private AgentTemplateProgram() {}

    public static void main(String[] args) throws Exception {
        Class.forName(FirstMarker.class.getName());
        Class.forName(SecondMarker.class.getName());
        Fork template = ForkTemplate.capture();
        Fork worker = template.fork().sendArg("agent");
        ForkChannel ch = worker.run("dev.jfork.template.Markers.report").get();
        System.out.println(TestSupport.readLine(ch));
        ch.close();
        worker.onExit().get();
        template.close();
        template.onExit().get();
    }
}
