package dev.jfork.remote.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.SoftReference;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The local class path as the jars a remote host caches by content hash. Jar files are sent as they
 * are; a class directory is packed into a jar whose bytes depend only on its content (sorted
 * entries, one fixed timestamp), so that the same classes give the same hash and are sent once.
 * Hashes are kept per entry in this JVM and reused while the entry's size and modification time
 * (for a directory: those of every file in it) are unchanged, so a second connection hashes nothing.
 */
final class ClassPathJars {
    /**
     * The time stamp of every entry of a packed directory. A local date-time in the DOS range, so that
     * {@link ZipEntry#setTimeLocal} stores it as it is: no time zone, no extended time field, the same
     * bytes on every machine.
     */
    private static final LocalDateTime FIXED_TIME = LocalDateTime.of(2000, 1, 1, 0, 0);

    /** What was computed for one class-path entry, valid while its key is unchanged. */
    private static final class Cached {
        final String key;
        final String sha256;
        final long size;
        /** A packed directory's bytes; soft, because they can always be packed again. */
        volatile SoftReference<byte[]> packed;

        Cached(String key, String sha256, long size, byte[] packed) {
            this.key = key;
            this.sha256 = sha256;
            this.size = size;
            this.packed = new SoftReference<>(packed);
        }
    }

    private static final Map<Path, Cached> CACHE = new ConcurrentHashMap<>();

    private ClassPathJars() {}

    /** One jar to make available remotely. */
    static final class Jar {
        final Path path;
        final boolean directory;
        final String sha256;
        final long size;
        /** For messages only: the remote side stores the jar under its hash. */
        final String name;
        private final Cached cached;

        private Jar(Path path, boolean directory, Cached cached) {
            this.path = path;
            this.directory = directory;
            this.sha256 = cached.sha256;
            this.size = cached.size;
            this.cached = cached;
            String file = path.getFileName() == null ? "root" : path.getFileName().toString();
            String clean = file.replaceAll("[^A-Za-z0-9._+-]", "_");
            this.name = directory ? clean + ".dir" : clean;
        }

        /**
         * Writes exactly {@link #size} bytes whose SHA-256 is {@link #sha256}: the remote side reads
         * exactly that many, so anything else would break the stream for what follows.
         *
         * @param out where to write
         * @throws IOException if the entry changed since it was hashed, or writing fails
         */
        void writeTo(OutputStream out) throws IOException {
            if (directory) {
                byte[] bytes = cached.packed.get();
                if (bytes == null) {
                    bytes = pack(path);
                    if (!sha256(bytes).equals(sha256)) {
                        CACHE.remove(path, cached);
                        throw new IOException("class directory " + path + " changed while it was being sent");
                    }
                    cached.packed = new SoftReference<>(bytes);
                }
                out.write(bytes);
                return;
            }
            MessageDigest digest = newDigest();
            byte[] buf = new byte[65536];
            long left = size;
            try (InputStream in = Files.newInputStream(path)) {
                while (left > 0) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        break;
                    }
                    digest.update(buf, 0, n);
                    out.write(buf, 0, n);
                    left -= n;
                }
            }
            if (left > 0 || !hex(digest.digest()).equals(sha256)) {
                // too late to take back what was sent: forget the hash, and fail this connection
                CACHE.remove(path, cached);
                throw new IOException("class path jar " + path + " changed while it was being sent");
            }
        }

        @Override
        public String toString() {
            return name + " " + sha256 + " " + size + (directory ? " (packed from " + path + ")" : "");
        }
    }

    /**
     * The jars of a class path, in its order, without duplicates (the same content twice is sent and
     * listed once). Entries that do not exist, or are neither a file nor a directory, are skipped, as
     * the JVM skips them.
     *
     * @param classPath the entries
     * @return the jars
     * @throws IOException if an entry cannot be read
     */
    static List<Jar> of(List<Path> classPath) throws IOException {
        Map<String, Jar> byHash = new LinkedHashMap<>();
        for (Path entry : classPath) {
            Path path = entry.toAbsolutePath().normalize();
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(path, BasicFileAttributes.class);
            } catch (NoSuchFileException e) {
                continue;
            }
            Jar jar;
            if (a.isDirectory()) {
                jar = directory(path);
            } else if (a.isRegularFile()) {
                jar = file(path, a);
            } else {
                continue;
            }
            byHash.putIfAbsent(jar.sha256, jar);
        }
        return new ArrayList<>(byHash.values());
    }

    private static Jar file(Path path, BasicFileAttributes a) throws IOException {
        String key = a.size() + " " + a.lastModifiedTime().toMillis() + " " + a.lastModifiedTime();
        Cached c = CACHE.get(path);
        if (c == null || !c.key.equals(key)) {
            MessageDigest digest = newDigest();
            long size = 0;
            byte[] buf = new byte[65536];
            try (InputStream in = Files.newInputStream(path)) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    digest.update(buf, 0, n);
                    size += n;
                }
            }
            c = new Cached(key, hex(digest.digest()), size, null);
            CACHE.put(path, c);
        }
        return new Jar(path, false, c);
    }

    private static Jar directory(Path dir) throws IOException {
        // the directory's own size and time do not change when a file deep inside it does: the key
        // lists every file's, which costs a walk but no reading
        String key = fingerprint(listing(dir));
        Cached c = CACHE.get(dir);
        if (c == null || !c.key.equals(key)) {
            byte[] bytes = pack(dir);
            c = new Cached(key, sha256(bytes), bytes.length, bytes);
            CACHE.put(dir, c);
        }
        return new Jar(dir, true, c);
    }

    /** One file or directory under a class directory, with its jar entry name. */
    private static final class Item {
        final String name;
        final Path path;
        final BasicFileAttributes attributes;

        Item(String name, Path path, BasicFileAttributes attributes) {
            this.name = name;
            this.path = path;
            this.attributes = attributes;
        }
    }

    /**
     * The entries of a class directory in jar order: the manifest first (where {@code JarInputStream}
     * looks for it), then by name. Symbolic links are followed, as the JVM's class loader follows them.
     */
    private static List<Item> listing(Path dir) throws IOException {
        List<Item> items = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir, Integer.MAX_VALUE, FileVisitOption.FOLLOW_LINKS)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (p.equals(dir)) {
                    continue;
                }
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                StringBuilder name = new StringBuilder();
                for (Path part : dir.relativize(p)) {
                    if (name.length() > 0) {
                        name.append('/');
                    }
                    name.append(part);
                }
                if (a.isDirectory()) {
                    name.append('/');
                } else if (!a.isRegularFile()) {
                    continue;
                }
                items.add(new Item(name.toString(), p, a));
            }
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        items.sort(Comparator.comparingInt((Item i) -> rank(i.name)).thenComparing(i -> i.name));
        return items;
    }

    private static int rank(String name) {
        return name.equals("META-INF/") ? 0 : name.equals("META-INF/MANIFEST.MF") ? 1 : 2;
    }

    private static String fingerprint(List<Item> items) {
        MessageDigest digest = newDigest();
        for (Item i : items) {
            FileTime t = i.attributes.lastModifiedTime();
            String line = i.name + '\0' + i.attributes.size() + '\0' + t + '\n';
            digest.update(line.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return hex(digest.digest());
    }

    /** A jar of a class directory whose bytes depend only on the names and contents of its files. */
    static byte[] pack(Path dir) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Item i : listing(dir)) {
                ZipEntry e = new ZipEntry(i.name);
                e.setTimeLocal(FIXED_TIME);
                zip.putNextEntry(e);
                if (!i.attributes.isDirectory()) {
                    Files.copy(i.path, zip);
                }
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    static String sha256(byte[] bytes) {
        return hex(newDigest().digest(bytes));
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder(b.length * 2);
        for (byte x : b) {
            s.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
        }
        return s.toString();
    }

    /** For tests: forget every hash, as a new JVM would. */
    static void clearCache() {
        CACHE.clear();
    }
}
