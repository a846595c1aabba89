package dev.jfork.internal.parent;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.jfork.JvmSpec;
import dev.jfork.internal.template.ArchiveCachePruner;
import dev.jfork.internal.wire.LaunchLine;

/**
 * The class-data archive of a program's first process, the one started with the JDK alone
 * ({@link ConnectBackLauncher}): that process boots while nothing else of jfork runs, so what it
 * loads (the JDK's Unix socket and security classes, jfork's child, the run function's class) is
 * loaded from jars and parsed, and finding the function's class opens every jar of the class path
 * before it. Mapped from an archive instead, the first {@code create()} of a program reaches its
 * first byte 35-40 ms sooner (measured on 2 CPUs, 35 jars: 259 to 223 ms).
 *
 * <p>One archive per configuration, in the spec's {@linkplain JvmSpec#cacheDirectory() cache
 * directory}: {@code first-<key>.jsa}, the key hashing the {@code java} build, the first process's
 * JVM options and class path (with the size and date of every entry). A program whose
 * configuration has no archive yet records it once: its first process lists the classes it loads
 * ({@code -XX:DumpLoadedClassList}, which changes nothing else in it), and once that process has
 * entered its function, a static archive of that list is dumped ({@code -Xshare:dump}), checked by
 * a JVM that must map it ({@code -Xshare:on}), and moved into place, all by a short shell script
 * at 10 nice levels below this program, in the background. The script is not tied to this
 * program's life: it ends on its own within about a second, so that a program shorter than that
 * still leaves its archive for the next run; it never runs user code. Nothing here ever fails a
 * start: a configuration that cannot have an archive (another {@code java} than this JVM's own, a
 * JVM that is not HotSpot, CDS options of the user's own, a directory on the class path, a cache
 * directory that cannot be made) starts as before, and an archive that does not fit is ignored by
 * the JVM ({@code -Xshare:auto}).
 */
final class FirstProcessArchive {
    /** How much nicer than this program the dump and check JVMs run. */
    static final int BACKGROUND_NICE = 10;
    /** Keys whose archive this JVM records now: one recording per configuration. */
    private static final Set<String> RECORDING = ConcurrentHashMap.newKeySet();

    /**
     * Runs the dump, then the check, and moves the archive into place if both succeed; removes
     * what is left either way. Arguments: the partial archive, the archive, the class list, then
     * {@code java}, its options and class path.
     */
    private static final String SCRIPT = "p=$1; f=$2; l=$3; shift 3\n"
            + "n=; command -v nice >/dev/null 2>&1 && n=\"nice -n " + BACKGROUND_NICE + "\"\n"
            + "if $n \"$@\" -Xshare:dump -XX:SharedClassListFile=\"$l\" -XX:SharedArchiveFile=\"$p\" >/dev/null 2>&1 &&"
            + " $n \"$@\" -Xshare:on -XX:SharedArchiveFile=\"$p\" " + LaunchLine.MAIN_CLASS + " " + LaunchLine.CHECK
            + " >/dev/null 2>&1; then mv -f \"$p\" \"$f\"; fi\n"
            + "rm -f \"$p\" \"$l\"\n";

    /** In the class list of a process that booted: the class that serves the parent's commands. */
    private static final String COMMAND_LOOP = "dev/jfork/internal/child/CommandLoop";

    private final Path archive;
    private final boolean use;
    private final Path recorded;
    private final String key;
    private final List<String> base;

    private FirstProcessArchive(Path archive, boolean use, Path recorded, String key, List<String> base) {
        this.archive = archive;
        this.use = use;
        this.recorded = recorded;
        this.key = key;
        this.base = base;
    }

    /** Neither an archive nor a recording. */
    private static final FirstProcessArchive NONE = new FirstProcessArchive(null, false, null, null, List.of());

    /**
     * What the first process started with {@code argv} ({@link JvmCommand#argv}) does: maps its
     * archive, records one, or neither.
     */
    static FirstProcessArchive of(JvmSpec spec, List<String> argv) {
        try {
            int main = argv.indexOf(LaunchLine.MAIN_CLASS);
            if (!spec.classDataSharing() || main < 0 || !ownHotSpot(spec)) {
                return NONE;
            }
            List<String> base = new ArrayList<>(argv.subList(0, main));
            for (String option : base.subList(1, base.size())) {
                String o = option.toLowerCase(java.util.Locale.ROOT);
                if (!o.startsWith("-d") && (o.contains("share") || o.contains("aot") || o.contains("archive") || o.contains("classlist"))) {
                    return NONE; // the user's own class-data options (-Xshare, -XX:SharedArchiveFile, -XX:AOTCache, ...)
                }
            }
            List<String> classPath = classPath(base);
            if (classPath == null) {
                return NONE;
            }
            String key = key(base, classPath);
            Path dir = spec.cacheDirectory();
            Path archive = dir.resolve("first-" + key + ".jsa");
            if (Files.isRegularFile(archive) && Files.size(archive) > 0) {
                return new FirstProcessArchive(archive, true, null, key, base);
            }
            if (beingBuilt(dir, archive.getFileName().toString()) || !RECORDING.add(key)) {
                return NONE; // being recorded or built by another program, or by an earlier first process of this one
            }
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path recorded = dir.resolve(ArchiveCachePruner.partialName(archive.getFileName().toString()) + ".recorded");
            return new FirstProcessArchive(archive, false, recorded, key, base);
        } catch (IOException | RuntimeException e) {
            return NONE;
        }
    }

    /** The JVM options the process gets for this (before the user's own); none if neither. */
    List<String> options() {
        if (use) {
            // the JVM ignores an archive that does not fit (-Xshare:auto); its notes about that are not the program's output
            return List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
        }
        return recorded == null ? List.of() : List.of("-XX:DumpLoadedClassList=" + recorded);
    }

    /** Whether the process maps an archive (its class path need not be opened ahead of the run function). */
    boolean mapped() {
        return use;
    }

    /**
     * Once the recording process has entered its function: dumps, checks and moves the archive
     * into place in the background (see the class comment). Does nothing if there is no recording.
     * Never throws.
     */
    void build() {
        if (recorded == null) {
            return;
        }
        Path partial = Paths.get(recorded.toString().substring(0, recorded.toString().length() - ".recorded".length()));
        Path list = Paths.get(partial + ".classlist");
        try {
            // the process still lists what it loads from here on: its list so far, whole lines only
            byte[] all = Files.readAllBytes(recorded);
            if (!new String(all, StandardCharsets.ISO_8859_1).contains(COMMAND_LOOP)) {
                throw new IOException("the process ended before its command loop ran"); // a failed boot: nothing worth archiving
            }
            int end = all.length;
            while (end > 0 && all[end - 1] != '\n') {
                end--;
            }
            Files.write(list, java.util.Arrays.copyOf(all, end));
            Files.deleteIfExists(recorded); // the process keeps writing to it, unnamed, until it ends
            List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", SCRIPT, "jfork-first-process-archive", partial.toString(),
                    archive.toString(), list.toString()));
            command.addAll(base);
            new ProcessBuilder(command).redirectInput(new File("/dev/null")).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException | RuntimeException e) {
            Log.LOG.log(System.Logger.Level.DEBUG, "jfork: no class-data archive for a first process: {0}", e.toString());
            try {
                Files.deleteIfExists(recorded);
                Files.deleteIfExists(list);
            } catch (IOException ignored) {
                // the cache's pruning removes it
            }
        } finally {
            RECORDING.remove(key);
        }
    }

    /** Whether a live process has partial files of {@code archive} in {@code dir} (see {@link ArchiveCachePruner#partialName}). */
    private static boolean beingBuilt(Path dir, String archive) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (java.nio.file.DirectoryStream<Path> partials = Files.newDirectoryStream(dir, archive + ".*.tmp*")) {
            for (Path p : partials) {
                if (!ArchiveCachePruner.isAbandoned(p.getFileName().toString())) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Whether the process runs this JVM's own {@code java} and this JVM is HotSpot: the options
     * used here are HotSpot's, and a JVM that does not know them may refuse to start.
     */
    private static boolean ownHotSpot(JvmSpec spec) throws IOException {
        String vm = System.getProperty("java.vm.name", "");
        if (vm.contains("OpenJ9") || !(vm.contains("HotSpot") || vm.contains("OpenJDK") || vm.contains("Server VM"))) {
            return false;
        }
        return spec.java().toRealPath().equals(Paths.get(System.getProperty("java.home"), "bin", "java").toRealPath());
    }

    /** The class path's entries, or null if one is a directory with content (the JVM archives classes from jar files only). */
    private static List<String> classPath(List<String> base) {
        int cp = base.indexOf("-cp");
        if (cp < 0 || cp + 1 >= base.size()) {
            return null;
        }
        List<String> entries = new ArrayList<>();
        for (String e : base.get(cp + 1).split(File.pathSeparator)) {
            if (e.isEmpty()) {
                continue;
            }
            String[] content = new File(e).list();
            if (content != null && content.length > 0) {
                return null;
            }
            entries.add(e);
        }
        return entries;
    }

    /**
     * The configuration's key: the {@code java} build, the options and the class path with each
     * entry's size and date. Two 64-bit FNV-1a hashes with different seeds, mixed: not
     * {@code MessageDigest}, whose security providers' set-up costs a cold program 15-20 ms before
     * its first process could start (a collision is harmless: the JVM checks that an archive fits
     * its class path and options, and ignores it if not).
     */
    private static String key(List<String> base, List<String> classPath) {
        StringBuilder k = new StringBuilder("jfork-first-process-v1\n");
        Path home = Paths.get(System.getProperty("java.home"));
        k.append(home).append('\n').append(System.getProperty("java.vm.version")).append('\n');
        File modules = home.resolve("lib").resolve("modules").toFile();
        k.append(modules.length()).append(' ').append(modules.lastModified()).append('\n');
        for (String a : base) {
            k.append(a).append('\n');
        }
        for (String e : classPath) {
            File f = new File(e);
            k.append(e).append(' ').append(f.length()).append(' ').append(f.lastModified()).append('\n');
        }
        byte[] bytes = k.toString().getBytes(StandardCharsets.UTF_8);
        return hex(mix(fnv1a(bytes, 0xcbf29ce484222325L))) + hex(mix(fnv1a(bytes, 0x84222325cbf29ce4L)));
    }

    private static long fnv1a(byte[] bytes, long seed) {
        long h = seed;
        for (byte b : bytes) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** SplitMix64's finaliser: every input bit reaches every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static String hex(long v) {
        String s = Long.toHexString(v);
        return "0".repeat(16 - s.length()) + s;
    }
}
