package dev.jfork.internal.child;

import java.io.EOFException;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.List;

import dev.jfork.ForkArgs;
import dev.jfork.ForkChannel;
import dev.jfork.internal.os.FdPassing;
import dev.jfork.internal.template.ParentChannel;
import dev.jfork.internal.template.TemplateRole;
import dev.jfork.internal.wire.ExitCodes;
import dev.jfork.internal.wire.Frame;
import dev.jfork.internal.wire.FunctionRef;
import dev.jfork.internal.wire.LaunchLine;
import dev.jfork.internal.wire.MalformedFrameException;
import dev.jfork.internal.wire.Protocol;

/**
 * The command loop of a child before {@code run}: AnyEvent::Fork::Serve for the JVM. Reads exact
 * frames from the control socket (descriptor 0, or the socket it connected back with), executes
 * them in order, and either enters the run function or exits:
 * at end of stream (the parent dropped the process) with 0, after a failed command with
 * {@link ExitCodes#FAILED}, after a malformed frame with {@link ExitCodes#PROTOCOL}. Every failure
 * is reported to the parent in a {@link Protocol#FAILED} frame first.
 *
 * <p>Forking is the {@link TemplateRole}'s business, created on the first {@code FORK} (or at
 * boot for a process started as a template); this loop only records what the process was
 * prepared with ({@link ReplayLog}) and carries the template's replies ({@link ParentChannel}).
 */
final class CommandLoop implements ParentChannel {
    private static final Class<?>[][] RUN_SIGNATURE = {{ForkChannel.class, ForkArgs.class}};
    private static final Class<?>[][] EVAL_SIGNATURES = {{ForkArgs.class, String[].class}, {String[].class}, {ForkArgs.class}, {}};

    private final LaunchLine line;
    /** The control socket's descriptor: {@link Protocol#FD_CONTROL}, or wherever a connected-back socket landed. */
    private final int controlFd;
    private final StreamChannel control;
    private final ReceivedArgs args = new ReceivedArgs();
    private final ReplayLog log = new ReplayLog();
    /** Set when the run function returned and main should return too (see run). */
    private boolean ranToEnd;
    private TemplateRole template; // guarded by this
    /** Set under this object's lock once RUNNING is sent; the socket is the function's after that. */
    private boolean handedOver;

    CommandLoop(LaunchLine line, int controlFd) {
        this.line = line;
        this.controlFd = controlFd;
        this.control = new StreamChannel(controlFd);
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
                Frame f = Frame.read(in, line.maxFrame());
                if (f == null) {
                    exitQuietly(); // the parent dropped this process before run
                }
                execute(f);
                if (ranToEnd) {
                    return; // and so does main: see run()
                }
            }
        } catch (MalformedFrameException e) {
            fail(ExitCodes.PROTOCOL, "malformed frame: " + e.getMessage(), null);
        } catch (EOFException e) {
            exitQuietly(); // the parent went away in the middle of a frame
        } catch (IOException e) {
            if (isReset(e)) {
                // the parent closed while replies it never read were pending: end of stream all the same
                exitQuietly();
            }
            fail(ExitCodes.FAILED, "child server error: " + e, e);
        } catch (CommandFailure e) {
            fail(ExitCodes.FAILED, e.getMessage(), e.getCause());
        } catch (RuntimeException | Error e) {
            fail(ExitCodes.FAILED, "child server error: " + e, e);
        }
    }

    /** java.io reports ECONNRESET only by its message. */
    private static boolean isReset(IOException e) {
        return e.getMessage() != null && e.getMessage().contains("Connection reset");
    }

    private void execute(Frame f) throws IOException, CommandFailure {
        switch (f.type) {
            case Protocol.REQUIRE:
                for (String name : f.strings()) {
                    require(name);
                    log.required(name);
                }
                log.frame(f.encode());
                break;
            case Protocol.PRELOAD:
                preload(f.strings());
                log.frame(f.encode());
                break;
            case Protocol.EVAL:
                eval(f.strings());
                log.frame(f.encode());
                break;
            case Protocol.ARG_STRINGS:
                for (String s : f.strings()) {
                    args.add(s);
                }
                log.frame(f.encode());
                break;
            case Protocol.ARG_BYTES:
                args.add(f.payload);
                log.frame(f.encode());
                break;
            case Protocol.ARG_INHERITED_FD: {
                // from a template only: a descriptor argument this process inherited at spawn
                int fd = f.u32(0);
                args.add(new ReceivedFd(fd));
                log.fd(fd);
                break;
            }
            case Protocol.ARG_FDS: {
                int count = f.u32(0);
                if (count < 1 || count > Protocol.MAX_FDS_PER_FRAME) {
                    throw new MalformedFrameException("descriptor frame announces " + count + " descriptors");
                }
                for (int fd : FdPassing.receive(controlFd, count)) {
                    args.add(new ReceivedFd(fd));
                    log.fd(fd);
                }
                break;
            }
            case Protocol.FORK:
                template().fork(f.id);
                return;
            case Protocol.PARK:
                template().park();
                return;
            case Protocol.TAKEN:
                template().taken(f.id);
                return;
            case Protocol.KEEP_SPARES:
                template().keep(f.u32(0));
                return;
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
                return;
            case Protocol.WARM_UP:
                warmUp();
                return; // not preparation: not logged, nothing for the spares to catch up
            default:
                throw new MalformedFrameException("unknown frame type " + Frame.printable(f.type));
        }
        TemplateRole t = existingTemplate();
        if (t != null) {
            t.prepared(); // its idle spares catch up
        }
    }

    /**
     * Loads a class without initialising it, and its declared methods (what {@code run} will look
     * up): no user code runs. A class that cannot be loaded is left for {@code run} to report.
     */
    private static void loadHinted(String className) {
        try {
            FunctionRef.parse("hint", className + ".x").load(ClassLoader.getSystemClassLoader(), false).getDeclaredMethods();
        } catch (FunctionRef.Invalid | LinkageError | SecurityException ignored) {
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
            template = new TemplateRole(line, log, this);
        }
        return template;
    }

    private synchronized TemplateRole existingTemplate() {
        return template;
    }

    @Override
    public boolean reply(byte[] frame) {
        return replyWithFds(frame, null);
    }

    @Override
    public synchronized boolean replyWithFds(byte[] frame, int[] fds) {
        if (handedOver) {
            return false;
        }
        try {
            control.writeFrame(frame);
            if (fds != null) {
                FdPassing.send(controlFd, fds);
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
                log.required(name);
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
        Method m = resolve("eval", spec, false);
        Class<?>[] p = m.getParameterTypes();
        Object[] actual;
        if (p.length == 0 || (p.length == 1 && p[0] == ForkArgs.class)) {
            if (evalArgs.length > 0) {
                throw new CommandFailure("eval(" + spec + "): the method takes " + (p.length == 0 ? "no parameters" : "only ForkArgs")
                        + " but " + evalArgs.length + " argument(s) were given", null);
            }
            actual = p.length == 0 ? new Object[0] : new Object[] {args};
        } else if (p.length == 1) {
            actual = new Object[] {evalArgs};
        } else {
            actual = new Object[] {args, evalArgs};
        }
        invoke(m, actual, "eval(" + spec + ")");
    }

    /**
     * Resolves a function name to a static method with the run signature ({@code run}) or one of
     * the eval signatures; the class is loaded, not initialised (that happens when it is called).
     */
    private static Method resolve(String kind, String spec, boolean run) throws CommandFailure {
        try {
            FunctionRef ref = FunctionRef.parse(kind, spec);
            String m = ref.methodName();
            String wanted = run ? "static void " + m + "(ForkChannel, ForkArgs)"
                    : "static " + m + "(String...), " + m + "(ForkArgs, String...), " + m + "(ForkArgs) or " + m + "()";
            return ref.resolve(ClassLoader.getSystemClassLoader(), false, run ? RUN_SIGNATURE : EVAL_SIGNATURES, wanted);
        } catch (FunctionRef.Invalid e) {
            throw new CommandFailure(e.getMessage(), e.getCause());
        }
    }

    private void run(String spec) throws CommandFailure, IOException {
        Method m = resolve("run", spec, true);
        TemplateRole t = existingTemplate();
        if (t != null) {
            t.awaitHandOvers(); // forks asked for before run are still delivered
            t.stop(); // and no more: its spares end
        }
        synchronized (this) {
            control.writeFrame(Frame.encode(Protocol.RUNNING, new byte[0]));
            handedOver = true;
        }
        try {
            m.invoke(null, control, args);
        } catch (InvocationTargetException e) {
            System.err.println("[jfork child " + ProcessHandle.current().pid() + "] run function " + spec + " threw:");
            e.getCause().printStackTrace();
            System.exit(ExitCodes.FAILED);
        } catch (IllegalAccessException e) {
            e.printStackTrace();
            System.exit(ExitCodes.FAILED);
        }
        // threads of the function still blocked reading the socket would hold up the JVM's exit
        // (HotSpot waits for threads in native code): wake them, the process is ending anyway
        try {
            control.close();
        } catch (IOException ignored) {
            // exiting
        }
        // no hook thread at exit (see OwnerWatch); stopped before the look at the threads, so that
        // a thread started until then is found and ended too, not left running unwatched. (One that
        // a daemon thread starts between the look and main's return would keep this JVM alive
        // unwatched: a window of microseconds, after the function has returned.)
        OwnerWatch.stop();
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
     * reflective call, frame encoding and writing) and what a run function does first (write to
     * and read from its channel through the channel's streams, close it), so the real {@code run}
     * finds that code loaded and linked: measured, a spare that had not written through a channel
     * took ~0.9 ms for its function's first byte, most of it loading and linking the stream
     * classes. The channels here are over {@code /dev/null}; no user code runs. The class-data
     * archive's training JVM runs this too, so those classes are in the archive. (Opening every
     * class-path jar as well made each process cost more CPU than it saved latency.) Not in a
     * process that connects back ({@code ChildMain}): it is on its way to the run, which loads the
     * same classes once.
     */
    static void warmUp() {
        ReceivedArgs args = new ReceivedArgs(); // the target does not read them
        try (FileOutputStream sink = new FileOutputStream("/dev/null"); FileInputStream empty = new FileInputStream("/dev/null")) {
            StreamChannel out = new StreamChannel(-1, sink.getFD());
            StreamChannel in = new StreamChannel(-1, empty.getFD());
            for (int i = 0; i < 3; i++) {
                Method m = resolve("run", CommandLoop.class.getName() + ".warmUpTarget", true);
                out.writeFrame(Frame.encode(Protocol.RUNNING, new byte[0]));
                m.invoke(null, out, args);
                in.inputStream().read();
                in.read(ByteBuffer.allocate(1));
            }
            in.close();
            out.close();
        } catch (Exception | LinkageError ignored) {
            // only an optimisation
        }
    }

    /** What the warm-up calls as a run function (it has the run signature): a first write, as most functions make. */
    static void warmUpTarget(ForkChannel channel, ForkArgs a) throws IOException {
        OutputStream o = channel.outputStream();
        o.write('.');
        o.write(new byte[] {'.', '.'}, 0, 2);
        o.flush();
        channel.write(ByteBuffer.wrap(new byte[1]));
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
        reply(Frame.encode(Protocol.FAILED, 0, text.toString()));
        System.exit(exitCode);
    }
}
