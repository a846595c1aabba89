package dev.jfork;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** What a test suite may leave behind: nothing. Shared by the first and last test classes. */
public final class LeakCheck {
    private LeakCheck() {}

    /** Sockets and pipes open before the first test (null if the suite did not start with Baseline). */
    public static TreeMap<Integer, String> baseline;

    /** Descriptor number to target, for sockets and pipes only (jar files opened by class loading are fine). */
    public static TreeMap<Integer, String> socketsAndPipes() throws IOException {
        TreeMap<Integer, String> out = new TreeMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Paths.get("/proc/self/fd"))) {
            for (Path p : dir) {
                try {
                    String target = Files.readSymbolicLink(p).toString();
                    if (target.startsWith("socket:") || target.startsWith("pipe:")) {
                        out.put(Integer.parseInt(p.getFileName().toString()), target);
                    }
                } catch (IOException e) {
                    // closed while listing (the directory stream's own descriptor)
                }
            }
        }
        return out;
    }

    /**
     * A process's arguments (after the command), read from /proc/PID/cmdline: ProcessHandle.Info
     * has none for a command line longer than 4 KiB (a long class path), which would hide a leak.
     * Empty if the process ended or cannot be read.
     */
    public static Optional<String[]> arguments(ProcessHandle p) {
        try {
            String all = new String(Files.readAllBytes(Paths.get("/proc", String.valueOf(p.pid()), "cmdline")),
                    java.nio.charset.StandardCharsets.UTF_8);
            if (all.isEmpty()) {
                return Optional.empty(); // a kernel thread or a zombie
            }
            String[] words = all.split("\0");
            return Optional.of(java.util.Arrays.copyOfRange(words, 1, words.length));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** jfork processes owned by this JVM, wherever they are in the process tree. */
    public static List<ProcessHandle> ownedProcesses() {
        String me = String.valueOf(ProcessHandle.current().pid());
        List<ProcessHandle> found = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            Optional<String[]> args = arguments(p);
            if (args.isPresent()) {
                String[] a = args.get();
                for (int i = 0; i + 2 < a.length; i++) {
                    if (a[i].equals("dev.jfork.internal.child.ChildMain") && a[i + 2].equals(me)) {
                        found.add(p);
                    }
                }
            }
        });
        return found;
    }

    /** pid, parent, age and the jfork arguments of a process (its class path is of no interest). */
    public static String describe(ProcessHandle p) {
        String[] args = arguments(p).orElse(new String[0]);
        int main = java.util.Arrays.asList(args).indexOf("dev.jfork.internal.child.ChildMain");
        String tail = main < 0 ? String.join(" ", args) : String.join(" ", java.util.Arrays.copyOfRange(args, main, args.length));
        return p.pid() + " (parent " + p.parent().map(ProcessHandle::pid).orElse(-1L) + ", started "
                + p.info().startInstant().map(Object::toString).orElse("?") + "): " + tail;
    }

    /**
     * What a leaked process is doing: its state, descriptors and Java threads (through jcmd), so a
     * leak found once in CI can be diagnosed from the report alone.
     */
    public static String diagnose(ProcessHandle p) {
        StringBuilder out = new StringBuilder(describe(p)).append('\n');
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/" + p.pid() + "/status"))) {
                if (line.startsWith("State:") || line.startsWith("Threads:")) {
                    out.append("  ").append(line).append('\n');
                }
            }
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(Paths.get("/proc/" + p.pid() + "/fd"))) {
                TreeMap<Integer, String> fds = new TreeMap<>();
                for (Path f : dir) {
                    try {
                        fds.put(Integer.parseInt(f.getFileName().toString()), Files.readSymbolicLink(f).toString());
                    } catch (IOException e) {
                        // closed while listing
                    }
                }
                out.append("  fds: ").append(fds).append('\n');
            }
            Path jcmd = Paths.get(System.getProperty("java.home"), "bin", "jcmd");
            if (Files.isExecutable(jcmd)) {
                Path report = Files.createTempFile("jfork-leak", ".txt");
                Process dump = new ProcessBuilder(jcmd.toString(), String.valueOf(p.pid()), "Thread.print")
                        .redirectErrorStream(true).redirectOutput(report.toFile()).start();
                if (!dump.waitFor(20, TimeUnit.SECONDS)) {
                    dump.destroyForcibly().waitFor();
                }
                byte[] text = Files.readAllBytes(report);
                Files.delete(report);
                out.append(new String(text, java.nio.charset.StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            out.append("  (").append(e).append(")\n");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out.toString();
    }

    /** Waits (with a deadline) for the given processes to end; returns those still alive. */
    public static List<ProcessHandle> awaitEnd(List<ProcessHandle> processes, long seconds) {
        List<ProcessHandle> alive = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (ProcessHandle p : processes) {
            try {
                p.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                if (p.isAlive()) {
                    alive.add(p);
                }
            }
        }
        return alive;
    }
}
