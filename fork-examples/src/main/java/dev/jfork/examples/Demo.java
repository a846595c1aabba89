package dev.jfork.examples;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.List;

import dev.jfork.ForkExit;


/**
 * Runs every example end to end, in order, with a heading each: the README's
 * {@code mvn -B -q -DskipTests -Pdemo install}. It first prints the JVM flags it runs with: none
 * (on JDK 22+ only {@code --enable-native-access=ALL-UNNAMED}, which keeps the JDK from warning
 * about jfork's native calls). Exits with 0 if all of them got what they
 * expected, 1 otherwise. At the end the shared default template is closed, so no jfork process is
 * left running.
 */
public final class Demo {
    private Demo() {}

    private record Step(String title, Examples.Example example) {}

    private static final List<Step> STEPS = List.of(
            new Step("SingleWorker: one process, one worker function, one socket", SingleWorker::demo),
            new Step("PreforkedServer: 10 workers accepting on one TCP listener", PreforkedServer::demo),
            new Step("FasterForkExec: jfork as a faster fork+exec, stdout to a file, stderr to the socket",
                    FasterForkExec::demo),
            new Step("TemplateWorkers: a template prepared once, 10 workers forked from it", TemplateWorkers::demo),
            new Step("JobQueues: an RPC worker, a pool of two, an ExecutorService of processes", JobQueues::demo),
            new Step("StandaloneProgram: early template first, the program itself as template, 10 workers",
                    StandaloneProgram::demo));

    /**
     * Runs every example, prints the summary and exits with 0 if all passed, 1 otherwise.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        PrintStream out = System.out;
        List<String> flags = ManagementFactory.getRuntimeMXBean().getInputArguments();
        out.println("java " + Runtime.version() + ", JVM flags: " + (flags.isEmpty() ? "none" : String.join(" ", flags)));
        int failed = 0;
        for (int i = 0; i < STEPS.size(); i++) {
            Step step = STEPS.get(i);
            out.println();
            out.println("== " + (i + 1) + ". " + step.title());
            long start = System.nanoTime();
            try {
                step.example().demo(out);
                out.printf("-- ok (%d ms)%n", (System.nanoTime() - start) / 1_000_000);
            } catch (Throwable t) {
                failed++;
                out.println("-- FAILED: " + t);
                t.printStackTrace();
            }
            out.flush();
        }
        out.println();
        try {
            ForkExit exit = Examples.closeDefaultTemplate();
            out.println("closed the default template: " + exit);
        } catch (RuntimeException e) {
            failed++;
            out.println("closing the default template FAILED: " + e);
            e.printStackTrace();
        }
        out.println(failed == 0 ? "all " + STEPS.size() + " examples passed"
                : failed + " of " + STEPS.size() + " examples FAILED");
        out.flush();
        System.exit(failed == 0 ? 0 : 1);
    }
}
