package dev.jfork.remote.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TimeZone;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local side of the class path sync: what is sent, and that equal content gives equal hashes. */
class ClassPathJarsTest {
    @TempDir
    Path tmp;

    private Path classes(String name, long mtimeMillis) throws Exception {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir.resolve("b/c"));
        Files.createDirectories(dir.resolve("META-INF"));
        Files.writeString(dir.resolve("b/c/Z.class"), "zzz");
        Files.writeString(dir.resolve("b/A.class"), "aaa");
        Files.writeString(dir.resolve("a.properties"), "x=1");
        Files.writeString(dir.resolve("META-INF/MANIFEST.MF"), "Manifest-Version: 1.0\n");
        try (var walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Files.setLastModifiedTime(p, FileTime.fromMillis(mtimeMillis));
            }
        }
        return dir;
    }

    @Test
    void aPackedDirectoryDependsOnlyOnItsContent() throws Exception {
        Path one = classes("one", 1_000_000_000_000L);
        Path two = classes("two", 1_700_000_000_000L);
        byte[] packed = ClassPathJars.pack(one);
        assertArrayEquals(packed, ClassPathJars.pack(one), "packing twice");
        assertArrayEquals(packed, ClassPathJars.pack(two), "another place, other times");
        TimeZone zone = TimeZone.getDefault();
        try {
            TimeZone.setDefault(TimeZone.getTimeZone(zone.getRawOffset() == 0 ? "Asia/Kathmandu" : "UTC"));
            assertArrayEquals(packed, ClassPathJars.pack(one), "another time zone");
        } finally {
            TimeZone.setDefault(zone);
        }
        Path jar = tmp.resolve("one.jar");
        Files.write(jar, packed);
        try (JarFile j = new JarFile(jar.toFile())) {
            List<String> names = new ArrayList<>();
            j.stream().map(ZipEntry::getName).forEach(names::add);
            assertEquals(List.of("META-INF/", "META-INF/MANIFEST.MF", "a.properties", "b/", "b/A.class", "b/c/", "b/c/Z.class"), names);
            assertEquals("aaa", new String(j.getInputStream(j.getEntry("b/A.class")).readAllBytes()));
            assertEquals("1.0", j.getManifest().getMainAttributes().getValue("Manifest-Version"));
        }
        Files.writeString(two.resolve("b/A.class"), "aab");
        assertNotEquals(ClassPathJars.sha256(packed), ClassPathJars.sha256(ClassPathJars.pack(two)));
    }

    @Test
    void entriesAreListedOnceInOrderAndMissingOnesSkipped() throws Exception {
        Path dir = classes("dir", 1_000_000_000_000L);
        Path jar = Files.write(tmp.resolve("lib.jar"), new byte[] {1, 2, 3});
        Path copy = Files.write(tmp.resolve("copy.jar"), new byte[] {1, 2, 3});
        List<ClassPathJars.Jar> jars = ClassPathJars.of(List.of(jar, tmp.resolve("missing.jar"), dir, copy, dir));
        assertEquals(2, jars.size());
        assertEquals(jar, jars.get(0).path);
        assertEquals(3, jars.get(0).size);
        assertEquals("lib.jar", jars.get(0).name);
        assertEquals(ClassPathJars.sha256(new byte[] {1, 2, 3}), jars.get(0).sha256);
        assertEquals(dir, jars.get(1).path);
        assertEquals("dir.dir", jars.get(1).name);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        jars.get(1).writeTo(out);
        assertEquals(jars.get(1).size, out.size());
        assertEquals(jars.get(1).sha256, ClassPathJars.sha256(out.toByteArray()));
        assertEquals(List.of(), ClassPathJars.of(Collections.singletonList(tmp.resolve("nothing"))));
    }

    @Test
    void hashesAreReusedUntilTheEntryChanges() throws Exception {
        Path dir = classes("dir", 1_000_000_000_000L);
        Path jar = Files.write(tmp.resolve("lib.jar"), new byte[] {1, 2, 3});
        ClassPathJars.Jar first = ClassPathJars.of(List.of(jar)).get(0);
        // overwritten with the same size and time: the hash is reused (that is the contract)...
        Files.write(jar, new byte[] {4, 5, 6});
        FileTime time = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
        Files.setLastModifiedTime(jar, time);
        ClassPathJars.Jar second = ClassPathJars.of(List.of(jar)).get(0);
        assertNotEquals(first.sha256, second.sha256, "a new time: hashed again");
        Files.write(jar, new byte[] {7, 8, 9});
        Files.setLastModifiedTime(jar, time);
        assertEquals(second.sha256, ClassPathJars.of(List.of(jar)).get(0).sha256, "same size and time: reused");
        // ...and caught where it matters: what is sent must have the hash announced
        ClassPathJars.Jar stale = ClassPathJars.of(List.of(jar)).get(0);
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> stale.writeTo(new ByteArrayOutputStream()));
        assertEquals("class path jar " + jar + " changed while it was being sent", e.getMessage());
        assertNotEquals(stale.sha256, ClassPathJars.of(List.of(jar)).get(0).sha256, "and then hashed again");

        String before = ClassPathJars.of(List.of(dir)).get(0).sha256;
        assertSame(before, ClassPathJars.of(List.of(dir)).get(0).sha256, "a directory unchanged: not packed again");
        Files.writeString(dir.resolve("b/c/New.class"), "new");
        assertNotEquals(before, ClassPathJars.of(List.of(dir)).get(0).sha256, "a file added deep inside");
    }
}
