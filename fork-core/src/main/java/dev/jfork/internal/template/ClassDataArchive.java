package dev.jfork.internal.template;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.jfork.internal.os.Native;
import dev.jfork.internal.os.Reaper;
import dev.jfork.internal.os.Spawner;
import dev.jfork.internal.wire.ArchiveOptions;
import dev.jfork.internal.wire.Frame;
import dev.jfork.internal.wire.LaunchLine;
import dev.jfork.internal.wire.Protocol;
import dev.jfork.internal.wire.StringList;
import dev.jfork.internal.wire.WaitStatus;

/**
 * The class-data archive a template's forks boot from: the classes the template was told to
 * {@code require}, plus jfork's own child classes and the JDK classes they use, as a static AppCDS
 * archive ({@code -XX:DumpLoadedClassList}, then {@code -Xshare:dump}, JDK 17-24) or an AOT cache
 * ({@code -XX:AOTCacheOutput}, JDK 25+). Mapping classes from an archive instead of parsing and linking them makes a JVM start
 * faster, and the mapped pages are shared by every JVM that uses the archive: the JVM's answer to
 * copy-on-write sharing.
 *
 * <p>One archive per distinct configuration: the key hashes the java build, the template's full
 * command line, the size and date of every class path entry and the required classes. Archives live
 * in a per-user cache directory and are reused by later runs. An archive is built once, by a
 * training JVM that only loads the required classes, skipping those that fail there (no
 * {@code eval} runs in it, so its side effects are not repeated), then checked by a JVM that must map it ({@code -Xshare:on} / {@code -XX:AOTMode=on});
 * anything unusable — stale, corrupt, or a class path with directories, which the JVM cannot
 * archive — is logged once as a warning and the forks start without an archive. Never a failure.
 *
 * <p>The helper JVMs run {@value ArchiveOptions#BACKGROUND_NICE} nice levels below the template (at most 19), as
 * background work: building an AOT cache on JDK 25 takes seconds of CPU (a training run, then an
 * assembly JVM), and at the same priority it took the CPUs from the forks being handed over
 * meanwhile (measured on 2 CPUs: two forks of a burst took 1.5 s during a first run). On an idle
 * machine a nice level changes nothing.
 */
final class ClassDataArchive {
    private static final System.Logger LOG = System.getLogger("dev.jfork");
    /** A training or check JVM that takes longer than this is killed and the archive abandoned. */
    private static final long TRAINING_LIMIT_SECONDS = 120;

    /** What the template learns when the archive is settled. */
    interface Listener {
        /** Forks started from now on get these JVM options. */
        void ready(List<String> jvmOptions, Path archive);

        /** No archive; forks start as they did. */
        void unavailable(String reason);
    }

    private final Path directory;
    /** {@code java} and the template's JVM options (no archive options, no main class). */
    private final List<String> jvmCommand;
    private final List<String> environment;
    /** This process's lifeline descriptor, passed on to the archive's JVMs at {@link Protocol#FD_LIFELINE} (-1: none). */
    private final int lifeline;
    private final long owner;
    private final boolean aot;

    ClassDataArchive(Path directory, List<String> jvmCommand, List<String> environment, long owner, int lifeline) {
        this.lifeline = lifeline;
        this.directory = directory;
        this.jvmCommand = jvmCommand;
        this.environment = environment;
        this.owner = owner;
        // forks run the template's own java, so this JVM's version is theirs
        this.aot = Runtime.version().feature() >= 25;
    }

    /** Finds or builds the archive for these required classes in a background thread. */
    void prepare(List<String> required, Listener listener) {
        Thread t = new Thread("jfork-class-data-archive") {
            @Override
            public void run() {
                try {
                    Path archive = findOrBuild(required);
                    listener.ready(optionsFor(archive), archive);
                } catch (NotApplicable e) {
                    LOG.log(System.Logger.Level.DEBUG, "jfork: no class-data archive: " + e.getMessage());
                    listener.unavailable(e.getMessage());
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING,
                            "jfork: forks start without a class-data archive: " + e.getMessage());
                    listener.unavailable(e.getMessage());
                }
            }
        };
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    /** The configuration cannot have an archive at all (not an error). */
    private static final class NotApplicable extends IOException {
        private static final long serialVersionUID = 1L;

        NotApplicable(String message) {
            super(message);
        }
    }

    private List<String> optionsFor(Path archive) {
        List<String> o = new ArrayList<>();
        o.add(ArchiveOptions.use(Runtime.version().feature(), archive.toString()));
        return o;
    }

    private Path findOrBuild(List<String> required) throws IOException {
        List<String> classPath = classPath();
        for (String entry : classPath) {
            File f = new File(entry);
            String[] content = f.isDirectory() ? f.list() : null;
            if (content != null && content.length > 0) {
                throw new NotApplicable("the class path contains the directory " + entry
                        + " (the JVM archives classes from jar files only)");
            }
        }
        Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path archive = directory.resolve(key(required, classPath) + (aot ? ".aot" : ".jsa"));
        if (Files.isRegularFile(archive)) {
            String problem = check(archive);
            if (problem == null) {
                // marks it used for ArchiveCachePruner (access times may not be kept)
                Files.setLastModifiedTime(archive, FileTime.fromMillis(System.currentTimeMillis()));
                return archive;
            }
            LOG.log(System.Logger.Level.WARNING, "jfork: ignoring the unusable class-data archive " + archive + " ("
                    + problem + "); building it again");
            Files.deleteIfExists(archive);
        }
        Path partial = directory.resolve(ArchiveCachePruner.partialName(archive.getFileName().toString()));
        try {
            train(partial, required);
            try {
                Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(partial, archive, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(partial);
            Files.deleteIfExists(Paths.get(partial + ".config"));
        }
        String problem = check(archive);
        if (problem != null) {
            Files.deleteIfExists(archive);
            throw new IOException("the new archive " + archive + " cannot be used: " + problem);
        }
        return archive;
    }

    /**
     * Builds the archive. JDK 25+: a training JVM loads the required classes and writes the AOT
     * cache when it exits. JDK 17-24: the training JVM writes the list of classes it loaded, and a
     * second JVM dumps a <em>static</em> archive of them ({@code -Xshare:dump}), JDK classes
     * included, which the forks map instead of the JDK's default archive. A dynamic archive
     * ({@code -XX:ArchiveClassesAtExit}) would be quicker to build (one JVM, ~0.3 s instead of
     * ~0.8 s, once per configuration) but lies on top of the JDK's archive, whose classes are
     * scattered among ~1 300 others: measured with 8 idle JVMs loading a realistic workload on
     * JDK 17, the static archive gives 2 MB less PSS per JVM (26 vs 28 MB; 20.6 vs 21.7 MB with
     * {@code ArchiveRelocationMode=0}) and starts 5-8 % faster, and it does not need the JDK to
     * ship a default archive.
     */
    private void train(Path output, List<String> required) throws IOException {
        if (aot) {
            runTraining(output, "-XX:AOTCacheOutput=" + output, required);
            return;
        }
        Path classList = Paths.get(output + ".classlist");
        try {
            runTraining(classList, "-XX:DumpLoadedClassList=" + classList, required);
            List<String> argv = withOptions("-Xshare:dump", "-XX:SharedClassListFile=" + classList, "-XX:SharedArchiveFile=" + output);
            Run run = start(argv, -1);
            int status = run.await();
            if (status != 0 || !Files.isRegularFile(output) || Files.size(output) == 0) {
                throw new IOException("the JVM dumping the archive ended with status " + status + ": " + run.output());
            }
        } finally {
            Files.deleteIfExists(classList);
        }
    }

    /** Runs a JVM that loads the required classes and writes {@code produced} (as {@code option} says) when it exits. */
    private void runTraining(Path produced, String option, List<String> required) throws IOException {
        List<String> argv = withOptions(option);
        argv.addAll(LaunchLine.trainee(owner).mainAndArgs());
        int[] socket = Native.socketPair();
        try {
            Run run = start(argv, socket[1]);
            Native.closeQuietly(socket[1]);
            socket[1] = -1;
            if (!required.isEmpty()) {
                // PRELOAD, not REQUIRE: no eval runs here, so an initialiser that needs eval'd state may fail;
                // that class is then just not archived
                Native.sendFully(socket[0], Frame.encode(Protocol.PRELOAD, StringList.encode(required)));
            }
            // what a spare runs before its hand-over, so that the classes it loads are archived too
            Native.sendFully(socket[0], Frame.encode(Protocol.WARM_UP, new byte[0]));
            Native.closeQuietly(socket[0]); // end of stream: the training JVM exits and writes its output
            socket[0] = -1;
            int status = run.await();
            if (status != 0 || !Files.isRegularFile(produced) || Files.size(produced) == 0) {
                throw new IOException("the training JVM ended with status " + status + ": " + run.output());
            }
        } finally {
            Native.closeQuietly(socket[0]);
            Native.closeQuietly(socket[1]);
        }
    }

    /** Null if a JVM can start from the archive, else what went wrong. */
    private String check(Path archive) throws IOException {
        List<String> argv = withOptions(aot ? "-XX:AOTMode=on" : "-Xshare:on", optionsFor(archive).get(0));
        argv.add(LaunchLine.MAIN_CLASS);
        argv.add(LaunchLine.CHECK);
        Run run = start(argv, -1);
        int status = run.await();
        return status == 0 ? null : "status " + status + ": " + run.output();
    }

    /** The template's {@code java} and JVM options with extra options after the executable (no main class yet). */
    private List<String> withOptions(String... options) {
        List<String> argv = new ArrayList<>(jvmCommand);
        argv.addAll(1, java.util.Arrays.asList(options));
        return argv;
    }

    /** A helper JVM with stdout and stderr captured, reaped when done. */
    private final class Run {
        final int pid;
        final int outFd;
        final StringBuilder output = new StringBuilder();
        final Thread drain;

        Run(int pid, int outFd) {
            this.pid = pid;
            this.outFd = outFd;
            this.drain = new Thread("jfork-archive-output") {
                @Override
                public void run() {
                    ByteBuffer b = ByteBuffer.allocateDirect(4096);
                    byte[] chunk = new byte[4096];
                    try {
                        int n;
                        while (true) {
                            b.clear();
                            n = Native.read(Run.this.outFd, b);
                            if (n < 0) {
                                break;
                            }
                            b.flip();
                            b.get(chunk, 0, n);
                            synchronized (output) {
                                if (output.length() < 4000) {
                                    output.append(new String(chunk, 0, n, StandardCharsets.UTF_8));
                                }
                            }
                        }
                    } catch (IOException ignored) {
                        // the helper is gone
                    } finally {
                        Native.closeQuietly(Run.this.outFd);
                    }
                }
            };
            drain.setDaemon(true);
            drain.start();
        }

        int await() throws IOException {
            try {
                Integer status = Reaper.watch(pid).get(TRAINING_LIMIT_SECONDS, TimeUnit.SECONDS);
                drain.join(TimeUnit.SECONDS.toMillis(5));
                return WaitStatus.shellStatus(status);
            } catch (java.util.concurrent.TimeoutException e) {
                Native.kill(pid, Native.SIGKILL);
                throw new IOException("a class-data archive JVM did not finish within " + TRAINING_LIMIT_SECONDS + " s");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                Native.kill(pid, Native.SIGKILL);
                throw new IOException("interrupted", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IOException(e.getCause());
            }
        }

        String output() {
            synchronized (output) {
                return output.toString().strip();
            }
        }
    }

    private Run start(List<String> argv, int control) throws IOException {
        int[] out = Native.pipe();
        try {
            int[] map = {control, out[1], out[1], lifeline};
            int pid = Spawner.spawn(argv, environment, null, map);
            Native.setNice(pid, Math.min(19, Native.niceOf(ProcessHandle.current().pid()) + ArchiveOptions.BACKGROUND_NICE)); // best effort: it may be gone already
            Native.closeQuietly(out[1]);
            out[1] = -1;
            return new Run(pid, out[0]);
        } catch (IOException | RuntimeException e) {
            Native.closeQuietly(out[0]);
            throw e;
        } finally {
            Native.closeQuietly(out[1]);
        }
    }

    private List<String> classPath() {
        for (int i = 0; i + 1 < jvmCommand.size(); i++) {
            String a = jvmCommand.get(i);
            if (a.equals("-cp") || a.equals("-classpath") || a.equals("--class-path")) {
                List<String> entries = new ArrayList<>();
                for (String e : jvmCommand.get(i + 1).split(File.pathSeparator)) {
                    if (!e.isEmpty()) {
                        entries.add(e);
                    }
                }
                return entries;
            }
        }
        return new ArrayList<>();
    }

    private String key(List<String> required, List<String> classPath) throws IOException {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            StringBuilder k = new StringBuilder("jfork-class-data-v2\n");
            k.append(aot ? "aot" : "cds-static").append('\n');
            k.append(System.getProperty("java.home")).append('\n').append(System.getProperty("java.vm.version")).append('\n');
            for (String a : jvmCommand) {
                k.append(a).append('\n');
            }
            for (String e : classPath) {
                File f = new File(e);
                k.append(e).append(' ').append(f.length()).append(' ').append(f.lastModified()).append('\n');
            }
            for (String r : required) {
                k.append("require ").append(r).append('\n');
            }
            byte[] h = d.digest(k.toString().getBytes(StandardCharsets.UTF_8));
            StringBuilder hex = new StringBuilder();
            for (int i = 0; i < 16; i++) {
                hex.append(String.format("%02x", h[i]));
            }
            return hex.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IOException(e);
        }
    }
}
