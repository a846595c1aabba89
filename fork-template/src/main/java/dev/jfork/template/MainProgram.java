package dev.jfork.template;

import java.io.File;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;

import dev.jfork.JvmSpec;
import dev.jfork.internal.wire.ArchiveOptions;


/** What of the running program a template reproduces: its JVM setup and its loaded classes. */
final class MainProgram {
    /** Option prefixes that must not be copied into another JVM. */
    private static final String[] NOT_COPIED = {
        "-agentlib:jdwp", "-Xrunjdwp", "-Xdebug", "-Xnoagent",      // a debugger port can be bound once
        "-Dcom.sun.management.jmxremote",                           // and so can a JMX port
        "-XX:StartFlightRecording", "-XX:FlightRecorderOptions",    // recordings write files
        "-Xloggc:",
    };
    /** Packages of the native layer jfork loads into every program: not the program's. */
    private static final String[] JFORK_PACKAGES = {"jnr.", "com.kenai.jffi.", "org.objectweb.asm."};

    private final JvmSpec spec;
    private final List<String> classes;

    private MainProgram(JvmSpec spec, List<String> classes) {
        this.spec = spec;
        this.classes = classes;
    }

    static MainProgram current() {
        List<String> options = new ArrayList<>();
        for (String o : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (copyable(o)) {
                options.add(o);
            }
        }
        JvmSpec spec = JvmSpec.builder().jvmOptions(options).build();
        return new MainProgram(spec, applicationClasses());
    }

    JvmSpec spec() {
        return spec;
    }

    /** The application class loader's classes, in the order they were loaded. */
    List<String> loadedClasses() {
        return classes;
    }

    static boolean copyable(String option) {
        if (ArchiveOptions.isArchiveOption(option)) {
            return false; // archives: jfork makes the template's forks their own
        }
        for (String p : NOT_COPIED) {
            if (option.startsWith(p)) {
                return false;
            }
        }
        if (option.startsWith("-Xlog:") && option.contains("file=")) {
            return false; // two JVMs writing one log file
        }
        if (option.startsWith("-javaagent:")) {
            return !isJforkAgent(option.substring("-javaagent:".length()));
        }
        return true;
    }

    /** fork-early's agent in the template would start an early template of its own. */
    private static boolean isJforkAgent(String spec) {
        int eq = spec.indexOf('=');
        String jar = eq < 0 ? spec : spec.substring(0, eq);
        try (JarFile f = new JarFile(new File(jar))) {
            String premain = f.getManifest() == null ? null : f.getManifest().getMainAttributes().getValue("Premain-Class");
            return premain != null && premain.startsWith("dev.jfork.");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Classes of the application class loader, then of the loaders between it and the thread's
     * context loader (a launcher or test runner may load the application through its own loader
     * with the same class path), in load order per loader.
     */
    private static List<String> applicationClasses() {
        List<ClassLoader> chain = new ArrayList<>();
        ClassLoader system = ClassLoader.getSystemClassLoader();
        for (ClassLoader l = Thread.currentThread().getContextClassLoader(); l != null && l != system; l = l.getParent()) {
            chain.add(0, l);
        }
        chain.add(0, system);
        List<Class<?>> loaded = new ArrayList<>();
        List<Class<?>> recorded = LoadOrder.recorded();
        if (recorded != null) {
            loaded.addAll(recorded);
        } else {
            List<Class<?>> listed = LoadedClasses.of(chain);
            if (listed != null) {
                loaded.addAll(listed);
            } else {
                for (ClassLoader l : chain) {
                    loaded.addAll(loadedBy(l));
                }
            }
        }
        List<String> names = new ArrayList<>(loaded.size());
        for (Class<?> c : loaded) {
            String n = c.getName();
            if (c.isHidden() || c.isArray() || c.isPrimitive() || n.indexOf('/') >= 0 || java.lang.reflect.Proxy.isProxyClass(c)
                    || isJfork(c)) {
                continue;
            }
            names.add(n);
        }
        return names;
    }

    /** jfork's own classes (from the jars of fork-core and this module) and its native layer's. */
    private static boolean isJfork(Class<?> c) {
        for (String p : JFORK_PACKAGES) {
            if (c.getName().startsWith(p)) {
                return true;
            }
        }
        java.net.URL where = location(c);
        return where != null && (where.equals(location(dev.jfork.Fork.class)) || where.equals(location(MainProgram.class)));
    }

    private static java.net.URL location(Class<?> c) {
        java.security.CodeSource cs = c.getProtectionDomain().getCodeSource();
        return cs == null ? null : cs.getLocation();
    }

    /**
     * {@code ClassLoader.classes}: the JVM records every class a loader defines there, in order. The
     * field is hidden from reflection (JDK 12+), but not from a private lookup, which needs
     * {@code java.lang} opened to this module: the last resort, for a JVM without the diagnostic
     * command {@link LoadedClasses} asks (a runtime image without {@code jdk.management}).
     */
    @SuppressWarnings("unchecked")
    private static List<Class<?>> loadedBy(ClassLoader loader) {
        Object list;
        try {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(ClassLoader.class, MethodHandles.lookup());
            VarHandle classes = lookup.findVarHandle(ClassLoader.class, "classes", ArrayList.class);
            list = classes.get(loader);
        } catch (IllegalAccessException | RuntimeException e) {
            throw new IllegalStateException("ForkTemplate.capture() cannot see the classes this program has loaded: this JVM has no"
                    + " VM.classloaders diagnostic command (module jdk.management); run it with --add-opens java.base/java.lang="
                    + self() + " or -javaagent:<fork-template jar>", e);
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("this JDK has no ClassLoader.classes; run with -javaagent:<fork-template jar>", e);
        }
        synchronized (list) {
            return new ArrayList<>((List<Class<?>>) list);
        }
    }

    private static String self() {
        Module m = MainProgram.class.getModule();
        return m.isNamed() ? m.getName() : "ALL-UNNAMED";
    }
}
