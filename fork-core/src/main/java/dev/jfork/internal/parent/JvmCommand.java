package dev.jfork.internal.parent;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.channels.spi.SelectorProvider;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.jfork.JvmSpec;
import dev.jfork.internal.os.JavaRuntime;
import dev.jfork.internal.wire.LaunchLine;
import dev.jfork.internal.wire.SparePolicy;


/** The command line and environment of a child JVM started from a {@link JvmSpec}. */
public final class JvmCommand {
    private JvmCommand() {}

    /**
     * Resources that locate the jars the child needs whatever the user's class path says: jfork
     * itself, and jnr-ffi with what it needs, loaded in the child only when a descriptor arrives.
     */
    private static final String[] REQUIRED_RESOURCES = {LaunchLine.MAIN_CLASS.replace('.', '/') + ".class", "jnr/ffi/Pointer.class",
        "com/kenai/jffi/Library.class", "jni/" + jffiArch() + "-Linux/libjffi-1.2.so", "org/objectweb/asm/ClassVisitor.class",
        "org/objectweb/asm/commons/Method.class", "org/objectweb/asm/tree/ClassNode.class",
        "org/objectweb/asm/tree/analysis/Analyzer.class", "org/objectweb/asm/util/Printer.class",
        "jnr/x86asm/Assembler.class", "jnr/a64asm/Assembler_A64.class"};

    private static volatile Map<String, String> required;

    /** {@link JvmSpec.Builder#leanFlags(boolean)}. */
    public static final List<String> LEAN_FLAGS = List.of("-XX:-UsePerfData");
    /** {@link JvmSpec.Builder#fixedArchiveAddress(boolean)}. */
    public static final List<String> FIXED_ARCHIVE_ADDRESS = List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0");

    /**
     * The full command line: {@code java}, jfork's and the spec's options, the class path and the
     * {@link LaunchLine} ({@code connect}: null, or the listening socket a process started without
     * libc connects back to).
     */
    public static List<String> argv(JvmSpec spec, long owner, int lifelineFd, String role, String connect) throws IOException {
        int feature = JavaRuntime.featureVersion(spec.java());
        if (feature < 17) {
            throw new IOException(spec.java() + " is Java " + feature + "; jfork children need Java 17 or newer");
        }
        List<String> argv = new ArrayList<>();
        argv.add(spec.java().toString());
        // jfork's own flags first: the user's options come later and win where they set the same flag
        if (spec.leanFlags()) {
            argv.addAll(LEAN_FLAGS);
        }
        if (spec.fixedArchiveAddress()) {
            argv.addAll(FIXED_ARCHIVE_ADDRESS);
        }
        argv.addAll(spec.jvmOptions());
        for (Map.Entry<String, String> p : spec.systemProperties().entrySet()) {
            argv.add("-D" + p.getKey() + "=" + p.getValue());
        }
        // jnr's native stub, if a descriptor arrives; silences JDK 22+'s restricted-method warning
        argv.add("--enable-native-access=ALL-UNNAMED");
        if (feature >= 23) {
            // jfork's child, jffi and Kryo use sun.misc.Unsafe; the option does not exist before 23 (and stops 17 from starting)
            argv.add("--sun-misc-unsafe-memory-access=allow");
        }
        argv.add("-cp");
        argv.add(classPath(spec));
        SparePolicy spares = new SparePolicy(spec.spares(), spec.maxSpares(), spec.spareDelay().toMillis(),
                spec.spareIdleTimeout().toMillis(), spec.spareMemoryBudget());
        argv.addAll(new LaunchLine(owner, lifelineFd, spec.maxFrameSize(), role, spares,
                spec.classDataSharing() ? spec.cacheDirectory().toString() : null, connect).mainAndArgs());
        return argv;
    }

    /**
     * The class of this JVM's selector provider if it is the JDK's own and a child of {@code spec}
     * runs on this JVM's class path ({@link #isOwnClassPath}): its look-up would find no other
     * provider either (the JDK looks on the class path, opening every jar, which cost a program's
     * first process 25-40 ms), so it may be told the JDK's. Else null. This JVM's look-up is made
     * once, here or by another jfork thread that opened a Unix socket first.
     */
    static String jdkSelectorProvider(JvmSpec spec) {
        if (!isOwnClassPath(spec.classPath()) || System.getProperty("java.nio.channels.spi.SelectorProvider") != null) {
            return null;
        }
        Class<?> provider = SelectorProvider.provider().getClass();
        return provider.getModule() == Object.class.getModule() ? provider.getName() : null;
    }

    public static List<String> envp(JvmSpec spec) {
        List<String> env = new ArrayList<>(spec.environment().size());
        for (Map.Entry<String, String> e : spec.environment().entrySet()) {
            env.add(e.getKey() + "=" + e.getValue());
        }
        return env;
    }

    private static String classPath(JvmSpec spec) {
        if (isOwnClassPath(spec.classPath())) {
            // every jar and directory this JVM loads jfork (and what it needs) from is on it already
            return String.join(File.pathSeparator, spec.classPath());
        }
        Set<String> entries = new LinkedHashSet<>(spec.classPath());
        for (Map.Entry<String, String> r : required().entrySet()) {
            if (!entries.contains(r.getValue()) && !provides(spec.classPath(), r.getKey())) {
                entries.add(r.getValue());
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    /**
     * Whether {@code classPath} is this JVM's own, the one the class loader of jfork searches: then
     * whatever jfork loads is found on it, and looking (opening jars up to each one's) is not needed.
     * Not where jfork is loaded by another loader, or this JVM has a module path.
     */
    private static boolean isOwnClassPath(List<String> classPath) {
        if (JvmCommand.class.getClassLoader() != ClassLoader.getSystemClassLoader() || System.getProperty("jdk.module.path") != null) {
            return false;
        }
        List<String> own = new ArrayList<>();
        for (String e : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!e.isEmpty()) {
                own.add(e);
            }
        }
        return own.equals(classPath);
    }

    /** Resource name to the jar or directory this JVM loads it from. */
    private static Map<String, String> required() {
        Map<String, String> r = required;
        if (r == null) {
            Map<String, String> found = new java.util.LinkedHashMap<>();
            ClassLoader loader = JvmCommand.class.getClassLoader();
            for (String resource : REQUIRED_RESOURCES) {
                URL url = loader.getResource(resource);
                String location = url == null ? null : location(url, resource);
                if (location != null) {
                    found.put(resource, location);
                }
            }
            r = required = found;
        }
        return r;
    }

    private static final Map<String, Boolean> PROVIDES = new java.util.concurrent.ConcurrentHashMap<>();

    /** Whether one of the class path entries holds the resource (a user jar may bundle jfork). */
    private static boolean provides(List<String> classPath, String resource) {
        for (String entry : classPath) {
            Boolean has = PROVIDES.computeIfAbsent(entry + "!" + resource, k -> {
                File f = new File(entry);
                if (f.isDirectory()) {
                    return new File(f, resource).isFile();
                }
                if (f.isFile()) {
                    try (java.util.jar.JarFile jar = new java.util.jar.JarFile(f)) {
                        return jar.getEntry(resource) != null;
                    } catch (IOException e) {
                        return false;
                    }
                }
                return false;
            });
            if (has) {
                return true;
            }
        }
        return false;
    }

    /** The jar or directory a resource URL comes from. */
    private static String location(URL url, String resource) {
        try {
            String s = url.toString();
            if (s.startsWith("jar:")) {
                return Paths.get(new URL(s.substring(4, s.indexOf("!/"))).toURI()).toString();
            }
            if (s.startsWith("file:") && s.endsWith(resource)) {
                return Paths.get(new URL(s.substring(0, s.length() - resource.length())).toURI()).toString();
            }
        } catch (URISyntaxException | IOException | RuntimeException ignored) {
            // not a file: the user's class path must provide it
        }
        return null;
    }

    private static String jffiArch() {
        String arch = System.getProperty("os.arch");
        return "amd64".equals(arch) ? "x86_64" : arch;
    }
}
