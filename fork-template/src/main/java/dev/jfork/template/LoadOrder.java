package dev.jfork.template;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The agent side of fork-template ({@code -javaagent:fork-template.jar}): records the order in
 * which the application class loader defines classes, from the start of the program, for a runtime
 * image without the diagnostic command {@link LoadedClasses} asks. It transforms nothing.
 */
final class LoadOrder implements ClassFileTransformer {
    private static volatile Instrumentation instrumentation;
    private static final Set<String> ORDER = new LinkedHashSet<>();

    private LoadOrder() {}

    static void install(Instrumentation inst) {
        if (instrumentation == null) {
            instrumentation = inst;
            inst.addTransformer(new LoadOrder());
        }
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain, byte[] bytes) {
        if (loader != null && loader != ClassLoader.getPlatformClassLoader() && className != null && redefined == null) {
            synchronized (ORDER) {
                ORDER.add(className.replace('/', '.'));
            }
        }
        return null;
    }

    /** The recorded classes that are loaded now, in load order (those from before the agent first); null without the agent. */
    static List<Class<?>> recorded() {
        Instrumentation inst = instrumentation;
        if (inst == null) {
            return null;
        }
        List<String> order;
        synchronized (ORDER) {
            order = new ArrayList<>(ORDER);
        }
        List<Class<?>> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>(order);
        ClassLoader app = ClassLoader.getSystemClassLoader();
        for (Class<?> c : inst.getInitiatedClasses(app)) {
            if (!seen.contains(c.getName())) {
                out.add(c); // loaded before the agent started
            }
        }
        for (String name : order) {
            try {
                out.add(Class.forName(name, false, Thread.currentThread().getContextClassLoader()));
            } catch (ClassNotFoundException | LinkageError e) {
                // defined but failed, or not findable by name: nothing to reproduce
            }
        }
        return out;
    }
}
