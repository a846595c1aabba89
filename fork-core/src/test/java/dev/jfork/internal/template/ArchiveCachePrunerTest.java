package dev.jfork.internal.template;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archive cache loses what nobody uses: old archives, and at once the partial files of builds whose process is gone. */
class ArchiveCachePrunerTest {
    @TempDir
    Path dir;

    /** The pid of a process that has ended. */
    private static long endedPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return p.pid();
    }

    @Test
    void partialFilesOfAGoneBuildGoAtOnceOthersStay() throws Exception {
        long gone = endedPid();
        long alive = ProcessHandle.current().pid();
        Path goneTmp = Files.createFile(dir.resolve("k1.aot." + gone + ".tmp"));
        Path goneConfig = Files.createFile(dir.resolve("k1.aot." + gone + ".tmp.config"));
        Path goneList = Files.createFile(dir.resolve("k2.jsa." + gone + ".tmp.classlist"));
        Path building = Files.createFile(dir.resolve("k3.jsa." + alive + ".tmp"));
        Path archive = Files.createFile(dir.resolve("k4.jsa"));
        Path old = Files.createFile(dir.resolve("k5.aot"));
        FileTime longAgo = FileTime.fromMillis(System.currentTimeMillis() - Duration.ofDays(40).toMillis());
        Files.setLastModifiedTime(old, longAgo);
        Files.setAttribute(old, "lastAccessTime", longAgo);
        Path notOurs = Files.createFile(dir.resolve("notes.txt"));

        ArchiveCachePruner.pruneOnce(dir, Duration.ofDays(30));

        assertFalse(Files.exists(goneTmp));
        assertFalse(Files.exists(goneConfig));
        assertFalse(Files.exists(goneList));
        assertFalse(Files.exists(old), "unused for longer than the maximum age");
        assertTrue(Files.exists(building), "a build still going on");
        assertTrue(Files.exists(archive));
        assertTrue(Files.exists(notOurs));
    }

    @Test
    void namesWithoutAPidAreNotPartialFiles() {
        assertFalse(ArchiveCachePruner.isAbandoned("k.jsa"));
        assertFalse(ArchiveCachePruner.isAbandoned("k.aot.x.tmp"));
        assertFalse(ArchiveCachePruner.isAbandoned(".tmp"));
        assertTrue(ArchiveCachePruner.isAbandoned("k.aot.2147483647999.tmp.config"), "no such process");
        assertFalse(ArchiveCachePruner.isAbandoned(ArchiveCachePruner.partialName("k.jsa")), "this process's own build");
    }
}
