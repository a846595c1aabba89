package dev.jfork.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import jnr.constants.platform.Fcntl;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

import dev.jfork.Fork;
import dev.jfork.ForkArgs;
import dev.jfork.ForkChannel;
import dev.jfork.ForkExit;

/**
 * Use jfork as a faster fork+exec.
 *
 * <p>This runs {@code /bin/echo hi}, with standard output redirected to a file and standard error
 * redirected to the communication socket. It lets you prepare the environment of the new program
 * exactly, which {@link ProcessBuilder} does not: any descriptor can become its stdout, its stderr
 * can be a socket, and it inherits nothing else you did not send.
 *
 * <p>In Perl this is faster than fork+exec because a small template is forked instead of the big
 * program. On the JVM the gain is control, not speed: the fork is a fresh JVM that then replaces
 * itself with the program, so it costs a JVM start more than {@link ProcessBuilder#start()}.
 *
 * <pre>{@code
 * Fork fork = Fork.create()
 *         .sendFd(log, WRITE, CREATE, TRUNCATE_EXISTING) // argument 0: the file, opened for the child
 *         .sendArg("/bin/echo", "hi");                   // arguments 1..: the command
 * ForkChannel channel = fork.run(FasterForkExec::execWithRedirects).get();
 * String stderr = new String(channel.inputStream().readAllBytes());   // until the program exits
 * }</pre>
 *
 * <p>The helper function runs in the new process: it {@code dup2}s the file onto descriptor 1 and
 * its end of the channel onto descriptors 0 and 2 (the channel is already descriptor 0 in most
 * children), marks every
 * other descriptor close-on-exec, then replaces the JVM with the command by {@code execv}. The
 * program starts with descriptors 0 (the channel), 1 (the file) and 2 (the channel) only. The
 * process stays the same (same pid, still reaped by its template), so {@link Fork#onExit()} reports
 * the program's own exit status, and the parent reads the program's stderr from the channel until
 * end of stream, that is until the program has exited. The system calls use jnr-posix, which jfork
 * already depends on.
 *
 * <p>Perl: {@code AnyEvent::Fork->new->eval('sub run { my ($fh, $output, @cmd) = @_; open STDOUT,
 * ">&", $output; open STDERR, ">&", $fh; exec @cmd }')->send_fh($output)->send_arg("/bin/echo",
 * "hi")->run("run", my $cv = AE::cv);}
 */
public final class FasterForkExec {
    private FasterForkExec() {}

    private static final int FD_CLOEXEC = 1;

    /** What the program wrote to its stdout (the file) and stderr (the socket), and how it ended. */
    public record Result(long pid, String stdout, String stderr, ForkExit exit) {}

    /**
     * Runs {@code command} (an absolute path and its arguments) with stdout to a temporary file and stderr to us.
     *
     * @param command the program's absolute path, then its arguments
     * @return the program's pid, what it wrote to stdout and stderr, and its exit status
     * @throws IOException if the temporary file cannot be created or read, or reading the channel fails
     */
    public static Result exec(List<String> command) throws IOException {
        Path log = Files.createTempFile("jfork-exec-", ".log");
        try {
            Fork fork = Fork.create()
                    .sendFd(log, StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING)
                    .sendArg(command.toArray(new String[0]));
            ForkChannel channel = Await.get(fork.run(FasterForkExec::execWithRedirects), "start");
            String stderr;
            try (channel) {
                stderr = new String(channel.inputStream().readAllBytes(), StandardCharsets.UTF_8);
            }
            ForkExit exit = Await.get(fork.onExit(), "exit of " + command.get(0));
            return new Result(fork.pid().orElse(-1), Files.readString(log), stderr, exit);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /**
     * The helper, run in the new process: argument 0 is the output file, the rest is the command.
     * Does not return unless {@code execv} fails; then it throws, the message goes to the redirected
     * stderr (the parent's channel) and the process exits with status 70.
     *
     * @param parent this process's end of the channel; it becomes the program's stderr
     * @param args   argument 0 the output file's descriptor (it becomes the program's stdout),
     *               arguments 1.. the program's absolute path and its arguments
     * @throws IllegalStateException if {@code dup2} or {@code execv} fails
     */
    public static void execWithRedirects(ForkChannel parent, ForkArgs args) {
        String[] command = new String[args.size() - 1];
        for (int i = 1; i < args.size(); i++) {
            command[i - 1] = args.string(i);
        }
        POSIX posix = POSIXFactory.getNativePOSIX();
        if (posix.dup2(args.fd(0).intValue(), 1) < 0) {
            throw new IllegalStateException("dup2(output, 1) failed: errno " + posix.errno());
        }
        System.err.flush();
        // the channel is descriptor 0 in most children, but not in a program's first (it connected back)
        for (int target : new int[] {0, 2}) {
            if (parent.fd() != target && posix.dup2(parent.fd(), target) < 0) {
                throw new IllegalStateException("dup2(channel, " + target + ") failed: errno " + posix.errno());
            }
        }
        closeOnExecAbove2(posix);
        posix.execv(command[0], command);
        throw new IllegalStateException("execv " + String.join(" ", command) + " failed: errno " + posix.errno());
    }

    /**
     * Marks every descriptor above 2 close-on-exec, so that the program gets its three standard
     * descriptors and nothing else: the JDK opens its jar files, and jfork its lifeline pipe,
     * without close-on-exec, and a program should not inherit those (Perl's {@code exec} does the
     * same for everything above {@code $^F}).
     */
    private static void closeOnExecAbove2(POSIX posix) {
        List<Integer> open = new ArrayList<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Paths.get("/proc/self/fd"))) {
            for (Path fd : fds) {
                open.add(Integer.parseInt(fd.getFileName().toString()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list /proc/self/fd", e);
        }
        for (int fd : open) {
            if (fd > 2) {
                posix.fcntlInt(fd, Fcntl.F_SETFD, FD_CLOEXEC); // fails harmlessly for the closed directory's fd
            }
        }
    }

    /**
     * Runs {@code /bin/echo hi} and prints what came back; then a shell command that writes to both
     * streams and exits with 3.
     *
     * @param out where to print what happened
     * @throws IOException           if a program's output cannot be read
     * @throws IllegalStateException if a program did not write or exit as expected
     */
    public static void demo(PrintStream out) throws IOException {
        Result r = exec(List.of("/bin/echo", "hi"));
        out.println("ran /bin/echo hi as pid " + r.pid() + " (a fork of the default template, exec'd): " + r.exit());
        out.println("  stdout (the file)  : " + quote(r.stdout()));
        out.println("  stderr (the socket): " + quote(r.stderr()));
        Examples.check(r.exit().isSuccess(), "echo " + r.exit());
        Examples.check("hi\n".equals(r.stdout()), "unexpected stdout " + quote(r.stdout()));

        List<String> both = List.of("/bin/sh", "-c", "echo to stdout; echo to stderr >&2; exit 3");
        Result s = exec(both);
        out.println("ran " + both + ": " + s.exit());
        out.println("  stdout (the file)  : " + quote(s.stdout()));
        out.println("  stderr (the socket): " + quote(s.stderr()));
        Examples.check(s.exit().exitCode().orElse(-1) == 3, "sh " + s.exit());
        Examples.check("to stdout\n".equals(s.stdout()) && "to stderr\n".equals(s.stderr()), "sh output " + s);
    }

    static String quote(String s) {
        return s.isEmpty() ? "(empty)" : "\"" + s.replace("\n", "\\n") + "\"";
    }

    /**
     * Runs the example on its own and exits with 0 if it got what it expected, 1 otherwise; the
     * shared default template is closed at the end.
     *
     * @param args ignored
     * @throws Exception never: a failure is printed and sets the exit status
     */
    public static void main(String[] args) throws Exception {
        Examples.main(FasterForkExec::demo, true);
    }
}
