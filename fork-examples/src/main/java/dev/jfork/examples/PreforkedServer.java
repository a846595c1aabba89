package dev.jfork.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.jfork.Fork;
import dev.jfork.ForkArgs;
import dev.jfork.ForkChannel;
import dev.jfork.ForkExit;
import dev.jfork.ForkFd;


/**
 * Create a pool of server processes all accepting on the same socket.
 *
 * <pre>{@code
 * ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
 * Fork template = Fork.exec()                       // a fresh JVM, prepared once...
 *         .require(PreforkedServer.class)
 *         .sendFd(listener);                        // ...and given the listening socket
 * for (int id = 1; id <= 10; id++) {                // now create 10 identical workers
 *     template.fork().sendArg(String.valueOf(id)).run(PreforkedServer::serve);
 * }
 * }</pre>
 *
 * <p>The template is a process that is never run: it only collects what its forks need, here the
 * worker class and the listener. Each {@code fork()} is a new process that receives the same
 * preparation (the class is loaded again, the descriptor is the very same open socket) and then its
 * own argument, the worker id. A worker finds the template's arguments first, then its own: the
 * listener is argument 0, the id argument 1. All ten accept on one listening socket, so the kernel
 * hands each incoming connection to one of them: nobody has to distribute connections.
 *
 * <p>A worker serves one connection at a time, answering its lines until the client hangs up. The
 * demo's clients come in rounds of ten that each keep their connection until the whole round has
 * its answers, so every worker is busy with one client and each round is spread over all ten
 * (short connections would mostly go to whichever worker happens to be waiting in
 * {@code accept} first).
 *
 * <p>The workers do not need their socket to the parent for serving, but it is the natural way to
 * stop them: each one watches it and exits when it reaches end of stream, so closing the parent's
 * ends shuts the pool down. The template is closed last, after the workers have exited, so that it
 * still reaps them and reports their exit status.
 *
 * <p>Perl: {@code my $pool = AnyEvent::Fork->new->require("My::Server")->send_fh($listener);
 * $pool->fork->send_arg($id)->run("My::Server::run") for 1..10;}
 */
public final class PreforkedServer {
    private PreforkedServer() {}

    private static final Pattern ANSWER = Pattern.compile("worker (\\d+) \\(pid (\\d+)\\): (.*)");

    /** What the clients got and how the pool ended. */
    public record Result(int port, long templatePid, List<String> answers, Map<Integer, List<Integer>> clientsByWorker,
            List<ForkExit> workerExits, ForkExit templateExit) {}

    /**
     * Starts {@code workers} servers on one listener, connects {@code clients} clients in rounds of
     * {@code workers} concurrent connections, then shuts the pool down.
     *
     * @param workers how many worker processes accept on the listener
     * @param clients how many clients connect, each sending one line
     * @return the listener's port, the answers, which worker answered which client, and how the
     *         workers and the template ended
     * @throws IOException           if the listener cannot be opened or bound, or talking to a
     *                               worker fails
     * @throws IllegalStateException if a worker did not get ready or answered wrongly
     */
    public static Result serve(int workers, int clients) throws IOException {
        InetSocketAddress address;
        Fork template;
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
            address = (InetSocketAddress) listener.getLocalAddress();
            template = Fork.exec().require(PreforkedServer.class).sendFd(listener);
        } // sendFd duplicated the descriptor: the template and its forks hold the listener now
        List<Fork> pool = new ArrayList<>();
        List<CompletableFuture<ForkChannel>> started = new ArrayList<>();
        List<ForkChannel> channels = new ArrayList<>();
        ExecutorService clientThreads = Executors.newFixedThreadPool(workers);
        try {
            for (int id = 1; id <= workers; id++) {
                Fork worker = template.fork().sendArg(String.valueOf(id));
                pool.add(worker);
                started.add(worker.run(PreforkedServer::serve)); // they all start at once
            }
            for (int id = 1; id <= workers; id++) {
                channels.add(Await.get(started.get(id - 1), "worker " + id + " start"));
            }
            for (ForkChannel channel : channels) {
                String ready = Await.readLine(channel.inputStream());
                Examples.check(ready != null && ready.startsWith("ready "), "worker did not get ready: " + ready);
            }

            List<CompletableFuture<String>> answers = new ArrayList<>();
            for (int first = 1; first <= clients; first += workers) {
                int round = Math.min(workers, clients - first + 1);
                CyclicBarrier allAnswered = new CyclicBarrier(round);
                for (int c = first; c < first + round; c++) {
                    String request = "hello from client " + c;
                    answers.add(CompletableFuture.supplyAsync(() -> ask(address, request, allAnswered), clientThreads));
                }
                for (int c = first; c < first + round; c++) {
                    Await.get(answers.get(c - 1), "answer to client " + c); // one round at a time
                }
            }
            List<String> got = new ArrayList<>();
            Map<Integer, List<Integer>> byWorker = new TreeMap<>();
            for (int c = 1; c <= clients; c++) {
                String answer = answers.get(c - 1).join();
                Matcher m = ANSWER.matcher(String.valueOf(answer)); // "null" if the worker hung up
                Examples.check(m.matches() && m.group(3).equals("hello from client " + c), "unexpected answer: " + answer);
                got.add(answer);
                byWorker.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new ArrayList<>()).add(c);
            }

            for (ForkChannel channel : channels) {
                channel.close(); // the worker sees end of stream and exits
            }
            List<ForkExit> exits = new ArrayList<>();
            for (Fork worker : pool) {
                exits.add(Await.get(worker.onExit(), "worker exit"));
            }
            template.close();
            ForkExit templateExit = Await.get(template.onExit(), "template exit");
            return new Result(address.getPort(), template.pid().orElse(-1), got, byWorker, exits, templateExit);
        } finally {
            clientThreads.shutdownNow();
            for (CompletableFuture<ForkChannel> worker : started) {
                worker.thenAccept(PreforkedServer::closeQuietly); // on failure too: no worker survives the example
            }
            template.close();
        }
    }

    private static void closeQuietly(ForkChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /**
     * One client: connects, sends a line, reads the answer line, and keeps the connection (and so
     * its worker) until every client of its round has its answer.
     */
    private static String ask(InetSocketAddress address, String request, CyclicBarrier allAnswered) {
        try (Socket socket = new Socket()) {
            socket.connect(address, (int) Await.TIMEOUT.toMillis());
            socket.setSoTimeout((int) Await.TIMEOUT.toMillis());
            Await.writeLine(socket.getOutputStream(), request);
            String answer = Await.readLine(socket.getInputStream());
            allAnswered.await(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return answer;
        } catch (IOException | BrokenBarrierException | TimeoutException e) {
            throw new IllegalStateException("client " + request + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("client " + request + " interrupted", e);
        }
    }

    /**
     * The worker, run in each fork: accepts connections on the shared listener and answers each
     * request line with its id and pid; exits when the parent closes its end of the channel.
     *
     * @param parent this worker's end of the channel to the parent: it writes {@code ready ID} on
     *               it, then watches it for end of stream
     * @param args   argument 0 the listener (the template's), argument 1 this worker's id (its own)
     * @throws IOException if the ready line cannot be written, or accepting a connection fails
     */
    public static void serve(ForkChannel parent, ForkArgs args) throws IOException {
        ForkFd listener = args.fd(0); // the template's argument
        String id = args.string(1);   // this fork's own
        String me = "worker " + id + " (pid " + ProcessHandle.current().pid() + ")";
        Await.writeLine(parent.outputStream(), "ready " + id);
        Thread watch = new Thread(() -> {
            try {
                InputStream in = parent.inputStream();
                while (in.read() >= 0) {
                    // the parent sends nothing; wait for it to close
                }
            } catch (IOException ignored) {
                // same as end of stream
            }
            System.exit(0); // the accept loop below never ends by itself
        }, "parent-watch");
        watch.setDaemon(true);
        watch.start();
        while (true) {
            ForkChannel connection = listener.accept(); // shared with the other workers: one of us gets it
            try (connection) {
                InputStream in = connection.inputStream();
                String request;
                while ((request = Await.readLine(in)) != null) { // until the client hangs up
                    Await.writeLine(connection.outputStream(), me + ": " + request);
                }
            } catch (IOException e) {
                System.err.println(me + ": client failed: " + e); // that client's problem, not ours
            }
        }
    }

    /**
     * Runs the example with 10 workers and 20 clients and prints who answered whom.
     *
     * @param out where to print what happened
     * @throws IOException           if the listener cannot be set up, or talking to a worker fails
     * @throws IllegalStateException if a client was not answered, a worker answered nobody, or a
     *                               process did not exit with 0
     */
    public static void demo(PrintStream out) throws IOException {
        Result r = serve(10, 20);
        out.println("listener 127.0.0.1:" + r.port() + " sent to template pid " + r.templatePid()
                + "; 10 workers forked from it; 20 clients in 2 rounds of 10 concurrent connections");
        out.println("  e.g. \"" + r.answers().get(0) + "\"");
        r.clientsByWorker().forEach((worker, clients) ->
                out.println("  worker " + worker + " answered clients " + clients));
        out.println("closed the workers' channels: workers " + Examples.summary(r.workerExits()) + "; template " + r.templateExit());
        Examples.check(r.answers().size() == 20, "answers: " + r.answers().size());
        Examples.check(r.clientsByWorker().size() == 10, "not every worker answered: " + r.clientsByWorker());
        Examples.check(r.workerExits().stream().allMatch(ForkExit::isSuccess), "workers: " + r.workerExits());
        Examples.check(r.templateExit().isSuccess(), "template " + r.templateExit());
    }

    /**
     * Runs the example on its own and exits with 0 if it got what it expected, 1 otherwise.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        Examples.main(PreforkedServer::demo, false);
    }
}
