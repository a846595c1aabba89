package dev.jfork;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/** Code that runs in child processes during the tests (eval targets and run functions). */
public final class ChildFunctions {
    private ChildFunctions() {}

    static final List<String> INIT_LOG = new ArrayList<>();

    // ---------------------------------------------------------------- eval targets

    public static void init(String... args) {
        INIT_LOG.add("init" + List.of(args));
    }

    public static void noArgs() {
        INIT_LOG.add("noArgs");
    }

    /** Writes "173" to the first descriptor argument (t/03_new.t). */
    public static void write173(ForkArgs args) throws IOException {
        try (OutputStream out = args.fd(0).outputStream()) {
            out.write("173".getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** Writes its string argument to the last descriptor argument, then closes it. */
    public static void writeToLastFd(ForkArgs args, String... text) throws IOException {
        ForkFd fd = null;
        for (int i = 0; i < args.size(); i++) {
            if (args.isFd(i)) {
                fd = args.fd(i);
            }
        }
        try (OutputStream out = fd.outputStream()) {
            out.write(text[0].getBytes(StandardCharsets.US_ASCII));
        }
    }

    /**
     * t/04_tofrom.t: args are (control socket 1, pipe 1, control socket 2, pipe 2). Rebuilds each
     * process from its control socket, sends it its pipe and has it write a number into it.
     */
    public static void driveOthers(ForkArgs args) throws IOException {
        Fork one = Fork.fromFd(dupOf(args.fd(0)));
        one.sendFd(args.fd(1)).eval("dev.jfork.ChildFunctions.writeToLastFd", "172");
        Fork two = Fork.fromFd(dupOf(args.fd(2)));
        two.sendFd(args.fd(3)).eval("dev.jfork.ChildFunctions.writeToLastFd", "174");
        one.close();
        two.close();
    }

    private static int dupOf(ForkFd fd) throws IOException {
        return dev.jfork.internal.os.Native.dupCloexec(fd.intValue(), 3);
    }

    /** Holds a listening socket on the given port: works in the first process, fails in every other. */
    public static void bindPort(String... port) throws IOException {
        HELD.add(new java.net.ServerSocket(Integer.parseInt(port[0]), 1, java.net.InetAddress.getLoopbackAddress()));
    }

    private static final List<java.net.ServerSocket> HELD = new ArrayList<>();

    public static void fail(String... args) {
        throw new IllegalStateException("init failed on purpose: " + String.join(",", args));
    }

    public static void notStatic() {}

    public void instanceMethod() {}

    // ---------------------------------------------------------------- run functions

    /** Writes one line describing its arguments and pid, then waits for end of stream. */
    public static void describe(ForkChannel ch, ForkArgs args) throws IOException {
        StringBuilder b = new StringBuilder("pid=").append(ProcessHandle.current().pid()).append(" init=").append(INIT_LOG)
                .append(" args=");
        for (int i = 0; i < args.size(); i++) {
            b.append(i == 0 ? "" : ",").append(args.isFd(i) ? "fd" : "s:" + args.string(i));
        }
        writeLine(ch, b.toString());
        drain(ch);
    }

    /**
     * Interrupts jfork's owner-watch thread, waits (10 s at most) until it parks, then writes one
     * line: the states it was seen in over 10 000 looks after that ({@code [WAITING]} if it stays
     * parked rather than spinning), or {@code no watcher}.
     */
    public static void interruptOwnerWatch(ForkChannel ch, ForkArgs args) throws IOException {
        Thread watcher = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("jfork-owner-watch"))
                .findFirst().orElse(null);
        if (watcher == null) {
            writeLine(ch, "no watcher");
            return;
        }
        watcher.interrupt();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (watcher.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        java.util.Set<Thread.State> seen = java.util.EnumSet.noneOf(Thread.State.class);
        for (int i = 0; i < 10_000; i++) {
            seen.add(watcher.getState());
        }
        writeLine(ch, seen.toString());
    }

    /** Writes one line: the class of this JVM's selector provider, and the system property that names one (as the function sees it). */
    public static void selectorProvider(ForkChannel ch, ForkArgs args) throws IOException {
        writeLine(ch, "provider=" + java.nio.channels.spi.SelectorProvider.provider().getClass().getName() + " property="
                + System.getProperty("java.nio.channels.spi.SelectorProvider"));
        drain(ch);
    }

    /** Writes "hi #n" into every descriptor argument (n is the last string argument), then reports. */
    public static void greetFds(ForkChannel ch, ForkArgs args) throws IOException {
        String n = "";
        for (int i = 0; i < args.size(); i++) {
            if (!args.isFd(i)) {
                n = args.string(i);
            }
        }
        for (int i = 0; i < args.size(); i++) {
            if (args.isFd(i)) {
                OutputStream out = args.fd(i).outputStream();
                out.write(("hi #" + n + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        }
        describe(ch, args);
    }

    /** Echoes lines back, prefixed with "echo:", until end of stream. */
    public static void echo(ForkChannel ch, ForkArgs args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(ch.inputStream(), StandardCharsets.UTF_8));
        OutputStream out = ch.outputStream();
        String line;
        while ((line = in.readLine()) != null) {
            out.write(("echo:" + line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    /** Copies bytes back until end of stream (binary echo). */
    public static void copy(ForkChannel ch, ForkArgs args) throws IOException {
        ch.inputStream().transferTo(ch.outputStream());
    }

    /** Exits with the status given as first argument. */
    public static void exitWith(ForkChannel ch, ForkArgs args) {
        System.exit(Integer.parseInt(args.string(0)));
    }

    /** Writes its arguments to stderr, one line each, then exits with 3. */
    public static void complainAndExit(ForkChannel ch, ForkArgs args) {
        for (int i = 0; i < args.size(); i++) {
            System.err.println(args.string(i));
        }
        System.err.flush();
        System.exit(3);
    }

    /** Throws after entering. */
    public static void throwing(ForkChannel ch, ForkArgs args) {
        throw new IllegalStateException("run function failed on purpose");
    }

    /** Wrong signature for a run function. */
    public static void wrongSignature(String s) {}

    /** Reports every descriptor this process has open, one "fd -> target" per line, then "end". */
    public static void listFds(ForkChannel ch, ForkArgs args) throws IOException {
        StringBuilder b = new StringBuilder();
        try (var dir = Files.newDirectoryStream(Paths.get("/proc/self/fd"))) {
            for (Path p : dir) {
                String target;
                try {
                    target = Files.readSymbolicLink(p).toString();
                } catch (IOException e) {
                    target = "?";
                }
                b.append(p.getFileName()).append(" -> ").append(target).append('\n');
            }
        }
        b.append("end\n");
        ch.outputStream().write(b.toString().getBytes(StandardCharsets.UTF_8));
        drain(ch);
    }

    /**
     * Pre-forked server worker: accepts on the listener (argument 0) and answers each connection's
     * line with "worker ID: line" (ID is argument 1); exits when its channel reaches end of stream.
     */
    public static void echoServer(ForkChannel ch, ForkArgs args) throws IOException {
        ForkFd listener = args.fd(0);
        String id = args.string(1);
        Thread watch = new Thread(() -> {
            drain(ch);
            Runtime.getRuntime().halt(0);
        });
        watch.setDaemon(true);
        watch.start();
        writeLine(ch, "ready " + id);
        while (true) {
            try (ForkChannel conn = listener.accept()) {
                BufferedReader in = new BufferedReader(new InputStreamReader(conn.inputStream(), StandardCharsets.UTF_8));
                String line = in.readLine();
                conn.outputStream().write(("worker " + id + ": " + line + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    /** Ignores its channel and sleeps until killed (used to test that children die with their owner). */
    public static void sleepForever(ForkChannel ch, ForkArgs args) throws InterruptedException {
        writeLine(ch, "sleeping " + ProcessHandle.current().pid());
        while (true) {
            Thread.sleep(60_000);
        }
    }

    /** Reports whether HintTarget is loaded in this process (before anything here used it) and whether it was initialised. */
    public static void hintState(ForkChannel ch, ForkArgs args) throws Exception {
        java.lang.reflect.Method find = ClassLoader.class.getDeclaredMethod("findLoadedClass", String.class);
        find.setAccessible(true); // the test's JvmSpec opens java.lang
        Object loaded = find.invoke(ClassLoader.getSystemClassLoader(), "dev.jfork.HintTarget");
        writeLine(ch, "loaded=" + (loaded != null) + " initialised=" + System.getProperty("jfork.test.hintTargetInitialised"));
        drain(ch);
    }

    /** Starts a non-daemon thread that never ends, then returns: the process must exit all the same. */
    public static void returnLeavingAThread(ForkChannel ch, ForkArgs args) {
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    // keep the JVM alive, as a careless user thread would
                }
            }
        }, "user-thread");
        t.setDaemon(false);
        t.start();
        writeLine(ch, "started");
    }

    static void writeLine(ForkChannel ch, String line) {
        try {
            OutputStream out = ch.outputStream();
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    static void drain(ForkChannel ch) {
        try {
            byte[] b = new byte[1024];
            while (ch.inputStream().read(b) >= 0) {
                // wait for the parent to close
            }
        } catch (IOException ignored) {
            // gone
        }
    }
}
