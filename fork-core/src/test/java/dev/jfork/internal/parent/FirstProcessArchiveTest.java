package dev.jfork.internal.parent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jfork.Fork;
import dev.jfork.ForkChannel;
import dev.jfork.JvmSpec;
import dev.jfork.TestSupport;
import dev.jfork.internal.wire.LaunchLine;

/**
 * A program's first process (started with the JDK alone) and its class-data archive: recorded by
 * the first such process of a configuration, mapped by the next; never where it cannot fit. The
 * processes run on a class path of jars only (this test JVM's classes are put in a jar), as the
 * JVM archives classes from jars only.
 */
class FirstProcessArchiveTest {
    @TempDir
    static Path tmp;
    private static List<String> jarsOnly;

    @BeforeAll
    static void jarTheClasses() throws IOException {
        Path jar = tmp.resolve("classes.jar");
        List<String> cp = new ArrayList<>(List.of(jar.toString()));
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String e : TestSupport.realClassPath().split(File.pathSeparator)) {
                Path p = Paths.get(e);
                if (Files.isDirectory(p)) {
                    addTree(out, p);
                } else if (!e.isEmpty()) {
                    cp.add(e);
                }
            }
        }
        jarsOnly = cp;
    }

    private static void addTree(JarOutputStream out, Path root) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
        }
        for (Path f : files) {
            out.putNextEntry(new JarEntry(root.relativize(f).toString().replace(File.separatorChar, '/')));
            Files.copy(f, out);
            out.closeEntry();
        }
    }

    /**
     * A configuration of its own for each test ({@code -Djfork.test=<name>}: the key hashes the
     * options), as a program records one archive per configuration at a time.
     */
    private static JvmSpec.Builder spec(Path cache) {
        return JvmSpec.builder().classPath(jarsOnly).cacheDirectory(cache).systemProperty("jfork.test", cache.getFileName().toString());
    }

    private static Fork start(JvmSpec spec) {
        return ForkAccess.wrap(ConnectBackLauncher.exec(spec, LaunchLine.CHILD));
    }

    private static String commandLine(Fork f) throws IOException {
        byte[] raw = Files.readAllBytes(Paths.get("/proc/" + f.pid().orElseThrow() + "/cmdline"));
        return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
    }

    /** Runs the echo function once: the process works. */
    private static void echoes(Fork f) throws IOException {
        ForkChannel ch = TestSupport.await(f.run("dev.jfork.ChildFunctions.echo"));
        ch.outputStream().write("hello\n".getBytes(StandardCharsets.UTF_8));
        ch.outputStream().flush();
        assertEquals("echo:hello", TestSupport.readLine(ch));
        ch.close();
    }

    /** Waits until {@code cache} holds exactly one first-process archive. */
    private static void awaitOneArchive(Path cache, String what) {
        TestSupport.waitUntil(() -> {
            try {
                return archives(cache).size() == 1;
            } catch (IOException e) {
                return false;
            }
        }, what);
    }

    /** A first process of {@code s} that runs once (it records), then its archive, built. */
    private static void recordOnce(JvmSpec s, Path cache) throws IOException {
        try (Fork first = start(s)) {
            echoes(first);
        }
        awaitOneArchive(cache, "the archive is dumped, checked and moved into place");
    }

    private static List<Path> archives(Path cache) throws IOException {
        try (Stream<Path> s = Files.list(cache)) {
            return s.filter(p -> p.getFileName().toString().startsWith("first-") && p.getFileName().toString().endsWith(".jsa"))
                    .collect(Collectors.toList());
        }
    }

    @Test
    void theFirstProcessOfAConfigurationRecordsAnArchiveThatTheNextOneMaps() throws Exception {
        Path cache = tmp.resolve("cache one's"); // the build's shell script gets paths with a space and a quote
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        JvmSpec s = spec(cache).stderr(stderr).build();
        try (Fork first = start(s)) {
            assertTrue(commandLine(first).contains("-XX:DumpLoadedClassList=" + cache), commandLine(first));
            echoes(first);
        }
        awaitOneArchive(cache, "the archive is dumped, checked and moved into place");
        Path archive = archives(cache).get(0);
        try (Fork next = start(s)) {
            assertTrue(commandLine(next).contains("-XX:SharedArchiveFile=" + archive), commandLine(next));
            ForkChannel ch = TestSupport.await(next.run("dev.jfork.ChildFunctions.echo"));
            ch.outputStream().write("hello\n".getBytes(StandardCharsets.UTF_8));
            ch.outputStream().flush();
            assertEquals("echo:hello", TestSupport.readLine(ch)); // in its function: alive while its maps are read
            String maps = new String(Files.readAllBytes(Paths.get("/proc/" + next.pid().orElseThrow() + "/maps")), StandardCharsets.UTF_8);
            assertTrue(maps.contains(archive.toString()), "the JVM maps the archive");
            ch.close();
            TestSupport.exitOf(next);
        }
        TestSupport.waitUntil(() -> {
            try (Stream<Path> left = Files.list(cache)) {
                return left.count() == 1;
            } catch (IOException e) {
                return false;
            }
        }, "only the archive is left in the cache (no class list, no partial file)");
        assertEquals("", stderr.toString(StandardCharsets.UTF_8), "nothing on the processes' stderr");
    }

    @Test
    void aFirstProcessThatIsForkedFromPassesNoneOfItsArchiveOptionsOn() throws Exception {
        Path cache = tmp.resolve("cache6");
        JvmSpec s = spec(cache).build();
        recordOnce(s, cache);
        try (Fork template = start(s)) {
            assertTrue(commandLine(template).contains("-XX:SharedArchiveFile=" + archives(cache).get(0)), commandLine(template));
            Fork fork = template.fork();
            String forked = commandLine(fork); // before it runs: it ends with its function
            echoes(fork);
            for (String option : List.of("first-", "-XX:DumpLoadedClassList", "-Xlog:cds=off", "-Xlog:cds+dynamic=off")) {
                assertFalse(forked.contains(option), "a fork of the first process gets none of its archive options: " + forked);
            }
            TestSupport.exitOf(fork);
        }
    }

    @Test
    void anArchiveTheProcessDidNotMapIsDeletedAndRecordedAgain() throws Exception {
        Path cache = tmp.resolve("cache2");
        JvmSpec s = spec(cache).build();
        recordOnce(s, cache);
        Path archive = archives(cache).get(0);
        archive.toFile().setWritable(true);
        try (OutputStream out = Files.newOutputStream(archive)) {
            out.write("not a class-data archive".getBytes(StandardCharsets.UTF_8));
        }
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        try (Fork next = start(spec(cache).stderr(stderr).build())) {
            assertTrue(commandLine(next).contains("-XX:SharedArchiveFile=" + archive), commandLine(next));
            ForkChannel ch = TestSupport.await(next.run("dev.jfork.ChildFunctions.echo")); // settled: the parent looks at its maps
            String maps = new String(Files.readAllBytes(Paths.get("/proc/" + next.pid().orElseThrow() + "/maps")), StandardCharsets.UTF_8);
            assertFalse(maps.contains(archive.toString()), "the JVM did not map what is not an archive");
            ch.outputStream().write("still works\n".getBytes(StandardCharsets.UTF_8));
            ch.outputStream().flush();
            assertEquals("echo:still works", TestSupport.readLine(ch));
            TestSupport.waitUntil(() -> !Files.exists(archive), "an archive the process did not map is deleted");
            ch.close();
            TestSupport.exitOf(next);
        }
        assertEquals("", stderr.toString(StandardCharsets.UTF_8), "nothing on the process's stderr");
        try (Fork again = start(s)) {
            assertTrue(commandLine(again).contains("-XX:DumpLoadedClassList="), "recorded again: " + commandLine(again));
            echoes(again);
        }
        awaitOneArchive(cache, "the archive is made again");
    }

    @Test
    void aNewVersionOfTheClassPathReplacesTheConfigurationsArchive() throws Exception {
        Path cache = tmp.resolve("cache5");
        Path extra = tmp.resolve("extra.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(extra))) {
            out.putNextEntry(new JarEntry("extra.txt"));
            out.write(1);
            out.closeEntry();
        }
        List<String> cp = new ArrayList<>(jarsOnly);
        cp.add(extra.toString());
        JvmSpec s = spec(cache).classPath(cp).build();
        recordOnce(s, cache);
        Path old = archives(cache).get(0);
        Files.setLastModifiedTime(extra, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 60_000)); // a new build of the jar
        try (Fork next = start(s)) {
            assertTrue(commandLine(next).contains("-XX:DumpLoadedClassList="), "a new version is recorded: " + commandLine(next));
            echoes(next);
        }
        TestSupport.waitUntil(() -> {
            try {
                List<Path> now = archives(cache);
                return now.size() == 1 && !now.get(0).equals(old);
            } catch (IOException e) {
                return false;
            }
        }, "the new version's archive replaces the old one");
        String name = old.getFileName().toString();
        assertTrue(archives(cache).get(0).getFileName().toString().startsWith(name.substring(0, name.lastIndexOf('-') + 1)),
                "the same configuration");
    }

    @Test
    void aConfigurationWhoseBuildFailedIsNotRecordedAgain() throws Exception {
        Path cache = tmp.resolve("cache4");
        JvmSpec s = spec(cache).build();
        List<String> argv = commandOf(s);
        FirstProcessArchive recording = FirstProcessArchive.of(s, argv, ProcessHandle.current().pid());
        String option = recording.options().get(0);
        assertTrue(option.startsWith("-XX:DumpLoadedClassList="), option);
        recording.abandon();
        String partial = option.substring(option.lastIndexOf('/') + 1);
        Path failed = cache.resolve(partial.substring(0, partial.indexOf(".jsa.") + 4) + ".failed");
        Files.write(failed, new byte[0]);
        assertEquals(List.of(), FirstProcessArchive.of(s, argv, ProcessHandle.current().pid()).options(), "a failed build is not tried again");
        Files.delete(failed);
        FirstProcessArchive again = FirstProcessArchive.of(s, argv, ProcessHandle.current().pid());
        assertEquals(option.substring(0, option.indexOf(".jsa.")), again.options().get(0).substring(0, option.indexOf(".jsa.")),
                "recorded once the marker is gone");
        again.abandon();
    }

    @Test
    void noArchiveWhereItCannotFit() throws Exception {
        Path cache = tmp.resolve("cache3");
        List<String> withDirectory = new ArrayList<>(jarsOnly);
        Path dir = Files.createDirectories(tmp.resolve("dir"));
        Files.write(dir.resolve("x.txt"), new byte[] {1});
        withDirectory.add(dir.toString());
        List<JvmSpec> none = List.of(JvmSpec.builder().classPath(withDirectory).cacheDirectory(cache).build(),
                spec(cache).jvmOptions("-Xshare:auto").build(), spec(cache).classDataSharing(false).build(),
                spec(cache).java(tmp.resolve("java")).build(), spec(cache).jvmOptions("-javaagent:/nowhere/agent.jar").build(),
                spec(cache).env("JAVA_TOOL_OPTIONS", "-Xss2m").build(), spec(tmp.resolve("cache%p")).build(),
                spec(sharedWritable()).build(), JvmSpec.builder().classPath(List.of(manifestOnlyJar(dir).toString())).cacheDirectory(cache).build());
        JvmSpec property = spec(cache).jvmOptions("-Dshare.archive.aot=1").build();
        FirstProcessArchive fits = FirstProcessArchive.of(property, commandOf(property), ProcessHandle.current().pid());
        assertEquals(1, fits.options().size(), "a property is not a class-data option");
        fits.abandon();
        for (JvmSpec s : none) {
            List<String> argv = commandOf(s);
            FirstProcessArchive a = FirstProcessArchive.of(s, argv, ProcessHandle.current().pid());
            assertEquals(List.of(), a.options(), "no archive options for " + argv);
        }
    }

    /** A jar whose only content is a manifest naming {@code dir} (as surefire's test JVMs have). */
    private static Path manifestOnlyJar(Path dir) throws IOException {
        Path jar = tmp.resolve("manifest-only.jar");
        java.util.jar.Manifest m = new java.util.jar.Manifest();
        m.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(java.util.jar.Attributes.Name.CLASS_PATH, dir.toUri().toString());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), m)) {
            out.flush();
        }
        return jar;
    }

    /** A cache directory other users may write into: an archive found there could be anyone's. */
    private static Path sharedWritable() throws IOException {
        Path d = Files.createDirectories(tmp.resolve("shared"));
        Files.setPosixFilePermissions(d, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        return d;
    }

    /** The part of a first process's command line that decides its archive: java, options, class path, main class. */
    private static List<String> commandOf(JvmSpec s) {
        List<String> argv = new ArrayList<>(List.of(s.java().toString()));
        argv.addAll(s.jvmOptions());
        argv.add("-cp");
        argv.add(String.join(File.pathSeparator, s.classPath()));
        argv.add(LaunchLine.MAIN_CLASS);
        return argv;
    }
}
