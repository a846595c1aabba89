package dev.jfork.internal.os;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * This JVM's options as the {@code java} launcher passed them on (what
 * {@code RuntimeMXBean.getInputArguments()} reports), read from the process's own command line
 * ({@code /proc/self/cmdline}) instead of through JMX: JMX costs a cold program 15-35 ms, on the
 * path of its first {@code Fork.create()}.
 *
 * <p>Only a command line whose meaning is certain is read: the standard launcher, no option
 * files ({@code @file}, {@code -XX:VMOptionsFile}, {@code -XX:Flags}), none of the environment
 * variables that add options ({@code JDK_JAVA_OPTIONS}, {@code JAVA_TOOL_OPTIONS},
 * {@code _JAVA_OPTIONS}), and the arguments after the options must be exactly the
 * {@code sun.java.command} the launcher recorded, and every option one the launcher and the JVM
 * pass on unchanged (see {@link #PASSED_ON}). Anything else answers null, and the caller asks JMX.
 * The launcher's own options ({@code -cp} and the other class path forms) are left out as it
 * leaves them out; an option given as two arguments ({@code --add-opens X}) is joined with
 * {@code =}, as the launcher passes it on.
 */
public final class LauncherArguments {
    private LauncherArguments() {}

    /** The launcher's options that take the next argument as their value and are not passed to the JVM. */
    private static final List<String> LAUNCHER_WITH_VALUE = List.of("-cp", "-classpath", "--class-path");
    /** Options the launcher passes to the JVM as {@code name=value} when given as two arguments. */
    private static final List<String> JVM_WITH_VALUE = List.of("--module-path", "-p", "--upgrade-module-path", "--add-modules",
            "--enable-native-access", "--limit-modules", "--add-exports", "--add-opens", "--add-reads", "--patch-module");
    /**
     * The options, as one argument, that the launcher and the JVM pass on unchanged (prefixes):
     * any other (an old spelling the launcher rewrites, such as {@code -verbosegc}, or one it acts
     * on itself, such as {@code -showversion}) makes the command line not read here.
     */
    private static final List<String> PASSED_ON = List.of("-D", "-XX:", "-Xmx", "-Xms", "-Xmn", "-Xss", "-Xlog", "-Xshare:", "-Xint",
            "-Xmixed", "-Xcomp", "-Xbatch", "-Xrs", "-Xcheck:", "-Xbootclasspath/a:", "-verbose:", "-ea", "-da", "-esa", "-dsa",
            "-enableassertions", "-disableassertions", "-enablesystemassertions", "-disablesystemassertions", "-agentlib:",
            "-agentpath:", "-javaagent:", "--add-opens=", "--add-exports=", "--add-reads=", "--add-modules=",
            "--enable-native-access=", "--enable-preview", "--limit-modules=", "--patch-module=", "--module-path=",
            "--upgrade-module-path=", "--sun-misc-unsafe-memory-access=");
    /** System properties the JVM leaves out of its input arguments (prefixes): the launcher's own. */
    private static final List<String> HIDDEN = List.of("-Dsun.java.command", "-Dsun.java.launcher", "-Djava.class.path");

    /** This JVM's input arguments, or null when its command line cannot be read with certainty. */
    public static List<String> ofThisJvm() {
        try {
            for (String variable : new String[] {"JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS"}) {
                String value = System.getenv(variable);
                if (value != null && !value.isEmpty()) {
                    return null;
                }
            }
            if (!"SUN_STANDARD".equals(System.getProperty("sun.java.launcher"))) {
                return null;
            }
            byte[] raw;
            try (FileInputStream in = new FileInputStream("/proc/self/cmdline")) {
                raw = in.readAllBytes();
            }
            return parse(split(raw, charset()), System.getProperty("sun.java.command"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The JVM options of a {@code java} command line ({@code argv[0]} first), or null if it is not
     * one whose arguments after the options are {@code command} (the launcher's
     * {@code sun.java.command}).
     */
    static List<String> parse(List<String> argv, String command) {
        List<String> options = new ArrayList<>();
        int i = 1;
        String main = null;
        while (i < argv.size()) {
            String a = argv.get(i);
            if (a.equals("-jar")) {
                if (i + 1 >= argv.size()) {
                    return null;
                }
                i++; // the jar is where sun.java.command starts
                main = argv.get(i);
                break;
            }
            if (!a.startsWith("-")) {
                main = a;
                break;
            }
            if (a.startsWith("-XX:VMOptionsFile") || a.startsWith("-XX:Flags")) {
                return null; // options read from elsewhere
            }
            if (LAUNCHER_WITH_VALUE.contains(a)) {
                i += 2;
                continue;
            }
            if (JVM_WITH_VALUE.contains(a)) {
                if (i + 1 >= argv.size()) {
                    return null;
                }
                options.add(("-p".equals(a) ? "--module-path" : a) + "=" + argv.get(i + 1)); // -p is passed on by its long name
                i += 2;
                continue;
            }
            if (a.startsWith("--class-path=")) {
                i++;
                continue;
            }
            if (!passedOn(a)) {
                return null; // rewritten, dropped or acted on by the launcher (-m: a module's main; --source: a source file)
            }
            options.add(a);
            i++;
        }
        if (main == null || command == null) {
            return null;
        }
        for (String a : argv.subList(1, i)) {
            if (a.startsWith("@")) {
                return null; // the launcher read options from this file
            }
        }
        String rest = String.join(" ", argv.subList(i, argv.size()));
        return rest.equals(command) ? options : null;
    }

    private static boolean passedOn(String option) {
        for (String hidden : HIDDEN) {
            if (option.startsWith(hidden)) {
                return false;
            }
        }
        for (String prefix : PASSED_ON) {
            if (option.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> split(byte[] raw, Charset charset) {
        List<String> argv = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                argv.add(new String(raw, start, i - start, charset));
                start = i + 1;
            }
        }
        if (start < raw.length) {
            argv.add(new String(raw, start, raw.length - start, charset));
        }
        return argv;
    }

    /** The charset the launcher's arguments were decoded with. */
    private static Charset charset() {
        try {
            String name = System.getProperty("sun.jnu.encoding");
            return name == null ? StandardCharsets.UTF_8 : Charset.forName(name);
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }
}
