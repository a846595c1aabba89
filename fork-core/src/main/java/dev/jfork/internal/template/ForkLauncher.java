package dev.jfork.internal.template;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.jfork.internal.os.FdChannel;
import dev.jfork.internal.os.Native;
import dev.jfork.internal.os.Spawner;
import dev.jfork.internal.wire.ArchiveOptions;
import dev.jfork.internal.wire.LaunchLine;
import dev.jfork.internal.wire.Protocol;

/**
 * Starts a template's forks: a JVM with the template's own command line (its {@code java} and
 * JVM options, read from {@code /proc/self/cmdline}; its archive options replaced by the forks'
 * class-data archive once there is one), the template's environment, and the descriptor layout
 * of {@code docs/PROTOCOL.md}: 0 = a new socketpair (the template keeps the other end), 2 = a new
 * stderr pipe (the template keeps the read end), 3 = the owner's lifeline (from wherever this process
 * has it: a process that connected back holds it at 0), 5... = the template's
 * descriptor arguments.
 */
final class ForkLauncher {
    private final LaunchLine forkLine;
    /** This process's own lifeline descriptor (-1 if it has none), passed on to every fork at {@link Protocol#FD_LIFELINE}. */
    private final int lifeline;
    /** {@code java} and the JVM options, without the main class and its arguments. */
    private final List<String> jvmCommand;
    private final List<String> environment;
    /** JVM options that make forks boot from the class-data archive, once it is ready. */
    private volatile List<String> archiveOptions = List.of();

    ForkLauncher(LaunchLine templateLine) throws IOException {
        this.forkLine = templateLine.forForks();
        this.lifeline = templateLine.lifelineFd();
        this.jvmCommand = ownJvmCommand();
        List<String> env = new ArrayList<>();
        for (Map.Entry<String, String> e : System.getenv().entrySet()) {
            env.add(e.getKey() + "=" + e.getValue());
        }
        this.environment = env;
    }

    /** This JVM's own {@code java} and options (not its archive options): a fork runs with the same JVM setup. */
    private static List<String> ownJvmCommand() throws IOException {
        byte[] raw = Files.readAllBytes(Paths.get("/proc/self/cmdline"));
        List<String> argv = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                argv.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        int main = argv.indexOf(LaunchLine.MAIN_CLASS);
        if (main < 0) {
            throw new IOException("cannot find " + LaunchLine.MAIN_CLASS + " in this process's command line " + argv);
        }
        List<String> command = ArchiveOptions.without(argv.subList(0, main));
        // argv[0] may be relative to the directory the JVM started in; spawn needs a path
        command.set(0, ProcessHandle.current().info().command().orElse(command.get(0)));
        return command;
    }

    /** {@code java} and the JVM options of this template, without archive options (for the archive's own JVMs). */
    List<String> jvmCommand() {
        return new ArrayList<>(jvmCommand);
    }

    List<String> environment() {
        return environment;
    }

    /** From now on forks boot with these options (the class-data archive). */
    void useArchive(List<String> options) {
        archiveOptions = List.copyOf(options);
    }

    /** Spawns a fork that has been sent nothing yet; {@code descriptors} are the template's descriptor arguments. */
    Spare launch(int[] descriptors) throws IOException {
        int[] socket = Native.socketPair();
        int[] err = null;
        try {
            err = Native.pipe();
            int[] map = new int[Protocol.FD_FIRST_INHERITED_ARG + descriptors.length];
            map[Protocol.FD_CONTROL] = socket[1];
            map[Protocol.FD_STDOUT] = Protocol.FD_STDOUT;
            map[Protocol.FD_STDERR] = err[1];
            map[Protocol.FD_LIFELINE] = lifeline;
            map[Protocol.FD_LIFELINE + 1] = -1;
            System.arraycopy(descriptors, 0, map, Protocol.FD_FIRST_INHERITED_ARG, descriptors.length);
            List<String> argv = new ArrayList<>(jvmCommand);
            argv.addAll(1, archiveOptions);
            argv.addAll(forkLine.mainAndArgs());
            int pid = Spawner.spawn(argv, environment, null, map);
            Spare s = new Spare(pid, new FdChannel(socket[0]), err[0], descriptors.length);
            socket[0] = -1;
            err[0] = -1;
            return s;
        } finally {
            Native.closeQuietly(socket[0]);
            Native.closeQuietly(socket[1]);
            if (err != null) {
                Native.closeQuietly(err[0]);
                Native.closeQuietly(err[1]);
            }
        }
    }
}
