package dev.jfork;

import java.util.ArrayList;
import java.util.List;

/**
 * Run by {@link FdExhaustionTest} under a low {@code ulimit -n}: creates forks (each holds two of
 * this program's descriptors) until one cannot be taken over, prints what it learned, frees the
 * descriptors and creates again. Output lines: {@code template PID}, {@code held N},
 * {@code failure MESSAGE-LINE...}, {@code template-after PID}, {@code after LINE}, {@code done}.
 */
public final class FdExhaustionProgram {
    private FdExhaustionProgram() {}

    public static void main(String[] args) throws Exception {
        long template = Fork.defaultTemplate().pid().orElseThrow();
        System.out.println("template " + template);
        List<Fork> held = new ArrayList<>();
        Throwable failure = null;
        for (int i = 0; i < 1000 && failure == null; i++) {
            Fork f;
            try {
                f = Fork.create();
            } catch (RuntimeException e) {
                failure = e; // cannot even ask (a template had to be started, say)
                break;
            }
            f.pid(); // until the template has handed it over (or that failed)
            if (f.isAlive()) {
                held.add(f);
            } else {
                try {
                    f.run("dev.jfork.ChildFunctions.describe").get();
                    throw new AssertionError("a fork that is not alive ran");
                } catch (java.util.concurrent.ExecutionException e) {
                    failure = e.getCause();
                }
            }
        }
        System.out.println("held " + held.size());
        System.out.println("failure " + (failure == null ? "none" : failure.toString().replace('\n', '|')));
        for (Fork f : held) {
            f.close();
        }
        for (Fork f : held) {
            f.onExit().get();
            f.stderrTail().get(); // its stderr pipe, too, is closed once this completes
        }
        System.out.println("template-after " + Fork.defaultTemplate().pid().orElse(-1));
        ForkChannel ch = Fork.create().run("dev.jfork.ChildFunctions.describe").get();
        System.out.println("after " + TestSupport.readLine(ch));
        ch.close();
        System.out.println("done");
    }
}
