package dev.jfork.internal.events;

/**
 * The one door to jfork's JDK Flight Recorder events, so that code on the hot paths stays the
 * same whether or not JFR is there: each {@code begin} returns a started event, or null when no
 * recording wants it (or the runtime has no {@code jdk.jfr}, as a jlinked image may not), and each
 * {@code end} does nothing with null. Only {@link On} touches the event classes, so without
 * {@code jdk.jfr} they are never loaded.
 *
 * <p>The events, in JDK Mission Control under "jfork": {@code dev.jfork.Spawn} (a JVM this program
 * started), {@code dev.jfork.HandOver} (from {@code fork()}/{@code create()} to the process's socket
 * in this program, with where it came from: a parked spare, the template, a fresh JVM),
 * {@code dev.jfork.RunEntered} (from {@code run()} to the function entered), and fork-rpc's
 * {@code dev.jfork.RpcCall} and fork-pool's {@code dev.jfork.PoolJob}. Enable them with
 * {@code -XX:StartFlightRecording} (they are on in the default settings) or {@code jcmd PID JFR.start}.
 */
public final class JforkEvents {
    private JforkEvents() {}

    /** Whether this runtime has JFR and this module can see it. */
    public static final boolean AVAILABLE = available();

    private static boolean available() {
        try {
            Class<?> event = Class.forName("jdk.jfr.Event", false, JforkEvents.class.getClassLoader());
            Module self = JforkEvents.class.getModule();
            return !self.isNamed() || self.canRead(event.getModule());
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Whether JFR has started in this JVM (a recording was made, now or before). Until then the
     * event classes stay unloaded: loading and registering them costs 80-100 ms on JDK 17, which a
     * program's first {@code create()} would otherwise pay. Events begun before a recording starts
     * are not wanted by it anyway.
     */
    private static boolean recorderUp() {
        return AVAILABLE && Recorder.initialized();
    }

    /** Loaded only when JFR is there. */
    private static final class Recorder {
        static boolean initialized() {
            return jdk.jfr.FlightRecorder.isInitialized();
        }
    }

    /** Where a fork came from, for {@code dev.jfork.HandOver}. */
    public static final String PARKED_SPARE = "parked spare";
    public static final String TEMPLATE = "template";
    public static final String FRESH_JVM = "fresh JVM";

    /** A started spawn event, or null. */
    public static Object spawnBegin() {
        return recorderUp() ? On.spawnBegin() : null;
    }

    public static void spawnEnd(Object event, long pid, String role, String java) {
        if (event != null) {
            On.spawnEnd(event, pid, role, java);
        }
    }

    /** A started hand-over event, or null. */
    public static Object handOverBegin() {
        return recorderUp() ? On.handOverBegin() : null;
    }

    public static void handOverEnd(Object event, long templatePid, long pid, String source) {
        if (event != null) {
            On.handOverEnd(event, templatePid, pid, source);
        }
    }

    /** A started run-entered event, or null. */
    public static Object runBegin() {
        return recorderUp() ? On.runBegin() : null;
    }

    public static void runEnd(Object event, long pid, String function, boolean entered) {
        if (event != null) {
            On.runEnd(event, pid, function, entered);
        }
    }

    /** A started RPC call event, or null. */
    public static Object rpcCallBegin() {
        return recorderUp() ? On.rpcCallBegin() : null;
    }

    public static void rpcCallEnd(Object event, long workerPid, String function, String outcome) {
        if (event != null) {
            On.rpcCallEnd(event, workerPid, function, outcome);
        }
    }

    /** A started pool job event (at the job's call), or null. */
    public static Object poolJobBegin() {
        return recorderUp() ? On.poolJobBegin() : null;
    }

    /** The job was sent to a worker: its queue wait ends, its run begins. */
    public static void poolJobSent(Object event) {
        if (event != null) {
            On.poolJobSent(event);
        }
    }

    public static void poolJobEnd(Object event, long workerPid, String function, String outcome) {
        if (event != null) {
            On.poolJobEnd(event, workerPid, function, outcome);
        }
    }

    /** Loaded only when JFR is there. */
    private static final class On {
        // one instance per type to ask isEnabled(), which answers for the event type
        private static final SpawnEvent spawnProbe = new SpawnEvent();
        private static final HandOverEvent handOverProbe = new HandOverEvent();
        private static final RunEnteredEvent runEnteredProbe = new RunEnteredEvent();
        private static final RpcCallEvent rpcCallProbe = new RpcCallEvent();
        private static final PoolJobEvent poolJobProbe = new PoolJobEvent();

        static Object spawnBegin() {
            if (!spawnProbe.isEnabled()) {
                return null; // no allocation while no recording wants it
            }
            SpawnEvent e = new SpawnEvent();
            e.begin();
            return e;
        }

        static void spawnEnd(Object event, long pid, String role, String java) {
            SpawnEvent e = (SpawnEvent) event;
            e.end();
            e.pid = pid;
            e.role = role;
            e.java = java;
            e.commit();
        }

        static Object handOverBegin() {
            if (!handOverProbe.isEnabled()) {
                return null; // no allocation while no recording wants it
            }
            HandOverEvent e = new HandOverEvent();
            e.begin();
            return e;
        }

        static void handOverEnd(Object event, long templatePid, long pid, String source) {
            HandOverEvent e = (HandOverEvent) event;
            e.end();
            e.templatePid = templatePid;
            e.pid = pid;
            e.source = source;
            e.spareHit = PARKED_SPARE.equals(source);
            e.commit();
        }

        static Object rpcCallBegin() {
            if (!rpcCallProbe.isEnabled()) {
                return null; // no allocation while no recording wants it
            }
            RpcCallEvent e = new RpcCallEvent();
            e.begin();
            return e;
        }

        static void rpcCallEnd(Object event, long workerPid, String function, String outcome) {
            RpcCallEvent e = (RpcCallEvent) event;
            e.end();
            e.workerPid = workerPid;
            e.function = function;
            e.outcome = outcome;
            e.commit();
        }

        static Object poolJobBegin() {
            if (!poolJobProbe.isEnabled()) {
                return null; // no allocation while no recording wants it
            }
            PoolJobEvent e = new PoolJobEvent();
            e.begin();
            e.began = System.nanoTime();
            return e;
        }

        static void poolJobSent(Object event) {
            PoolJobEvent e = (PoolJobEvent) event;
            e.sent = System.nanoTime();
        }

        static void poolJobEnd(Object event, long workerPid, String function, String outcome) {
            PoolJobEvent e = (PoolJobEvent) event;
            e.end();
            long now = System.nanoTime();
            e.queueWait = (e.sent == 0 ? now : e.sent) - e.began;
            e.runTime = e.sent == 0 ? 0 : now - e.sent;
            e.workerPid = workerPid;
            e.function = function;
            e.outcome = outcome;
            e.commit();
        }

        static Object runBegin() {
            if (!runEnteredProbe.isEnabled()) {
                return null; // no allocation while no recording wants it
            }
            RunEnteredEvent e = new RunEnteredEvent();
            e.begin();
            return e;
        }

        static void runEnd(Object event, long pid, String function, boolean entered) {
            RunEnteredEvent e = (RunEnteredEvent) event;
            e.end();
            e.pid = pid;
            e.function = function;
            e.entered = entered;
            e.commit();
        }
    }
}
