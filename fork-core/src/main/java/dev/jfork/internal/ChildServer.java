package dev.jfork.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;

import dev.jfork.ForkArgs;
import dev.jfork.ForkChannel;

/**
 * The command loop of a child before {@code run}: AnyEvent::Fork::Serve for the JVM. Reads exact
 * frames from descriptor 0, executes them in order, and either enters the run function or exits:
 * at end of stream (the parent dropped the process) with 0, after a failed command with
 * {@link Protocol#EXIT_FAILED}, after a malformed frame with {@link Protocol#EXIT_PROTOCOL}.
 * Every failure is reported to the parent in a {@link Protocol#FAILED} frame first.
 */
final class ChildServer {
    private final long owner;
    private final int maxFrame;
    private final int spares;
    /** Set when the run function returned and main should return too (see run). */
    private boolean ranToEnd;
    private final long spareDelayMs;
    private final String archiveDir;
    /** Classes required so far, in order (what a class-data archive for this process's forks holds). */
    private final List<String> required = new java.util.ArrayList<String>();
    private final StreamChannel control = new StreamChannel(Protocol.FD_CONTROL);
    private final ArgsImpl args = new ArgsImpl();
    private final ReplayLog log = new ReplayLog();
    private TemplateRole template;
    /** Set under the control write lock once RUNNING is sent; the socket is the function's after that. */
    private boolean handedOver;

    ChildServer(long owner, int maxFrame, int spares, long spareDelayMs, String archiveDir) {
        this.owner = owner;
        this.maxFrame = maxFrame;
        this.spares = spares;
        this.spareDelayMs = spareDelayMs;
        this.archiveDir = archiveDir;
    }

    /** A command failed because of what it asked for (not because the stream is broken). */
    static final class CommandFailure extends Exception {
        private static final long serialVersionUID = 1L;

        CommandFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    void serve() {
        try {
            InputStream in = control.rawIn();
            while (true) {
                Protocol.Frame f = Protocol.read(in, maxFrame);
                if (f == null) {
                    exitQuietly(); // the parent dropped this process before run
                }
                execute(f);
                if (ranToEnd) {
                    return; // and so does main: see run()
                }
            }
        } catch (Protocol.MalformedFrameException e) {
            fail(Protocol.EXIT_PROTOCOL, "malformed frame: " + e.getMessage(), null);
        } catch (EOFException e) {
            exitQuietly(); // the parent went away in the middle of a frame
        } catch (IOException e) {
            if (isReset(e)) {
                // the parent closed while replies it never read were pending: end of stream all the same
                exitQuietly();
            }
            fail(Protocol.EXIT_FAILED, "child server error: " + e, e);
        } catch (CommandFailure e) {
            fail(Protocol.EXIT_FAILED, e.getMessage(), e.getCause());
        } catch (RuntimeException | Error e) {
            fail(Protocol.EXIT_FAILED, "child server error: " + e, e);
        }
    }

    /** java.io reports ECONNRESET only by its message. */
    private static boolean isReset(IOException e) {
        return e.getMessage() != null && e.getMessage().contains("Connection reset");
    }

    private void execute(Protocol.Frame f) throws IOException, CommandFailure {
        switch (f.type) {
            case Protocol.REQUIRE:
                for (String name : f.strings()) {
                    require(name);
                    synchronized (required) {
                        required.add(name);
                    }
                }
                log.frame(Protocol.frame(f.type, f.payload));
                break;
            case Protocol.PRELOAD:
                preload(f.strings());
                log.frame(Protocol.frame(f.type, f.payload));
                break;
            case Protocol.EVAL:
                eval(f.strings());
                log.frame(Protocol.frame(f.type, f.payload));
                break;
            case Protocol.ARG_STRINGS:
                for (String s : f.strings()) {
                    args.add(s);
                }
                log.frame(Protocol.frame(f.type, f.payload));
                break;
            case Protocol.ARG_BYTES:
                args.add(f.payload);
                log.frame(Protocol.frame(f.type, f.payload));
                break;
            case Protocol.ARG_INHERITED_FD:
                // from a template only: a descriptor argument this process inherited at spawn
                args.add(new FdArg(f.u32(0)));
                log.fd();
                break;
            case Protocol.ARG_FDS: {
                int count = f.u32(0);
                if (count < 1 || count > 253) {
                    throw new Protocol.MalformedFrameException("descriptor frame announces " + count + " descriptors");
                }
                for (int fd : FdPassing.receive(Protocol.FD_CONTROL, count)) {
                    args.add(new FdArg(fd));
                    log.fd();
                }
                break;
            }
            case Protocol.FORK:
                template().fork(f.u32(0));
                break;
            case Protocol.HINT: {
                TemplateRole t = existingTemplate();
                if (t != null) {
                    t.hint(f.utf8(0)); // for its spares
                } else {
                    loadHinted(f.utf8(0)); // a spare: load it now, the hand-over will need it
                }
                return;
            }
            case Protocol.RUN:
                run(f.utf8(0));
                break;
            case Protocol.WARM_UP:
                warmUp();
                return; // not preparation: not logged, nothing for the keeper to catch up

            default:
                throw new Protocol.MalformedFrameException("unknown frame type '" + Protocol.printable(f.type) + "'");
        }
        TemplateRole t = existingTemplate();
        if (t != null && f.type != Protocol.FORK) {
            t.logGrew();
        }
    }

    /**
     * Loads a class without initialising it, and its declared methods (what {@code run} will look
     * up): no user code runs. A class that cannot be loaded is left for {@code run} to report.
     */
    private static void loadHinted(String className) {
        try {
            Class<?> c = loadNested(className); // not initialised; nested classes named with '.' too, as run does
            if (c != null) {
                c.getDeclaredMethods();
            }
        } catch (LinkageError | SecurityException ignored) {
            // only an optimisation
        }
    }

    private void exitQuietly() {
        TemplateRole t = existingTemplate();
        if (t != null) {
            t.awaitHandOvers();
            t.stop(); // no new spare while exiting: it would only be started to be dropped
        }
        System.exit(0);
    }

    /** This process's template role, created (loading the native layer) on first need. */
    synchronized TemplateRole template() throws IOException {
        if (template == null) {
            template = new TemplateRole(owner, maxFrame, spares, spareDelayMs, archiveDir, args, log, this);
        }
        return template;
    }

    /** The classes required (or preloaded) so far, in order: what a class-data archive for the forks holds. */
    List<String> requiredClasses() {
        synchronized (required) {
            return new java.util.ArrayList<String>(required);
        }
    }

    private synchronized TemplateRole existingTemplate() {
        return template;
    }

    /** Sends a reply frame unless the socket already belongs to the run function. */
    boolean reply(byte[] frame) {
        return replyWithFds(frame, null);
    }

    /** Sends a reply frame followed by a descriptor message (unless the socket belongs to the run function). */
    synchronized boolean replyWithFds(byte[] frame, int[] fds) {
        if (handedOver) {
            return false;
        }
        try {
            control.writeFrame(frame);
            if (fds != null) {
                FdPassing.send(Protocol.FD_CONTROL, fds);
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------- commands

    private static void require(String name) throws CommandFailure {
        try {
            Class.forName(name, true, ClassLoader.getSystemClassLoader());
        } catch (ClassNotFoundException e) {
            throw new CommandFailure("require(" + name + "): class not found on the child's class path", e);
        } catch (LinkageError e) {
            throw new CommandFailure("require(" + name + "): loading or initialising the class failed: " + cause(e), e);
        }
    }

    /** Like require, but a class that fails is skipped; one line on stderr says how many and the first reason. */
    private void preload(List<String> names) {
        int skipped = 0;
        String first = null;
        for (String name : names) {
            try {
                Class.forName(name, true, ClassLoader.getSystemClassLoader());
                synchronized (required) {
                    required.add(name);
                }
            } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
                if (skipped++ == 0) {
                    first = name + ": " + e;
                }
            }
        }
        if (skipped > 0) {
            System.err.println("[jfork child " + ProcessHandle.current().pid() + "] preload skipped " + skipped + " of "
                    + names.size() + " classes (first: " + first + ")");
        }
    }

    private void eval(List<String> command) throws CommandFailure {
        String spec = command.get(0);
        String[] evalArgs = command.subList(1, command.size()).toArray(new String[0]);
        Method m = findStatic(spec, "eval", false);
        Class<?>[] p = m.getParameterTypes();
        Object[] actual;
        if (p.length == 0) {
            if (evalArgs.length > 0) {
                throw new CommandFailure("eval(" + spec + "): the method takes no parameters but " + evalArgs.length
                        + " argument(s) were given", null);
            }
            actual = new Object[0];
        } else if (p.length == 1 && p[0] == String[].class) {
            actual = new Object[] {evalArgs};
        } else if (p.length == 1 && p[0] == ForkArgs.class) {
            if (evalArgs.length > 0) {
                throw new CommandFailure("eval(" + spec + "): the method takes only ForkArgs but " + evalArgs.length
                        + " argument(s) were given", null);
            }
            actual = new Object[] {args};
        } else {
            actual = new Object[] {args, evalArgs};
        }
        invoke(m, actual, "eval(" + spec + ")");
    }

    private void run(String spec) throws CommandFailure, IOException {
        Method m = findStatic(spec, "run", true);
        TemplateRole t = existingTemplate();
        if (t != null) {
            t.awaitHandOvers(); // forks asked for before run are still delivered
            t.stop(); // and no more: its spares end
        }
        synchronized (this) {
            control.writeFrame(Protocol.frame(Protocol.RUNNING, new byte[0]));
            handedOver = true;
        }
        try {
            m.invoke(null, control, args);
        } catch (InvocationTargetException e) {
            System.err.println("[jfork child " + ProcessHandle.current().pid() + "] run function " + spec + " threw:");
            e.getCause().printStackTrace();
            System.exit(Protocol.EXIT_FAILED);
        } catch (IllegalAccessException e) {
            e.printStackTrace();
            System.exit(Protocol.EXIT_FAILED);
        }
        // threads of the function still blocked reading the socket would hold up the JVM's exit
        // (HotSpot waits for threads in native code): wake them, the process is ending anyway
        try {
            control.close();
        } catch (IOException ignored) {
            // exiting
        }
        if (otherNonDaemonThreads()) {
            System.exit(0); // the function returned: its threads end with it
        }
        // Nothing else keeps the JVM alive: returning from main ends it (shutdown hooks run) without
        // System.exit, which on JDK 21+ first sets up the logging backend for its Runtime.exit log
        // (measured: 20-30 ms between the function's return and the exit on JDK 25, 3-8 ms this way).
        ranToEnd = true;
    }

    /** Whether a thread other than this one would keep the JVM alive after main returns. */
    private static boolean otherNonDaemonThreads() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 16];
        int n = root.enumerate(threads, true);
        if (n == threads.length) {
            return true; // more than counted: be safe
        }
        for (int i = 0; i < n; i++) {
            Thread t = threads[i];
            if (t != Thread.currentThread() && t.isAlive() && !t.isDaemon()) {
                return true;
            }
        }
        return false;
    }

    /**
     * A spare has time on its hands: run everything a hand-over will need once (method lookup,
     * reflective call, frame encoding), so the real {@code run} finds it loaded and linked. Touches
     * no user code. (Opening every class-path jar as well made each process cost more CPU than it
     * saved latency.)
     */
    private void warmUp() {
        try {
            for (int i = 0; i < 3; i++) {
                Method m = findStatic(ChildServer.class.getName() + ".warmUpTarget", "run", true);
                m.invoke(null, null, args);
                Protocol.frame(Protocol.RUNNING, new byte[0]);
            }
        } catch (Exception | LinkageError ignored) {
            // only an optimisation
        }
    }

    /** The no-op the warm-up calls (it has the run signature). */
    static void warmUpTarget(ForkChannel channel, ForkArgs a) {
        // nothing
    }

    private static void invoke(Method m, Object[] actual, String what) throws CommandFailure {
        try {
            m.invoke(null, actual);
        } catch (InvocationTargetException e) {
            throw new CommandFailure(what + " threw " + e.getCause(), e.getCause());
        } catch (IllegalAccessException | RuntimeException e) {
            throw new CommandFailure(what + " could not be called: " + e, e);
        }
    }

    /**
     * Resolves {@code "pkg.Cls.method"} or {@code "pkg.Cls::method"} (nested classes with '$' or
     * '.') to a static method with an accepted signature.
     */
    static Method findStatic(String spec, String kind, boolean runSignature) throws CommandFailure {
        String className = Protocol.classOfFunction(spec);
        if (className == null) {
            throw new CommandFailure(kind + "(" + spec + "): expected a qualified name such as pkg.Cls.method or pkg.Cls::method", null);
        }
        String methodName = spec.substring(className.length() + (spec.startsWith("::", className.length()) ? 2 : 1));
        Class<?> cls = loadNested(className);
        if (cls == null) {
            throw new CommandFailure(kind + "(" + spec + "): class " + className + " not found on the child's class path", null);
        }
        Method best = null;
        int bestRank = -1;
        StringBuilder found = new StringBuilder();
        for (Method m : cls.getDeclaredMethods()) {
            if (!m.getName().equals(methodName)) {
                continue;
            }
            found.append(found.length() == 0 ? "" : ", ").append(describe(m));
            if (!Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            int rank = runSignature ? runRank(m.getParameterTypes()) : evalRank(m.getParameterTypes());
            if (rank > bestRank) {
                best = m;
                bestRank = rank;
            }
        }
        if (best == null) {
            String wanted = runSignature ? "static void " + methodName + "(ForkChannel, ForkArgs)"
                    : "static " + methodName + "(String...), " + methodName + "(ForkArgs, String...), " + methodName
                            + "(ForkArgs) or " + methodName + "()";
            throw new CommandFailure(kind + "(" + spec + "): " + cls.getName() + " has no " + wanted
                    + (found.length() == 0 ? "" : "; found: " + found), null);
        }
        try {
            best.setAccessible(true);
        } catch (RuntimeException e) {
            throw new CommandFailure(kind + "(" + spec + "): cannot access " + describe(best) + ": " + e, e);
        }
        return best;
    }

    private static int runRank(Class<?>[] p) {
        return p.length == 2 && p[0] == ForkChannel.class && p[1] == ForkArgs.class ? 1 : -1;
    }

    private static int evalRank(Class<?>[] p) {
        if (p.length == 2 && p[0] == ForkArgs.class && p[1] == String[].class) {
            return 4;
        }
        if (p.length == 1 && p[0] == String[].class) {
            return 3;
        }
        if (p.length == 1 && p[0] == ForkArgs.class) {
            return 2;
        }
        return p.length == 0 ? 1 : -1;
    }

    private static Class<?> loadNested(String name) {
        String candidate = name;
        while (true) {
            try {
                return Class.forName(candidate, false, ClassLoader.getSystemClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                int dot = candidate.lastIndexOf('.');
                if (dot < 0) {
                    return null;
                }
                candidate = candidate.substring(0, dot) + '$' + candidate.substring(dot + 1);
            }
        }
    }

    private static String describe(Method m) {
        StringBuilder b = new StringBuilder();
        if (Modifier.isStatic(m.getModifiers())) {
            b.append("static ");
        }
        b.append(m.getReturnType().getSimpleName()).append(' ').append(m.getName()).append('(');
        Class<?>[] p = m.getParameterTypes();
        for (int i = 0; i < p.length; i++) {
            b.append(i == 0 ? "" : ", ").append(p[i].getSimpleName());
        }
        return b.append(')').toString();
    }

    private static String cause(Throwable e) {
        Throwable c = e;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c == e ? e.toString() : e + " caused by " + c;
    }

    // ---------------------------------------------------------------- failure

    /** Reports a failure to the parent and on stderr, then exits. Never returns. */
    private void fail(int exitCode, String message, Throwable cause) {
        StringWriter text = new StringWriter();
        text.append(message);
        if (cause != null) {
            text.append('\n');
            PrintWriter w = new PrintWriter(text);
            cause.printStackTrace(w);
            w.flush();
        }
        System.err.println("[jfork child " + ProcessHandle.current().pid() + "] ERROR: " + message);
        System.err.flush();
        reply(Protocol.frame(Protocol.FAILED, text.toString()));
        System.exit(exitCode);
    }
}
