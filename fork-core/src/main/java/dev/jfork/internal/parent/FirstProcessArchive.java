package dev.jfork.internal.parent;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.jfork.JvmSpec;
import dev.jfork.internal.os.JavaRuntime;
import dev.jfork.internal.template.ArchiveCachePruner;
import dev.jfork.internal.wire.ArchiveOptions;
import dev.jfork.internal.wire.LaunchLine;

/**
 * The class-data archive of a program's first process, the one started with the JDK alone
 * ({@link ConnectBackLauncher}): that process boots while nothing else of jfork runs, so what it
 * loads (the JDK's Unix socket and security classes, jfork's child, the run function's class) is
 * loaded from jars and parsed, and finding the function's class opens every jar of the class path
 * before it. Mapped from an archive instead, the first {@code create()} of a program reaches its
 * first byte 35-50 ms sooner (measured on 2 CPUs, 35 jars: 259 to 223 ms, 298 to 251 ms).
 *
 * <p>One archive per configuration, in the spec's {@linkplain JvmSpec#cacheDirectory() cache
 * directory}: {@code first-<configuration>-<version>.jsa}, the configuration hashing the
 * {@code java} build, the first process's JVM options and class path, the version also the size and
 * date of every class path entry; a new version's archive replaces the configuration's older ones
 * (a developer's every build of a jar would otherwise leave 10 MB until the cache's pruning). A program whose
 * configuration has no archive yet records it once: its first process lists the classes it loads
 * ({@code -XX:DumpLoadedClassList}, which changes nothing else in it), and once that process has
 * entered its function, a static archive of that list is dumped ({@code -Xshare:dump}), checked by
 * a JVM that must map it ({@code -Xshare:on}), and moved into place, all by a short shell script
 * at 10 nice levels below this program, in the background, in the process's environment and
 * working directory. The script is not tied to this program's life: it ends on its own within a
 * second or two, so that a program shorter than that still leaves its archive for the next run;
 * its files carry its own pid, so that nobody takes them for abandoned while it runs. Neither JVM
 * runs user code (agents and another system class loader make a configuration ineligible), and
 * options that write files (logs, flight recordings, heap dumps) are left out of their command
 * lines. A build that fails leaves {@code first-<key>.jsa.failed}, and that configuration is not
 * recorded again until the cache's pruning removes the marker ({@link JvmSpec#cacheMaxAge()}).
 *
 * <p>Nothing here ever fails a start: a configuration that cannot have an archive (another
 * {@code java} than this JVM's own, a JVM that is not HotSpot, class-data options, agents or
 * another system class loader among the options, options from the environment
 * ({@code JAVA_TOOL_OPTIONS} and the like, which the key would not see), a directory on the class
 * path or in the manifest of a class path of one jar, a cache directory that other users could
 * write into or this one cannot) starts as before. An archive the JVM finds does
 * not fit (a jar named only in a manifest changed, say) would leave the process without any
 * class-data sharing, quietly ({@code -Xshare:auto}, the JVM's notes about it kept off the
 * process's output): so once such a process settled, the parent looks in its
 * {@code /proc/<pid>/maps}, and an archive it did not map is deleted, to be recorded again.
 */
final class FirstProcessArchive {
    /** Keys whose archive this JVM records now: one recording per configuration. */
    private static final Set<String> RECORDING = ConcurrentHashMap.newKeySet();
    /** In the class list of a process that booted: the class that serves the parent's commands. */
    private static final String COMMAND_LOOP = "dev/jfork/internal/child/CommandLoop";
    /** Options (prefixes) that make a configuration ineligible: class-data options of the user's own, agents, another class loader. */
    private static final String[] INELIGIBLE = {"-XX:+AutoCreateSharedArchive", "-XX:-AutoCreateSharedArchive", "-XX:+UseSharedSpaces",
        "-XX:-UseSharedSpaces", "-XX:SharedBaseAddress", "-XX:+RecordDynamicDumpInfo", "-javaagent", "-agentlib", "-agentpath",
        "-Djava.system.class.loader"};
    /** Environment variables whose options the JVM adds to its command line. */
    private static final String[] OPTION_VARIABLES = {"JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"};
    /** Options (prefixes) left out of the dump's and the check's command lines: they write files, or run commands. */
    private static final String[] NOT_FOR_HELPERS = {"-Xlog", "-verbose", "-XX:StartFlightRecording", "-XX:FlightRecorderOptions",
        "-XX:+AlwaysPreTouch", "-XX:OnOutOfMemoryError", "-XX:OnError", "-XX:+HeapDumpOnOutOfMemoryError", "-XX:HeapDumpPath",
        "-XX:ErrorFile", "-Xloggc"};

    /**
     * Moves the recorded class list to names with this shell's pid, runs the dump, then the check,
     * and moves the archive into place if both succeed (and removes the configuration's older
     * versions and their failure markers), else leaves the failure marker; removes what is left
     * either way. Arguments: the archive, the class list, the configuration's name prefix, then
     * {@code java}, its options and class path.
     */
    private static final String SCRIPT = "f=$1; r=$2; o=$3; shift 3\n"
            + "p=\"$f.$$.tmp\"; l=\"$p.classlist\"\n"
            + "mv -f \"$r\" \"$l\" || exit 0\n"
            + "if command -v nice >/dev/null 2>&1; then set -- nice -n " + ArchiveOptions.BACKGROUND_NICE + " \"$@\"; fi\n"
            + "if \"$@\" -Xshare:dump -XX:SharedClassListFile=\"$l\" -XX:SharedArchiveFile=\"$p\" >/dev/null 2>&1 &&"
            + " \"$@\" -Xshare:on -XX:SharedArchiveFile=\"$p\" " + LaunchLine.MAIN_CLASS + " " + LaunchLine.CHECK
            + " >/dev/null 2>&1; then mv -f \"$p\" \"$f\" && for x in \"$o\"*.jsa \"$o\"*.jsa.failed; do"
            + " [ \"$x\" = \"$f\" ] || rm -f \"$x\"; done; else : > \"$f.failed\"; fi\n"
            + "rm -f \"$p\" \"$l\"\n";

    private final JvmSpec spec;
    private final Path archive;
    private final boolean use;
    private final Path recorded;
    private final String key;
    private final List<String> base;

    private FirstProcessArchive(JvmSpec spec, Path archive, boolean use, Path recorded, String key, List<String> base) {
        this.spec = spec;
        this.archive = archive;
        this.use = use;
        this.recorded = recorded;
        this.key = key;
        this.base = base;
    }

    /** Neither an archive nor a recording. */
    private static final FirstProcessArchive NONE = new FirstProcessArchive(null, null, false, null, null, List.of());

    /**
     * What the first process started with {@code argv} ({@link JvmCommand#argv}) by the program
     * {@code owner} (its pid names a recording's files) does: maps its archive, records one, or
     * neither.
     */
    static FirstProcessArchive of(JvmSpec spec, List<String> argv, long owner) {
        try {
            int main = argv.indexOf(LaunchLine.MAIN_CLASS);
            if (!spec.classDataSharing() || main < 0 || !ownHotSpot(spec) || optionsFromEnvironment(spec.environment())) {
                return NONE;
            }
            List<String> base = new ArrayList<>(argv.subList(0, main));
            int cp = base.indexOf("-cp");
            for (int i = 1; i < base.size(); i++) {
                if (i != cp + 1 && ineligible(base.get(i))) {
                    return NONE;
                }
            }
            List<String> classPath = classPath(base);
            Path dir = spec.cacheDirectory();
            String d = dir.toString();
            if (classPath == null || d.contains("%") || d.contains(File.pathSeparator) || (Files.exists(dir) && !ownedAlone(dir))) {
                return NONE; // % and : mean something in the JVM's archive options
            }
            String key = key(base, classPath);
            Path archive = dir.resolve("first-" + key + ".jsa");
            if (Files.isRegularFile(archive) && Files.size(archive) > 0) {
                return new FirstProcessArchive(spec, archive, true, null, key, base);
            }
            if (Files.exists(failedMarker(archive)) || beingBuilt(dir, archive.getFileName().toString()) || !RECORDING.add(key)) {
                return NONE; // failed before; or being recorded or built by another program, or an earlier first process of this one
            }
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path recorded = dir.resolve(ArchiveCachePruner.partialName(archive.getFileName().toString(), owner) + ".recorded");
            return new FirstProcessArchive(spec, archive, false, recorded, key, base);
        } catch (IOException | RuntimeException e) {
            return NONE;
        }
    }

    private static boolean ineligible(String option) {
        return ArchiveOptions.isArchiveOption(option) || startsWithAny(option, INELIGIBLE);
    }

    private static boolean startsWithAny(String option, String[] prefixes) {
        for (String p : prefixes) {
            if (option.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether only this user can put files into {@code dir} (an archive found there is mapped
     * without a check), and can write there.
     */
    private static boolean ownedAlone(Path dir) throws IOException {
        PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class);
        Set<PosixFilePermission> p = a.permissions();
        return a.isDirectory() && a.owner().getName().equals(System.getProperty("user.name")) && p.contains(PosixFilePermission.OWNER_WRITE)
                && !p.contains(PosixFilePermission.GROUP_WRITE) && !p.contains(PosixFilePermission.OTHERS_WRITE);
    }

    private static boolean optionsFromEnvironment(Map<String, String> environment) {
        for (String v : OPTION_VARIABLES) {
            String value = environment.get(v);
            if (value != null && !value.isBlank()) {
                return true;
            }
        }
        return false;
    }

    private static Path failedMarker(Path archive) {
        return Paths.get(archive + ".failed");
    }

    /** The JVM options the process gets for this (before the user's own); none if neither. */
    List<String> options() {
        if (use) {
            List<String> o = new ArrayList<>();
            o.add("-XX:SharedArchiveFile=" + archive);
            o.addAll(ArchiveOptions.QUIET); // its notes about an archive that does not fit are not the program's output
            return o;
        }
        return recorded == null ? List.of() : List.of("-XX:DumpLoadedClassList=" + recorded);
    }

    /** Whether the process maps an archive (its class path need not be opened ahead of the run function). */
    boolean mapped() {
        return use;
    }

    /** The process was not started after all: nothing is recorded. */
    void abandon() {
        if (recorded != null) {
            try {
                Files.deleteIfExists(recorded);
            } catch (IOException ignored) {
                // the cache's pruning removes it
            }
            RECORDING.remove(key);
        }
    }

    /**
     * Once the process has settled: starts the build of a recording in the background (see the
     * class comment), or checks that a process given the archive mapped it (else the archive is
     * deleted, to be recorded again). Never throws.
     */
    void settled(long pid) {
        if (use) {
            unmappedIsDeleted(pid);
        } else if (recorded != null) {
            build();
        }
    }

    private void unmappedIsDeleted(long pid) {
        try {
            String maps = new String(Files.readAllBytes(Paths.get("/proc/" + pid + "/maps")), StandardCharsets.ISO_8859_1);
            if (!maps.isEmpty() && !maps.contains(archive.toString())) {
                Log.LOG.log(System.Logger.Level.DEBUG, "jfork: process {0} did not map {1}: deleted, to be recorded again", pid, archive);
                Files.deleteIfExists(archive);
            }
        } catch (IOException | RuntimeException e) {
            // the process has ended already: nothing to tell
        }
    }

    private void build() {
        Path list = Paths.get(recorded + ".list");
        try {
            // the process still lists what it loads from here on: its list so far, whole lines only
            byte[] all = Files.readAllBytes(recorded);
            if (!new String(all, StandardCharsets.ISO_8859_1).contains(COMMAND_LOOP)) {
                Files.deleteIfExists(recorded);
                return; // it ended before its command loop ran (a failed boot): nothing worth archiving, nothing failed
            }
            int end = all.length;
            while (end > 0 && all[end - 1] != '\n') {
                end--;
            }
            Files.write(list, Arrays.copyOf(all, end));
            Files.deleteIfExists(recorded); // the process keeps writing to it, unnamed, until it ends
            String name = archive.getFileName().toString();
            String configuration = archive.resolveSibling(name.substring(0, name.lastIndexOf('-') + 1)).toString();
            List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", SCRIPT, "jfork-first-process-archive", archive.toString(),
                    list.toString(), configuration));
            for (String a : base) {
                if (!startsWithAny(a, NOT_FOR_HELPERS)) {
                    command.add(a);
                }
            }
            ProcessBuilder pb = new ProcessBuilder(command).redirectInput(new File("/dev/null"))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().clear();
            pb.environment().putAll(spec.environment());
            if (spec.workingDirectory() != null) {
                pb.directory(spec.workingDirectory().toFile());
            }
            pb.start();
        } catch (IOException | RuntimeException e) {
            Log.LOG.log(System.Logger.Level.DEBUG, "jfork: no class-data archive for a first process: {0}", e.toString());
            try {
                Files.deleteIfExists(recorded);
                Files.deleteIfExists(list);
                Files.write(failedMarker(archive), new byte[0]);
            } catch (IOException ignored) {
                // the cache's pruning removes what is left
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
        try (DirectoryStream<Path> partials = Files.newDirectoryStream(dir, archive + ".*.tmp*")) {
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
        return JavaRuntime.isOwn(spec.java());
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
            if (hasContent(new File(e))) {
                return null;
            }
            entries.add(e);
        }
        if (entries.size() == 1 && manifestNamesADirectory(new File(entries.get(0)))) {
            return null;
        }
        return entries;
    }

    private static boolean hasContent(File f) {
        String[] content = f.list();
        return content != null && content.length > 0;
    }

    /**
     * Whether a jar's manifest {@code Class-Path} names a directory with content: a class path of
     * one jar is often only that manifest (surefire's test JVMs, an IDE's short command line),
     * and the JVM cannot dump an archive of it. Only looked at for a class path of one jar: it
     * opens the jar, before the first process starts.
     */
    private static boolean manifestNamesADirectory(File jar) {
        try (java.util.jar.JarFile j = new java.util.jar.JarFile(jar)) {
            java.util.jar.Manifest m = j.getManifest();
            String listed = m == null ? null : m.getMainAttributes().getValue(java.util.jar.Attributes.Name.CLASS_PATH);
            if (listed == null) {
                return false;
            }
            for (String entry : listed.trim().split("\\s+")) {
                try {
                    java.net.URI uri = jar.getAbsoluteFile().getParentFile().toURI().resolve(entry);
                    if ("file".equals(uri.getScheme()) && hasContent(new File(uri))) {
                        return true;
                    }
                } catch (IllegalArgumentException e) {
                    // not a file URL: the JVM ignores it too
                }
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return true; // cannot tell: no archive
        }
    }

    /**
     * The configuration's key, {@code <configuration>-<version>}: the {@code java} build, the
     * options and the class path; then also the JDK's and each class path entry's size and date.
     * 64-bit FNV-1a hashes with different seeds, mixed: not
     * {@code MessageDigest}, whose security providers' set-up costs a cold program 15-20 ms before
     * its first process could start (a collision is harmless: the JVM checks that an archive fits
     * its class path and options, and a process that does not map its archive has it deleted).
     */
    private static String key(List<String> base, List<String> classPath) {
        StringBuilder k = new StringBuilder("jfork-first-process-v1\n");
        Path home = Paths.get(System.getProperty("java.home"));
        k.append(home).append('\n').append(System.getProperty("java.vm.version")).append('\n');
        for (String a : base) {
            k.append(a).append('\n');
        }
        String configuration = hash(k.toString(), 0xcbf29ce484222325L);
        File modules = home.resolve("lib").resolve("modules").toFile();
        k.append(modules.length()).append(' ').append(modules.lastModified()).append('\n');
        for (String e : classPath) {
            File f = new File(e);
            k.append(e).append(' ').append(f.length()).append(' ').append(f.lastModified()).append('\n');
        }
        return configuration + "-" + hash(k.toString(), 0x84222325cbf29ce4L);
    }

    private static String hash(String text, long seed) {
        return hex(mix(fnv1a(text.getBytes(StandardCharsets.UTF_8), seed)));
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
