package dev.jfork.internal.template;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps a class-data archive cache directory from growing without bound. Every distinct
 * configuration gets its own archive (6-17 MB), and a configuration changes whenever a jar on the
 * class path is rebuilt, so a developer's cache would otherwise gain an archive per build.
 *
 * <p>An archive counts as used when it was built, found by a template (which sets its modification
 * time) or mapped by a JVM (which updates its access time, at least daily on {@code relatime}
 * mounts). Archives, and partial files of interrupted builds, unused for longer than the maximum
 * age are deleted, and partial files of a build whose process is gone at once, at most once per
 * directory and parent JVM, when the parent starts its first process that may use the directory.
 * Deleting an archive that a JVM still maps is harmless on Linux (the mapping keeps the file's data); a JVM started later with it builds it again.
 */
public final class ArchiveCachePruner {
    private static final Set<Path> PRUNED = ConcurrentHashMap.newKeySet();

    private ArchiveCachePruner() {}

    /**
     * jfork's logger, looked up when something is logged: the logging backend's set-up costs a
     * cold JVM 25-30 ms of CPU, which a program's first process would otherwise compete with.
     */
    private static System.Logger log() {
        return System.getLogger("dev.jfork");
    }

    /** The partial file this process builds {@code archive} in ({@code <archive>.<pid>.tmp}, see {@link #isAbandoned}). */
    public static String partialName(String archive) {
        return partialName(archive, ProcessHandle.current().pid());
    }

    /** {@link #partialName(String)} of a build by the process {@code pid}. */
    public static String partialName(String archive, long pid) {
        return archive + "." + pid + ".tmp";
    }

    /**
     * Whether {@code name} is a partial file of a build ({@link #partialName}, and the
     * {@code .config} or {@code .classlist} the JVMs write beside it) whose process is gone: a
     * template that exits while it builds (closed, or its owner died: it halts) leaves them, 10 MB
     * and more each. A pid that is alive again (reused) keeps the file until the maximum age.
     */
    public static boolean isAbandoned(String name) {
        int tmp = name.indexOf(".tmp");
        int dot = tmp < 0 ? -1 : name.lastIndexOf('.', tmp - 1);
        if (dot < 0) {
            return false;
        }
        long pid;
        try {
            pid = Long.parseLong(name.substring(dot + 1, tmp));
        } catch (NumberFormatException e) {
            return false;
        }
        return pid > 0 && ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
    }

    /**
     * Deletes archives in {@code directory} unused for longer than {@code maxAge}, and partial files
     * of builds whose process is gone, once per directory.
     */
    public static void pruneOnce(Path directory, Duration maxAge) {
        if (!PRUNED.add(directory)) {
            return;
        }
        FileTime limit = FileTime.fromMillis(System.currentTimeMillis() - maxAge.toMillis());
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (!(name.endsWith(".jsa") || name.endsWith(".aot") || name.endsWith(".failed") || name.contains(".tmp"))) {
                    continue; // not ours
                }
                try {
                    BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                    FileTime used = a.lastModifiedTime().compareTo(a.lastAccessTime()) > 0 ? a.lastModifiedTime() : a.lastAccessTime();
                    if (a.isRegularFile() && (isAbandoned(name) || used.compareTo(limit) < 0)) {
                        Files.deleteIfExists(f);
                        log().log(System.Logger.Level.DEBUG, "jfork: deleted {0} (left by a build that is gone, or unused since {1})", f, used);
                    }
                } catch (IOException e) {
                    log().log(System.Logger.Level.DEBUG, "jfork: cannot prune " + f + ": " + e);
                }
            }
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            // no directory yet (nothing to prune) or not readable (the template reports archive problems);
            // housekeeping never fails the start it runs beside
            log().log(System.Logger.Level.DEBUG, "jfork: cannot list the class-data archive cache " + directory + ": " + e);
        }
    }
}
