package dev.jfork;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs a main class as a user would: {@code java -cp <this suite's class path> Main}, with only the
 * options a test names (none of the {@code --add-opens} this suite's own JVM has), on this JDK or
 * another one. For the "no JVM flags" and "no warnings" claims, which only a separate JVM can check.
 */
public final class PlainJvm {
    private PlainJvm() {}

    /** What the program printed and how it ended. */
    public record Result(int exitCode, String stdout, String stderr) {
        /** Lines of stdout and stderr that contain "WARNING". */
        public List<String> warnings() {
            return (stdout + "\n" + stderr).lines().filter(l -> l.contains("WARNING")).collect(Collectors.toList());
        }

        public List<String> stdoutLines() {
            return stdout.lines().collect(Collectors.toList());
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
        }
    }

    /** This test JVM's own JDK. */
    public static Path thisJdk() {
        return Paths.get(System.getProperty("java.home"));
    }

    /**
     * A JDK 25 where this machine has one ({@code JFORK_JDK25}, else the places {@code .ci/run}
     * looks), for the JDK 25 paths; empty if there is none (a machine with only the JDK 17 of the
     * README), and those tests are skipped.
     */
    public static Optional<Path> jdk25() {
        List<String> candidates = new ArrayList<>();
        String env = System.getenv("JFORK_JDK25");
        if (env != null && !env.isEmpty()) {
            candidates.add(env);
        }
        candidates.add("/usr/lib/jvm/temurin-25-jdk-amd64");
        candidates.add("/usr/lib/jvm/java-25-openjdk-amd64");
        for (String c : candidates) {
            if (Files.isExecutable(Paths.get(c, "bin", "java"))) {
                return Optional.of(Paths.get(c));
            }
        }
        return Optional.empty();
    }

    /** Runs {@code mainClass} on {@code jdk} with exactly {@code options}, feeding it {@code stdin}. */
    public static Result run(Path jdk, List<String> options, String mainClass, String stdin, String... programArgs)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(jdk.resolve("bin").resolve("java").toString());
        cmd.addAll(options);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(List.of(programArgs));
        File out = File.createTempFile("jfork-plain", ".out");
        File err = File.createTempFile("jfork-plain", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out).redirectError(err);
            pb.environment().remove("JAVA_TOOL_OPTIONS"); // a plain JVM: nothing slipped in
            pb.environment().remove("JDK_JAVA_OPTIONS");
            Process p = pb.start();
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            boolean ended = p.waitFor(TestSupport.DEADLINE.toSeconds() * 2, TimeUnit.SECONDS);
            if (!ended) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor();
            }
            Result r = new Result(ended ? p.exitValue() : -1, Files.readString(out.toPath()), Files.readString(err.toPath()));
            if (!ended) {
                throw new AssertionError("the program did not end in time: " + cmd + "\n" + r);
            }
            return r;
        } finally {
            out.delete();
            err.delete();
        }
    }
}
