package dev.jfork;

import static dev.jfork.TestSupport.await;
import static dev.jfork.TestSupport.exitOf;
import static dev.jfork.TestSupport.readLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Forks of a template boot from a class-data archive; a bad archive is ignored with a warning. */
class ClassDataArchiveTest {
    @TempDir
    static Path tmp;
    static List<String> jarClassPath;

    /** The JVM archives classes from jars only: package the build output folders into a jar. */
    @BeforeAll
    static void jarOnlyClassPath() throws IOException {
        Path jar = tmp.resolve("classes.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
                Path dir = Paths.get(e);
                if (Files.isDirectory(dir)) {
                    try (Stream<Path> files = Files.walk(dir)) {
                        for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                            out.putNextEntry(new JarEntry(dir.relativize(f).toString().replace(File.separatorChar, '/')));
                            Files.copy(f, out);
                            out.closeEntry();
                        }
                    }
                }
            }
        }
        jarClassPath = new ArrayList<>();
        jarClassPath.add(jar.toString());
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (e.endsWith(".jar")) {
                jarClassPath.add(e);
            }
        }
    }

    private static JvmSpec spec(Path cache, OutputStream stderr) {
        return JvmSpec.builder().classPath(jarClassPath).cacheDirectory(cache).spares(0).stderr(stderr).build();
    }

    private static String archiveOf(Fork template) throws InterruptedException {
        template.fork().close(); // makes it a template
        String state = template.link().awaitArchive(180_000);
        assertNotNull(state, "no archive report");
        return state;
    }

    private static void assertForkUses(Fork template, String archive) throws IOException {
        Fork f = template.fork().sendArg("x");
        ForkChannel ch = await(f.run("dev.jfork.ChildFunctions.describe"));
        assertTrue(readLine(ch).endsWith("args=s:x"));
        // read once the child runs (a process just spawned may not have its java command line yet)
        String raw = new String(Files.readAllBytes(Paths.get("/proc/" + f.pid().orElseThrow() + "/cmdline")), StandardCharsets.UTF_8);
        List<String> args = List.of(raw.split("\0"));
        String flag = Runtime.version().feature() >= 25 ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=";
        assertTrue(args.contains(flag + archive), args.toString());
        ch.close();
        assertEquals(OptionalInt.of(0), exitOf(f).exitCode());
    }

    @Test
    void forksBootFromTheArchiveAndLaterRunsReuseIt() throws Exception {
        Path cache = tmp.resolve("cache1");
        Fork template = Fork.exec(spec(cache, System.err)).require("dev.jfork.ChildFunctions");
        String archive = archiveOf(template);
        assertTrue(Files.isRegularFile(Paths.get(archive)), archive);
        assertTrue(archive.startsWith(cache.toString()), archive);
        assertForkUses(template, archive);
        template.close();
        exitOf(template);
        Object built = Files.readAttributes(Paths.get(archive), BasicFileAttributes.class).fileKey(); // device and inode

        Fork again = Fork.exec(spec(cache, System.err)).require("dev.jfork.ChildFunctions");
        assertEquals(archive, archiveOf(again), "the same configuration finds the same archive");
        assertEquals(built, Files.readAttributes(Paths.get(archive), BasicFileAttributes.class).fileKey(), "reused, not rebuilt");
        assertForkUses(again, archive);
        again.close();
        exitOf(again);
    }

    @Test
    void aCorruptArchiveIsIgnoredWithAWarningAndRebuilt() throws Exception {
        Path cache = tmp.resolve("cache2");
        Fork first = Fork.exec(spec(cache, System.err)).require("dev.jfork.ChildFunctions");
        String archive = archiveOf(first);
        first.close();
        exitOf(first);
        Files.write(Paths.get(archive), "this is not a class-data archive".getBytes(StandardCharsets.UTF_8));

        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        Fork template = Fork.exec(spec(cache, stderr)).require("dev.jfork.ChildFunctions");
        assertEquals(archive, archiveOf(template));
        assertForkUses(template, archive);
        template.close();
        exitOf(template);
        String log;
        synchronized (stderr) {
            log = stderr.toString(StandardCharsets.UTF_8);
        }
        assertTrue(log.contains("ignoring the unusable class-data archive " + archive), log);
    }

    @Test
    void directoriesOnTheClassPathMeanNoArchive() throws Exception {
        Fork template = Fork.exec(JvmSpec.builder().cacheDirectory(tmp.resolve("cache3")).spares(0).build());
        String state = archiveOf(template);
        assertTrue(state.startsWith("none: the class path contains the directory"), state);
        Fork f = template.fork();
        ForkChannel ch = await(f.run("dev.jfork.ChildFunctions.describe"));
        assertTrue(readLine(ch).startsWith("pid="));
        ch.close();
        exitOf(f);
        template.close();
        exitOf(template);
    }

    @Test
    void aTemplateStartedAsSuchGetsTheArchiveOfWhatItWasSent() throws Exception {
        Path cache = tmp.resolve("cache4");
        Fork plain = Fork.exec(spec(cache, System.err)).require("dev.jfork.ChildFunctions");
        String archive = archiveOf(plain);
        plain.close();
        exitOf(plain);
        // newTemplate is a template from boot, before it is told what to require
        Fork template = Fork.newTemplate(spec(cache, System.err)).require("dev.jfork.ChildFunctions");
        assertEquals(archive, archiveOf(template), "keyed on what it required by its first fork, not on its boot state");
        template.close();
        exitOf(template);
    }

    @Test
    void withFixedArchiveAddressTheArchivesReadOnlyPagesStayShared() throws Exception {
        JvmSpec spec = JvmSpec.builder().classPath(jarClassPath).cacheDirectory(tmp.resolve("cache5")).spares(0)
                .fixedArchiveAddress(true).build();
        Fork template = Fork.exec(spec).require("dev.jfork.ChildFunctions");
        String archive = archiveOf(template);
        Fork f = template.fork();
        ForkChannel ch = await(f.run("dev.jfork.ChildFunctions.describe"));
        assertTrue(readLine(ch).startsWith("pid="));
        // relocated (the JDK's default), the archive is mapped read-write and every page gets a private copy;
        // at its own address the read-only part is mapped read-only and no page of it is copied
        long readOnlyKb = 0;
        long readOnlyCopiedKb = 0;
        boolean inArchive = false;
        StringBuilder mappings = new StringBuilder();
        for (String line : Files.readAllLines(Paths.get("/proc/" + f.pid().orElseThrow() + "/smaps"))) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                String[] cols = line.trim().split("\\s+");
                inArchive = cols.length > 5 && cols[5].equals(archive) && cols[1].startsWith("r-");
                if (cols.length > 5 && cols[5].equals(archive)) {
                    mappings.append('\n').append(cols[0]).append(' ').append(cols[1]);
                }
            } else if (inArchive && line.startsWith("Rss:")) {
                readOnlyKb += Long.parseLong(line.replaceAll("\\D", ""));
            } else if (inArchive && line.startsWith("Anonymous:")) {
                // copy-on-write copies; Private_Dirty would also count the page cache of a file written moments ago
                readOnlyCopiedKb += Long.parseLong(line.replaceAll("\\D", ""));
                mappings.append(" copied ").append(line.replaceAll("\\D", "")).append(" kB");
            }
        }
        assertTrue(readOnlyKb > 0, "no read-only mapping of " + archive + " in the fork");
        assertEquals(0, readOnlyCopiedKb, "private copies of pages in the archive's read-only mapping:" + mappings);
        ch.close();
        exitOf(f);
        template.close();
        exitOf(template);
    }

    @Test
    void archivesUnusedForLongerThanCacheMaxAgeAreDeleted() throws Exception {
        Path cache = Files.createDirectories(tmp.resolve("cache6"));
        FileTime fortyDaysAgo = FileTime.from(Instant.now().minus(Duration.ofDays(40)));
        FileTime tenDaysAgo = FileTime.from(Instant.now().minus(Duration.ofDays(10)));
        Path old = cache.resolve("0123456789abcdef0123456789abcdef.jsa");
        Path oldPartial = cache.resolve("0123456789abcdef0123456789abcdef.aot.4242.tmp");
        Path recent = cache.resolve("fedcba9876543210fedcba9876543210.aot");
        Path notOurs = cache.resolve("notes.txt");
        for (Path p : List.of(old, oldPartial, recent, notOurs)) {
            Files.write(p, new byte[] {1});
            BasicFileAttributeView times = Files.getFileAttributeView(p, BasicFileAttributeView.class);
            times.setTimes(p == recent ? tenDaysAgo : fortyDaysAgo, p == recent ? tenDaysAgo : fortyDaysAgo, null);
        }
        // pruning happens when the first process that may use the directory starts (a program's
        // first process, started with the JDK alone: once it no longer boots, here when it is closed)
        Fork f = Fork.exec(JvmSpec.builder().cacheDirectory(cache).cacheMaxAge(Duration.ofDays(30)).spares(0).build());
        f.close();
        exitOf(f);
        TestSupport.waitUntil(() -> !Files.exists(old), "an archive unused for 40 days is deleted");
        TestSupport.waitUntil(() -> !Files.exists(oldPartial), "a partial file of an interrupted build is deleted");
        assertTrue(Files.exists(recent), "an archive used 10 days ago stays");
        assertTrue(Files.exists(notOurs), "files that are not archives are left alone");
    }
}
