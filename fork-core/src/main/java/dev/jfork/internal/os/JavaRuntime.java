package dev.jfork.internal.os;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The feature version (17, 25, ...) of a {@code java} executable, so that child command lines only
 * use options that JVM knows (an unknown option such as {@code --sun-misc-unsafe-memory-access} on
 * JDK 17 stops the JVM from starting). Read from the JDK's {@code release} file; if there is none,
 * from {@code java -version} once. Cached per executable.
 */
public final class JavaRuntime {
    private JavaRuntime() {}

    private static final ConcurrentHashMap<Path, Integer> CACHE = new ConcurrentHashMap<>();
    /** This JVM's {@code java.home/bin/java}, as JvmSpec names it by default. */
    private static final String OWN_LAUNCHER = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    private static final String RELEASE = "(?m)^JAVA_VERSION=\"(\\d+)(?:[.\"+-])";
    private static final String VERSION_OUTPUT = "version \"(\\d+)(?:[.\"+-])";

    public static int featureVersion(Path java) throws IOException {
        if (isOwn(java)) {
            return Runtime.version().feature(); // the common case, on a program's first create(): nothing to read
        }
        Path real = java.toRealPath();
        Integer cached = CACHE.get(real);
        if (cached != null) {
            return cached;
        }
        int v = detect(real);
        CACHE.put(real, v);
        return v;
    }

    /**
     * Whether {@code java} is this JVM's own launcher: JvmSpec's default is compared as a string
     * (not even the file system is asked, on a program's way to its first process), anything else
     * by its real path.
     */
    public static boolean isOwn(Path java) throws IOException {
        return java.toString().equals(OWN_LAUNCHER) || java.toRealPath().equals(Own.JAVA);
    }

    /** This JVM's own {@code java} (real path), or null. */
    private static final class Own {
        static final Path JAVA = own();

        private static Path own() {
            try {
                return Paths.get(System.getProperty("java.home"), "bin", "java").toRealPath();
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
    }

    private static int detect(Path java) throws IOException {
        Path home = java.getParent() == null ? null : java.getParent().getParent();
        if (home != null) {
            Path release = home.resolve("release");
            if (Files.isRegularFile(release)) {
                Matcher m = Pattern.compile(RELEASE).matcher(Files.readString(release));
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
            }
        }
        Process p = new ProcessBuilder(java.toString(), "-version").redirectErrorStream(true).start();
        try (InputStream in = p.getInputStream()) {
            String out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            Matcher m = Pattern.compile(VERSION_OUTPUT).matcher(out);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            throw new IOException("cannot tell the version of " + java + " from: " + out.strip());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking " + java + " for its version", e);
        } finally {
            p.destroyForcibly();
        }
    }
}
