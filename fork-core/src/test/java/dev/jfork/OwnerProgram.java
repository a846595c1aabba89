package dev.jfork;


/**
 * A program that owns jfork processes and is then killed by a test: it starts an exec'd child and a
 * fork of the default template (both ignore their channels), prints their pids, and waits.
 */
public final class OwnerProgram {
    private OwnerProgram() {}

    public static void main(String[] args) throws Exception {
        Fork direct = Fork.exec();
        ForkChannel a = direct.run("dev.jfork.ChildFunctions.sleepForever").get();
        Fork forked = Fork.create();
        ForkChannel b = forked.run("dev.jfork.ChildFunctions.sleepForever").get();
        Fork notRun = Fork.create().sendArg("never run");
        TestSupport.readLine(a);
        TestSupport.readLine(b);
        System.out.println("pids " + direct.pid().orElseThrow() + " " + forked.pid().orElseThrow() + " "
                + Fork.defaultTemplate().pid().orElseThrow() + " " + notRun.pid().orElseThrow());
        System.out.flush();
        System.in.read(); // until the test kills us
        a.close();
        b.close();
    }

}
