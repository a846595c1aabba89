package dev.jfork.pool;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoSerializable;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

import dev.jfork.ForkArgs;
import dev.jfork.rpc.RpcChild;

/**
 * The worker function and init of {@link CrashMatrixTest} (fork-rpc's sync backend): jobs that
 * fail in every way a worker process can fail, and {@link Trap}, an argument or result whose Kryo
 * serialisation fails on the side and at the step it is told to.
 */
public final class CrashJobs {
    private CrashJobs() {}

    /** The worker function. */
    public static final String RUN = "dev.jfork.pool.CrashJobs.run";
    /** The init (for pools: {@code ForkPool.Builder.init}; for clients: {@code RpcOptions.Builder.init}). */
    public static final String INIT = "dev.jfork.pool.CrashJobs.initStrike";
    /** Init that only announces the worker: event ("up", pid). */
    public static final String ANNOUNCE = "dev.jfork.pool.CrashJobs.announceUp";

    /** The status of {@code System.exit} in a strike. */
    public static final int EXIT_CODE = 3;
    /** The status of {@code Runtime.halt} in a strike. */
    public static final int HALT_CODE = 4;

    static long pid() {
        return ProcessHandle.current().pid();
    }

    public static Object run(Object... args) throws Exception {
        String what = (String) args[0];
        switch (what) {
            case "echo":
                return args[1];
            case "pid":
                return pid();
            case "announce":
                // ("announce", tag, millis): tells the parent it runs (and where), then works a while
                RpcChild.event("running", pid(), args[1]);
                RpcChild.flush();
                Thread.sleep(((Number) args[2]).longValue());
                return "finished";
            case "strike":
                // ("strike", how): fails as told, in the job itself
                strike((String) args[1], "in the job");
                return "survived " + args[1];
            case "eventTrap":
                // ("eventTrap", trap): sends the trap as an event, then answers
                RpcChild.event("trap", args[1]);
                return "answered after the event";
            case "soak": {
                // ("soak", id, millis): the soak's job; says it started (where), works, answers its id
                RpcChild.event("started", pid(), args[1]);
                long millis = ((Number) args[2]).longValue();
                if (millis > 0) {
                    Thread.sleep(millis);
                }
                return args[1];
            }
            default:
                throw new IllegalArgumentException("unknown job " + what);
        }
    }

    /**
     * Init that fails as the template's first argument says ("throw", "exit", "halt"); with a
     * second argument, a file path, only in the worker that creates that file first (the others
     * announce themselves like {@link #announceUp}).
     */
    public static void initStrike(ForkArgs args) throws IOException {
        String how = args.string(0);
        if (args.size() > 1) {
            try {
                Files.createFile(Paths.get(args.string(1)));
            } catch (FileAlreadyExistsException e) {
                announceUp();
                return;
            }
        }
        strike(how, "in init");
    }

    /** Init: event ("up", pid). */
    public static void announceUp() {
        RpcChild.event("up", pid());
        RpcChild.flush();
    }

    /**
     * Fails as {@code how} says. Only "throw" and "error" are allowed outside a worker (in the test
     * JVM, a trap that is read or written there).
     */
    static void strike(String how, String where) {
        if (!RpcChild.active() && !how.equals("throw") && !how.equals("error")) {
            throw new AssertionError("refusing to " + how + " in the test JVM (" + where + ")");
        }
        switch (how) {
            case "throw":
                throw new IllegalStateException("failed on purpose " + where);
            case "error":
                throw new LinkageError("linkage failed on purpose " + where);
            case "exit":
                System.exit(EXIT_CODE);
                break;
            case "exit0":
                System.exit(0);
                break;
            case "halt":
                Runtime.getRuntime().halt(HALT_CODE);
                break;
            case "segv":
                segfault();
                break;
            case "oom": {
                List<long[]> hog = new ArrayList<>();
                while (true) {
                    hog.add(new long[1 << 20]); // 8 MiB at a time: the heap fills, the GC gives up
                }
            }
            case "stackOverflow":
                recurse(0);
                break;
            case "unloadable":
                WorkerUnloadable.touch();
                break;
            case "unserializable":
                throw new Unserializable();
            case "hostileMessage":
                throw new HostileMessage();
            case "hostileCause":
                throw new HostileCause();
            case "hostileStackTrace":
                throw new HostileStackTrace();
            default:
                throw new IllegalArgumentException("unknown strike " + how);
        }
    }

    private static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }

    /** Writes to address 0 through sun.misc.Unsafe (reflectively, no compile-time dependency): the JVM dies of SIGSEGV. */
    private static void segfault() {
        try {
            Class<?> c = Class.forName("sun.misc.Unsafe");
            Field f = c.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            Object unsafe = f.get(null);
            c.getMethod("putAddress", long.class, long.class).invoke(unsafe, 0L, 42L);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot reach sun.misc.Unsafe", e);
        }
    }

    /** A class that cannot be initialised in a worker (its static initialiser throws there). */
    static final class WorkerUnloadable {
        static {
            if (RpcChild.active()) {
                throw new IllegalStateException("WorkerUnloadable cannot be initialised in a worker (on purpose)");
            }
        }

        static void touch() {}
    }

    /** An exception with fields no serializer could write (a thread, a lock): jfork must report it anyway. */
    public static final class Unserializable extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient Thread owner = Thread.currentThread();
        final transient Object lock = new Object();

        Unserializable() {
            super("an exception that holds a thread and a lock");
        }
    }

    /** An exception whose getMessage() throws. */
    public static final class HostileMessage extends RuntimeException {
        private static final long serialVersionUID = 1L;

        @Override
        public String getMessage() {
            throw new IllegalStateException("getMessage() threw on purpose");
        }
    }

    /** An exception whose getCause() throws. */
    public static final class HostileCause extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HostileCause() {
            super("an exception whose getCause() throws");
        }

        @Override
        public synchronized Throwable getCause() {
            throw new IllegalStateException("getCause() threw on purpose");
        }
    }

    /** An exception whose getStackTrace() throws. */
    public static final class HostileStackTrace extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HostileStackTrace() {
            super("an exception whose getStackTrace() throws");
        }

        @Override
        public StackTraceElement[] getStackTrace() {
            throw new IllegalStateException("getStackTrace() threw on purpose");
        }
    }

    /**
     * A value whose Kryo serialisation strikes ({@link CrashJobs#strike}) at one step on one side:
     * {@code where} is "worker-read", "worker-write", "parent-read" or "parent-write". Everywhere
     * else it is an ordinary value. Register it (the pool and the client send registrations to the
     * worker).
     */
    public static final class Trap implements KryoSerializable {
        private String where;
        private String how;

        public Trap() {}

        public Trap(String where, String how) {
            this.where = where;
            this.how = how;
        }

        @Override
        public void write(Kryo kryo, Output output) {
            output.writeString(where);
            output.writeString(how);
            maybeStrike("write");
        }

        @Override
        public void read(Kryo kryo, Input input) {
            where = input.readString();
            how = input.readString();
            maybeStrike("read");
        }

        private void maybeStrike(String step) {
            String side = RpcChild.active() ? "worker" : "parent";
            if (where.equals(side + "-" + step)) {
                strike(how, (step.equals("read") ? "deserializing" : "serializing") + " a Trap in the " + side);
            }
        }

        @Override
        public String toString() {
            return "Trap[" + where + ", " + how + "]";
        }
    }
}
