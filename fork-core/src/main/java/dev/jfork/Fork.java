package dev.jfork;

import java.io.Closeable;
import java.io.FileDescriptor;
import java.nio.channels.Channel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.jfork.internal.concurrent.JforkThreads;
import dev.jfork.internal.parent.DefaultTemplate;
import dev.jfork.internal.parent.ForkAccess;
import dev.jfork.internal.parent.ProcessHost;
import dev.jfork.internal.parent.Descriptors;
import dev.jfork.internal.parent.Launcher;
import dev.jfork.internal.parent.ProcessLink;
import dev.jfork.internal.wire.LaunchLine;
import dev.jfork.internal.wire.MethodReference;
import dev.jfork.internal.wire.Protocol;
import dev.jfork.internal.wire.StringList;
import dev.jfork.spi.TemplateProvider;

/**
 * A process being prepared: AnyEvent::Fork for the JVM.
 *
 * <p>Create a process, tell it what to load and initialise, send it arguments and descriptors, then
 * hand it over to a function of yours:
 *
 * <pre>{@code
 * Fork.create()
 *     .require("com.example.Worker")
 *     .sendArg("hello")
 *     .run("com.example.Worker.run")
 *     .thenAccept(channel -> ...);   // connected to the child's end
 *
 * // in the child:
 * public static void run(ForkChannel channel, ForkArgs args) { ... args.string(0) is "hello" ... }
 * }</pre>
 *
 * <p>Three ways to get a process:
 * <ul>
 *   <li>{@link #create()}: a fork of the shared default template (a warm JVM kept for this);
 *   <li>{@link #fork()}: a copy of a process you prepared yourself (a template);
 *   <li>{@link #exec()}: a fresh JVM, the slowest, with no template left behind.
 * </ul>
 *
 * <p>A JVM cannot {@code fork(2)} itself safely, so a jfork "fork" starts a new JVM and replays what
 * the template was sent: the same classes are required, the same {@code eval} methods run again,
 * the same arguments and descriptors are pending. See the README section "How fork works on the
 * JVM" for what that means.
 *
 * <p>Preparation methods queue one command each and return this object for chaining; they are
 * thread-safe and do not wait for the child. If the child fails or dies while being prepared, the
 * methods keep returning normally and {@link #run} reports what happened. You need not keep the
 * object: a process whose {@code Fork} is dropped before {@code run} exits, like one that is
 * {@linkplain #close() closed}; pending {@code run} and {@code fork} calls keep everything they need.
 */
public final class Fork implements AutoCloseable {
    private final ProcessLink link;

    private Fork(ProcessLink link, boolean closeWhenDropped) {
        this.link = link;
        if (closeWhenDropped) {
            ProcessLink l = link;
            JforkThreads.cleanWhenUnreachable(this, l::abandoned);
        }
    }

    static {
        // for jfork's other modules (fork-remote makes Forks, fork-pool revives remote templates)
        ForkAccess.register(Fork::of);
        ForkAccess.registerLinks(f -> f.link);
    }

    private static Fork of(ProcessLink link) {
        return new Fork(link, true);
    }

    /**
     * A new process: a fork of the default template, a template like {@link #exec()}'s JVM that
     * this program keeps for later calls, taken from the spares it keeps ready (about a
     * millisecond); when none is ready (the program's first call, while the template starts, or
     * in a burst that used them up), a JVM started by this program at once, as {@link #exec()}
     * does. Either way the process is the same: nothing prepared, this JVM's configuration
     * ({@link JvmSpec#defaults()}). The template is started in the background once the first
     * process has entered its function (or was closed or ended), is replaced if it has died, and
     * keeps more spares after bursts of calls. Safe to call from many threads at once. With a
     * {@link TemplateProvider} (fork-early), a fork of its template.
     *
     * @return the new process, ready to be prepared
     * @throws ForkException if the default template has to be started and its JVM cannot be
     *                       spawned
     */
    public static Fork create() {
        ProcessLink first = providersLooked ? null : DefaultTemplate.firstBeforeProviders(true);
        Fork provided = providedInsteadOf(first);
        if (provided != null) {
            return provided;
        }
        return of(first != null ? DefaultTemplate.served(first) : DefaultTemplate.fork());
    }

    /**
     * A fresh JVM running the child server, configured like the current JVM ({@link JvmSpec#defaults()}).
     * After {@code ForkEarly.start()} (module fork-early), or with another {@link TemplateProvider},
     * this is a fork of that template instead, and no JVM is started by this program.
     *
     * @return the new process, ready to be prepared
     * @throws ForkException if the JVM cannot be spawned
     */
    public static Fork exec() {
        ProcessLink first = providersLooked ? null : DefaultTemplate.firstBeforeProviders(false);
        Fork provided = providedInsteadOf(first);
        if (provided != null) {
            return provided;
        }
        if (first != null) {
            return of(first);
        }
        Launcher.bindNativeEarly(); // where a first process needs libc to start: the binding overlaps the command line
        return exec(JvmSpec.defaults());
    }

    /**
     * A fresh JVM running the child server, started with {@code spec}. The JVM is a direct child of
     * this one; {@link #pid()} and {@link #onExit()} are known at once.
     *
     * @param spec how to start the JVM; its limits also apply to the forks of this process
     * @return the new process, ready to be prepared
     * @throws ForkException if the JVM cannot be spawned (no such executable, for example); a JVM
     *                       that starts but fails to boot is reported by {@link #run}
     */
    public static Fork exec(JvmSpec spec) {
        return of(Launcher.exec(Objects.requireNonNull(spec, "spec"), LaunchLine.CHILD));
    }

    /**
     * A fresh JVM meant to be forked from. Unlike {@link #exec(JvmSpec)}, it readies itself to fork
     * at once (native layer, {@linkplain JvmSpec.Builder#spares(int) spares},
     * {@linkplain JvmSpec.Builder#classDataSharing(boolean) class-data archive}) rather than on
     * its first {@link #fork()}, while you are still preparing it.
     *
     * @param spec how to start the JVM; its limits also apply to the forks of the template
     * @return the new template, ready to be prepared and then forked
     * @throws ForkException if the JVM cannot be spawned
     */
    public static Fork newTemplate(JvmSpec spec) {
        return of(Launcher.exec(Objects.requireNonNull(spec, "spec"), LaunchLine.TEMPLATE));
    }

    /**
     * The shared default template used by {@link #create()} (starting it if needed); the
     * {@link TemplateProvider}'s template if there is one. Closing it is allowed: running processes
     * are unaffected and the next {@code create()} starts a new one. Dropping it does not close it.
     *
     * @return the template that {@code create()} forks from now
     * @throws ForkException if the default template has to be started and its JVM cannot be
     *                       spawned
     */
    public static Fork defaultTemplate() {
        Fork provided = Provided.template();
        return provided != null ? provided : Provided.defaultTemplate(DefaultTemplate.get());
    }

    /** A fork of a provider's template, or null; a {@code first} process started before the providers were asked (or null) is not needed then. */
    private static Fork providedInsteadOf(ProcessLink first) {
        Fork provided = Provided.forkOfTemplate();
        if (provided != null) {
            DefaultTemplate.unused(first);
        }
        return provided;
    }

    /** Whether the {@link TemplateProvider}s were looked for (a field here: reading one of {@link Provided} would look). */
    private static volatile boolean providersLooked;

    /**
     * The templates of {@link TemplateProvider}s, and the one Fork of the default template.
     *
     * <p>The providers are looked for once, on the first {@code create()}, {@code exec()} or
     * {@code defaultTemplate()}; on the class path that opens every jar (~25 ms in a cold program).
     * A program's first {@code create()} or {@code exec()} starts its JVM before that (see
     * {@link DefaultTemplate#firstBeforeProviders(boolean)}), so the look-up overlaps the JVM's boot.
     */
    private static final class Provided {
        private static final List<TemplateProvider> PROVIDERS = load();
        private static Fork defaultFork; // guarded by Provided.class

        private static List<TemplateProvider> load() {
            List<TemplateProvider> found = new ArrayList<>();
            for (TemplateProvider p : ServiceLoader.load(TemplateProvider.class, Fork.class.getClassLoader())) {
                found.add(p);
            }
            providersLooked = true;
            return found;
        }

        /** The first provided template that is alive, or null. */
        static Fork template() {
            for (TemplateProvider p : PROVIDERS) {
                Optional<Fork> t;
                try {
                    t = p.template();
                } catch (RuntimeException e) {
                    continue; // a provider must not break exec(): start JVMs as without it
                }
                if (t.isPresent() && t.get().isAlive()) {
                    return t.get();
                }
            }
            return null;
        }

        /** A fork of the provided template, or null (none, or it died since the check: start a JVM after all). */
        static Fork forkOfTemplate() {
            Fork t = template();
            if (t == null) {
                return null;
            }
            Fork f = t.fork();
            return f.link.failedToStart() ? null : f;
        }

        static synchronized Fork defaultTemplate(ProcessLink link) {
            if (defaultFork == null || defaultFork.link != link) {
                defaultFork = new Fork(link, false); // DefaultTemplate keeps it: dropping this object must not close it
            }
            return defaultFork;
        }
    }

    /**
     * A new process with a copy of everything this one was sent so far (classes required,
     * {@code eval} calls, arguments and descriptors, in order). This process stays usable and can
     * fork again; what is sent to either afterwards is its own.
     *
     * <p>If this process has died, the new one reports that from its {@link #run}.
     *
     * @return the new process, ready to be prepared further
     * @throws IllegalStateException if this process was closed, run or handed over with
     *                               {@link #toChannel()}
     */
    public Fork fork() {
        return of(link.fork());
    }

    /**
     * Asks this process, as a template, to keep at least {@code count} spares ready: forks started
     * ahead of time and prepared with everything it was sent, so that {@link #fork()} finds one at
     * once. Bounded by its spec's {@link JvmSpec.Builder#maxSpares(int) maxSpares} and
     * {@link JvmSpec.Builder#spareMemoryBudget(long) spareMemoryBudget}; replaces an earlier
     * request; 0 returns to the spec's {@link JvmSpec.Builder#spares(int) spares}. A template also
     * grows its spares by itself when forks are asked for in bursts; this is for a caller that
     * knows ahead how many it will need (a pool calls it with its {@code max}). The spares start
     * now, {@code spareDelay} apart, if they had not.
     *
     * @param count how many spares to keep, 0 or more
     * @return this process, for chaining
     * @throws IllegalArgumentException if {@code count} is negative
     * @throws IllegalStateException    if this process was run, closed or handed over
     */
    public Fork keepSpares(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count < 0: " + count);
        }
        link.keepSpares(count);
        return this;
    }

    /**
     * Loads and initialises classes in the process, in order. A class that cannot be found, loaded
     * or initialised makes the process fail; {@link #run} reports it.
     *
     * @param classNames binary names of the classes, such as {@code "com.example.Worker"}
     * @return this process, for chaining
     */
    public Fork require(String... classNames) {
        for (String c : classNames) {
            Objects.requireNonNull(c, "class name");
        }
        link.send(Protocol.REQUIRE, StringList.encode(Arrays.asList(classNames)));
        return this;
    }

    /**
     * {@link #require(String...)} by class: the process loads and initialises the classes of these
     * names (its own copies: nothing of this JVM's classes travels), in order.
     *
     * @param classes the classes whose names are sent
     * @return this process, for chaining
     */
    public Fork require(Class<?>... classes) {
        String[] names = new String[classes.length];
        for (int i = 0; i < classes.length; i++) {
            names[i] = Objects.requireNonNull(classes[i], "class").getName();
        }
        return require(names);
    }

    /**
     * Loads and initialises classes in the process, in order, like {@link #require(String...)}, except that a
     * class that cannot be found, loaded or initialised is skipped (the process notes it on its
     * stderr) instead of failing the process. Meant for warming a template with a list of classes
     * that may not all be meant for it, such as everything a program has loaded so far.
     *
     * @param classNames binary names of the classes, such as {@code "com.example.Worker"}
     * @return this process, for chaining
     */
    public Fork preload(String... classNames) {
        for (String c : classNames) {
            Objects.requireNonNull(c, "class name");
        }
        link.send(Protocol.PRELOAD, StringList.encode(Arrays.asList(classNames)));
        return this;
    }

    /**
     * Calls a static method in the process, for initialisation: {@code "pkg.Cls.method"} or
     * {@code "pkg.Cls::method"}, declared as {@code method(String...)}, {@code method()} (no
     * arguments), {@code method(ForkArgs)} or {@code method(ForkArgs, String...)} (to see the
     * arguments sent so far, descriptors included). Its return value is ignored; if it throws, the
     * process reports the exception and exits, and {@link #run} fails with it.
     *
     * <p>Forks of this process call it again (that is how they reach the same state), so it should
     * only change the state of its own JVM.
     *
     * @param method the static method, {@code "pkg.Cls.method"} or {@code "pkg.Cls::method"}
     * @param args   the strings passed to a method that takes {@code String...}
     * @return this process, for chaining
     */
    public Fork eval(String method, String... args) {
        List<String> command = new ArrayList<>(args.length + 1);
        command.add(Objects.requireNonNull(method, "method"));
        for (String a : args) {
            command.add(Objects.requireNonNull(a, "eval argument"));
        }
        link.send(Protocol.EVAL, StringList.encode(command));
        return this;
    }

    /**
     * Appends string arguments for the run function.
     *
     * @param args the arguments, each one argument of its own
     * @return this process, for chaining
     */
    public Fork sendArg(String... args) {
        for (String a : args) {
            Objects.requireNonNull(a, "argument");
        }
        link.send(Protocol.ARG_STRINGS, StringList.encode(Arrays.asList(args)));
        return this;
    }

    /**
     * Appends byte-array arguments for the run function (each array is one argument, copied now).
     *
     * @param args the arguments
     * @return this process, for chaining
     */
    public Fork sendArg(byte[]... args) {
        for (byte[] a : args) {
            link.send(Protocol.ARG_BYTES, Objects.requireNonNull(a, "argument").clone());
        }
        return this;
    }

    /**
     * Appends a descriptor argument. It is duplicated now, so the caller may close its own right
     * away; the child receives the same open file description (shared offset and flags).
     *
     * @param fd a descriptor number of this process
     * @return this process, for chaining
     * @throws IllegalArgumentException if {@code fd} is not open
     * @throws UnsupportedOperationException if the process runs on another machine (fork-remote)
     */
    public Fork sendFd(int fd) {
        link.requireLocal();
        link.sendFds(new int[] {Descriptors.duplicate(fd, "descriptor " + fd)});
        return this;
    }

    /**
     * Appends the descriptor of a {@link FileDescriptor}. {@link FileDescriptor#in},
     * {@link FileDescriptor#out} and {@link FileDescriptor#err} need no JVM option. Any other
     * needs {@code --add-opens java.base/java.io=ALL-UNNAMED} on this JVM (the JDK hides its
     * number); without it, open the file with {@link #sendFd(Path, OpenOption...)} or pass the
     * number with {@link #sendFd(int)}.
     *
     * @param fd the descriptor to send; it is duplicated, so the caller may close its own
     * @return this process, for chaining
     * @throws IllegalArgumentException if it is closed, or its number cannot be read (the message
     *     names the option)
     * @throws UnsupportedOperationException if the process runs on another machine (fork-remote)
     */
    public Fork sendFd(FileDescriptor fd) {
        link.requireLocal();
        link.sendFds(new int[] {Descriptors.duplicate(Descriptors.of(fd), fd)});
        return this;
    }

    /**
     * Appends the descriptor of a channel. With no JVM option: a {@code ServerSocketChannel},
     * {@code SocketChannel} or {@code DatagramChannel} (TCP, UDP or Unix domain, bound or
     * connected; found among this process's sockets by its addresses, so a channel that is
     * neither cannot be told apart), their asynchronous counterparts, a jnr channel, a
     * {@link ForkChannel} and a {@link ForkFd}. A {@code FileChannel} or {@code Pipe} end needs
     * {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED} (a {@code FileChannel} also
     * {@code java.base/java.io}); the flag-free alternative for a file is
     * {@link #sendFd(Path, OpenOption...)}. Where {@code sun.nio.ch} is open, every JDK channel is
     * read directly.
     *
     * <p>The pre-forked server of the seeds, flag-free:
     * <pre>{@code
     * ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress(8080));
     * for (int i = 0; i < 4; i++) {
     *     Fork.create().sendFd(listener).run(Server::accept);
     * }
     * }</pre>
     *
     * @param channel the channel whose descriptor is sent; it is duplicated, so the caller may
     *                close its own
     * @return this process, for chaining
     * @throws IllegalArgumentException if it is closed, not bound yet, or of a kind that cannot be
     *     passed on this JVM (the message says what to do)
     * @throws UnsupportedOperationException if the process runs on another machine (fork-remote)
     */
    public Fork sendFd(Channel channel) {
        link.requireLocal();
        link.sendFds(new int[] {Descriptors.duplicate(Descriptors.of(channel), channel)});
        return this;
    }

    /**
     * Appends the descriptor of a stream: {@code System.in}, {@code System.out} and
     * {@code System.err} send this process's descriptors 0, 1 and 2 (with no JVM option, and
     * whatever {@code System.setOut} installed since); a {@code FileInputStream},
     * {@code FileOutputStream} or {@code RandomAccessFile} on the standard descriptors too, and
     * on any other file where {@code --add-opens java.base/java.io=ALL-UNNAMED} is given (else
     * use {@link #sendFd(Path, OpenOption...)}); a {@link Channel} as
     * {@link #sendFd(Channel)}.
     *
     * @param stream the stream (or channel) whose descriptor is sent; it is duplicated, so the
     *               caller may close its own
     * @return this process, for chaining
     * @throws IllegalArgumentException if it is closed, or of a kind whose descriptor cannot be
     *     read on this JVM (the message says what to do)
     * @throws UnsupportedOperationException if the process runs on another machine (fork-remote)
     */
    public Fork sendFd(Closeable stream) {
        link.requireLocal();
        link.sendFds(new int[] {Descriptors.duplicate(Descriptors.of(stream), stream)});
        return this;
    }

    /**
     * Opens a file and appends its descriptor, with no JVM option on any JDK. The options are those
     * of {@link java.nio.file.Files#newByteChannel(Path, OpenOption...)}: none (or {@code READ})
     * opens for reading; {@code WRITE}, {@code APPEND}, {@code CREATE}, {@code CREATE_NEW},
     * {@code TRUNCATE_EXISTING}, {@code SYNC}, {@code DSYNC} and {@code NOFOLLOW_LINKS} do as they
     * do there (a created file gets mode 0666 less the umask). This process keeps no descriptor of
     * its own: the child's is the only one.
     *
     * @param path    the file to open
     * @param options how to open it
     * @return this process, for chaining
     * @throws IllegalArgumentException if the file cannot be opened (the message has the reason)
     *     or an option is not one of those
     * @throws UnsupportedOperationException if the process runs on another machine (fork-remote)
     */
    public Fork sendFd(Path path, OpenOption... options) {
        Objects.requireNonNull(path, "path");
        link.requireLocal();
        link.sendFds(new int[] {Descriptors.open(path, options)});
        return this;
    }

    /**
     * Enters {@code public static void function(ForkChannel channel, ForkArgs args)} in the process
     * ({@code "pkg.Cls.function"} or {@code "pkg.Cls::function"}). The future completes with this
     * side of the communication socket once the child has really entered the function; it fails
     * with {@link ForkException} if a {@code require}, {@code eval} or {@code run} step failed or
     * the child died first. The process exits when the function returns (status 0) or throws
     * (status 70).
     *
     * <p>After {@code run}, this object is spent: further preparation throws
     * {@link IllegalStateException}.
     *
     * @param function the static method, {@code "pkg.Cls.function"} or {@code "pkg.Cls::function"}
     * @return a future of the parent's end of the communication socket
     * @throws IllegalStateException if this process was closed, run or handed over with
     *                               {@link #toChannel()}
     */
    public CompletableFuture<ForkChannel> run(String function) {
        return link.run(Objects.requireNonNull(function, "function"));
    }

    /**
     * {@link #run(String)} with the function as a method reference the compiler checks:
     * {@code fork.run(Worker::run)} for {@code public static void run(ForkChannel, ForkArgs)}.
     *
     * @param function a method reference to the static run function
     * @return a future of the parent's end of the communication socket
     * @throws IllegalArgumentException if {@code function} is a lambda, or a reference to an
     *                                  instance method or one that captures a value: only a
     *                                  static method's name can reach the child
     */
    public CompletableFuture<ForkChannel> run(ForkFunction function) {
        return run(MethodReference.functionName(function, "(Ldev/jfork/ForkChannel;Ldev/jfork/ForkArgs;)V",
                "public static void run(ForkChannel channel, ForkArgs args)"));
    }

    /**
     * The process id, for every process (not only direct children). A fork's pid is known once its
     * template has started (or handed over) the process; this waits for that, at most
     * {@link JvmSpec.Builder#exitTimeout(java.time.Duration) exitTimeout}, and is empty if the process
     * could not be started, is not known by then, or was adopted with {@link #fromFd(int)}. Use
     * {@link #pidNow()} where waiting is not wanted (in a callback, a log line).
     *
     * @return the process id, or empty if it is not known
     */
    public OptionalLong pid() {
        try {
            long p = link.pid().get(link.spec().exitTimeout().toNanos(), TimeUnit.NANOSECONDS);
            return p > 0 ? OptionalLong.of(p) : OptionalLong.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        } catch (ExecutionException | TimeoutException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * The machine the process runs on, when it is not this one: how {@code ForkRemote} named it
     * ({@code "host worker7"}). A process on another machine has that machine's pid, cannot be
     * sent descriptors, and ends with its connection.
     *
     * @return the host, or empty for a process of this machine
     */
    public Optional<String> host() {
        ProcessHost h = link.host();
        return h == null ? Optional.empty() : Optional.of(h.name());
    }

    /**
     * The process id if it is known now (see {@link #pid()}); never waits.
     *
     * @return the process id, or empty if it is not known yet or will never be
     */
    public OptionalLong pidNow() {
        Long p = link.pid().getNow(null);
        return p != null && p > 0 ? OptionalLong.of(p) : OptionalLong.empty();
    }

    /**
     * Kills the process with {@code SIGKILL}: now, or as soon as its pid is known (a fork its
     * template has not started yet). Works before and after {@link #run}; does nothing if the
     * process has ended or was adopted with {@link #fromFd(int)}. Its end is reported by
     * {@link #onExit()} as usual.
     */
    public void kill() {
        link.kill();
    }

    /**
     * Whether this process can still be prepared or forked: not closed, not run, not handed over,
     * and not known to have ended.
     *
     * @return true if this process is still being prepared and has not been seen to end
     */
    public boolean isAlive() {
        return link.isAlive();
    }

    /**
     * How the process ended, as soon as it has been reaped (by this JVM for direct children, by the
     * template otherwise). If the template was closed before its fork ended, the fork's end is still
     * observed, but its exit status is unknown ({@link ForkExit#unknown(String)}).
     *
     * @return a new future of the process's end, each call its own copy; it fails for a process
     *         adopted with {@link #fromFd(int)}
     */
    public CompletableFuture<ForkExit> onExit() {
        return link.exit().copy();
    }

    /**
     * The last lines the process wrote to standard error ({@link JvmSpec.Builder#stderrLines(int)}
     * of them, oldest first), once its stderr has reached end of stream: normally when it has
     * exited. Empty for a process adopted with {@link #fromFd(int)}. For reports about a process
     * that died after {@link #run}, where no {@link ForkException} tells.
     *
     * @return a new future of the last stderr lines, each call its own copy
     */
    public CompletableFuture<List<String>> stderrTail() {
        return link.stderrLines().copy();
    }

    /**
     * Closes a process that was not yet run: the child reads end of stream and exits (if it has
     * not exited after {@link JvmSpec.Builder#exitTimeout(java.time.Duration)}, it is killed). On a
     * template the template exits after starting the forks it was asked for; its forks, running or
     * not, are unaffected. Does nothing after {@link #run}; the socket then belongs to whoever
     * holds the channel.
     */
    @Override
    public void close() {
        link.close();
    }

    /**
     * Hands this not-yet-run process over as its raw control socket, everything sent so far having
     * been written (AnyEvent::Fork's {@code to_fh}). Another holder of the socket, in this or
     * another program (send it with {@link #sendFd(Channel)}), continues with {@link #fromFd(int)}.
     * This object is spent afterwards.
     *
     * @return the control socket, which now belongs to the caller
     * @throws IllegalStateException if the process was forked from (its forks report on this
     *                               socket), run or closed
     * @throws ForkException         if the process could not be started, or died before
     *                               everything sent to it was written
     */
    public ForkChannel toChannel() {
        return link.detach();
    }

    /**
     * Continues preparing a process from a control socket handed over with {@link #toChannel()}
     * (AnyEvent::Fork's {@code new_from_fh}). The descriptor now belongs to the new object. Its
     * {@link #pid()} is empty and its {@link #onExit()} fails: this program did not start it.
     *
     * @param fd the descriptor of the control socket, in this process
     * @return the process, ready to be prepared further
     */
    public static Fork fromFd(int fd) {
        return of(ProcessLink.adopt(fd));
    }

    ProcessLink link() {
        return link;
    }

    @Override
    public String toString() {
        return "Fork[pid " + link.pidText() + "]";
    }
}
