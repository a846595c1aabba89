package dev.jfork.template;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import javax.management.JMException;
import javax.management.ObjectName;

/**
 * The classes a program's class loaders have defined, in the order they defined them, as the JVM
 * itself lists them: the {@code VM.classloaders show-classes=true} diagnostic command (what
 * {@code jcmd PID VM.classloaders} prints), run in this JVM through its DiagnosticCommand MBean.
 * It needs no JVM option and no agent, and prints nothing; JDK 17 to 25 list a loader's classes
 * in definition order. A loader is found by its name and class ({@code "app",
 * jdk.internal.loader.ClassLoaders$AppClassLoader} for the application class loader).
 */
final class LoadedClasses {
    private LoadedClasses() {}

    private static final String DIAGNOSTIC_COMMAND = "com.sun.management:type=DiagnosticCommand";

    /** The classes of these loaders, loader by loader; null if this JVM cannot list them so. */
    static List<Class<?>> of(List<ClassLoader> loaders) {
        String listing;
        try {
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName(DIAGNOSTIC_COMMAND), "vmClassloaders",
                    new Object[] {new String[] {"show-classes=true"}}, new String[] {String[].class.getName()});
            listing = (String) out;
        } catch (JMException | RuntimeException | LinkageError e) {
            return null; // no jdk.management in this runtime: the caller falls back
        }
        List<Class<?>> classes = new ArrayList<>();
        for (ClassLoader loader : loaders) {
            List<String> names = classesOf(listing, header(loader));
            if (names == null) {
                return null; // not listed as expected: better the caller's other ways than a wrong list
            }
            for (String name : names) {
                try {
                    classes.add(Class.forName(name, false, loader)); // loaded already: nothing runs
                } catch (ClassNotFoundException | LinkageError e) {
                    // a class defined by a child loader of the same name, or gone: not the program's to copy
                }
            }
        }
        return classes;
    }

    /** How the command names a loader: {@code "name", class}, or only its class if it has no name. */
    private static String header(ClassLoader loader) {
        String name = loader.getName();
        return (name == null ? "" : "\"" + name + "\", ") + loader.getClass().getName();
    }

    /**
     * The class names of the section with this header: after {@code Classes:}, one per line, up to
     * the {@code (N classes)} count. Hidden classes (names with '/') are left out. Null if two
     * loaders have this header (two unnamed loaders of one class): their lists cannot be told apart.
     */
    static List<String> classesOf(String listing, String header) {
        String[] lines = listing.split("\\n");
        List<String> found = null;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].replace('|', ' ').trim();
            if (!line.equals("+-- " + header)) {
                continue;
            }
            if (found != null) {
                return null;
            }
            found = new ArrayList<>();
            List<String> names = found;
            boolean started = false;
            for (int j = i + 1; j < lines.length; j++) {
                String entry = lines[j].replace('|', ' ').trim();
                if (entry.startsWith("+--")) {
                    break; // the next loader
                }
                if (entry.startsWith("Classes:")) {
                    started = true;
                    entry = entry.substring("Classes:".length()).trim();
                }
                if (!started || entry.isEmpty()) {
                    continue;
                }
                if (entry.startsWith("(") && entry.endsWith(")")) {
                    break; // "(N classes)"
                }
                String name = entry.split("\\s")[0];
                if (name.indexOf('/') < 0) {
                    names.add(name);
                }
            }
        }
        return found == null ? List.of() : found; // a loader that defined nothing is not listed
    }
}
