package dev.jfork.internal.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program's JVM options read from its own command line must be what JMX reports (children copy
 * them), and every command line this cannot be sure of must be left to JMX.
 */
class LauncherArgumentsTest {
    @TempDir
    Path dir;

    /** Run in a JVM started by the tests: prints "same", or both lists when they differ or the command line was not read. */
    public static void main(String[] args) {
        List<String> jmx = ManagementFactory.getRuntimeMXBean().getInputArguments();
        List<String> read = LauncherArguments.ofThisJvm();
        System.out.println(jmx.equals(read) ? "same" : read == null ? "unread" : "differs: jmx " + jmx + " read " + read);
    }

    private static List<String> argv(String... a) {
        return Arrays.asList(a);
    }

    @Test
    void optionsUpToTheMainClassWithTwoArgumentFormsJoinedAsTheLauncherPassesThemOn() {
        assertEquals(List.of("-Da=1", "--add-opens=java.base/java.lang=ALL-UNNAMED", "--module-path=/m", "-Xmx64m"),
                LauncherArguments.parse(argv("java", "-Da=1", "--add-opens", "java.base/java.lang=ALL-UNNAMED", "-cp", "x.jar",
                        "-p", "/m", "-Xmx64m", "Main", "a", "@b"), "Main a @b"));
        assertEquals(List.of("-ea"), LauncherArguments.parse(argv("java", "-ea", "-jar", "app.jar", "x"), "app.jar x"));
        assertEquals(List.of(), LauncherArguments.parse(argv("java", "--class-path=a:b", "Main"), "Main"));
    }

    @Test
    void commandLinesItCannotBeSureOfAreLeftToJmx() {
        assertNull(LauncherArguments.parse(argv("java", "@opts", "Main"), "Main"), "an option file");
        assertNull(LauncherArguments.parse(argv("java", "-cp", "@cp", "Main"), "Main"), "an option file as a value");
        assertNull(LauncherArguments.parse(argv("java", "-XX:VMOptionsFile=f", "Main"), "Main"), "a VM options file");
        assertNull(LauncherArguments.parse(argv("java", "--source", "17", "Main.java"), "Main.java"), "source mode");
        assertNull(LauncherArguments.parse(argv("java", "-Da", "Main", "x"), "Other x"), "not the recorded command");
        assertNull(LauncherArguments.parse(argv("java", "-Da", "Main", "x", "y"), "Main x"), "arguments the launcher did not record");
        assertNull(LauncherArguments.parse(argv("/opt/app/bin/app", "x"), "Main x"), "a launcher that adds its own options");
        assertNull(LauncherArguments.parse(argv("java", "-Da"), null), "no main class");
        assertNull(LauncherArguments.parse(argv("java", "--add-opens"), "x"), "an option without its value");
        assertNull(LauncherArguments.parse(argv("java", "-m", "mod/p.Main"), "mod/p.Main"), "a module's main: JMX has -Djdk.module.main");
        assertNull(LauncherArguments.parse(argv("java", "-verbosegc", "Main"), "Main"), "an old spelling the launcher rewrites");
        assertNull(LauncherArguments.parse(argv("java", "-showversion", "Main"), "Main"), "an option the launcher acts on itself");
        assertNull(LauncherArguments.parse(argv("java", "-Dsun.java.launcher.diag=true", "Main"), "Main"), "a property the JVM hides");
    }

    @Test
    void realCommandLinesReadAsJmxReportsThem() throws Exception {
        String cp = System.getProperty("java.class.path");
        Files.write(dir.resolve("opts"), List.of("-Dfrom.file=1"));
        List<List<String>> lines = List.of(
                List.of("-cp", cp),
                List.of("-Da=1", "-ea", "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-modules", "jdk.jfr",
                        "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "-Xmx100m", "-D" + "b=x y", "-cp", cp),
                List.of("--class-path=" + cp, "-XX:+UseSerialGC", "-esa", "-da:foo...", "--add-reads", "java.base=ALL-UNNAMED"),
                List.of("-Xmx64m", "-Xss1m", "-Xlog:disable", "-Xshare:auto", "-Xbootclasspath/a:" + dir, "-cp", cp),
                List.of("-p", Files.createDirectory(dir.resolve("modules")).toString(), "--add-modules", "java.sql", "-classpath", cp));
        for (List<String> options : lines) {
            assertEquals("same", run(options, Map.of(), "p q", "@r"), "options " + options);
        }
        // options from elsewhere (a file, the environment): not read here, JMX has them
        assertEquals("unread", run(List.of("@" + dir.resolve("opts"), "-cp", cp), Map.of()));
        assertEquals("unread", run(List.of("-cp", cp), Map.of("JDK_JAVA_OPTIONS", "-Dj=1")));
        // options the launcher or the JVM rewrite or hide: JMX has them otherwise
        assertEquals("unread", run(List.of("-verbosegc", "-Djava.class.pathology=1", "-cp", cp), Map.of()));
    }

    /** Runs main() above with the given JVM options and program arguments; its one line of output. */
    private static String run(List<String> options, Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(options);
        cmd.add(LauncherArgumentsTest.class.getName());
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        for (String v : new String[] {"JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS"}) {
            pb.environment().remove(v);
        }
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the JVM exits");
        assertEquals(0, p.exitValue(), out);
        String[] lines = out.split("\n");
        return lines[lines.length - 1]; // after the launcher's "Picked up ..." notes
    }
}
