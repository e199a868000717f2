package io.sendchain.examples.http;

import io.sendchain.event.Connection;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.loop.Acceptor;
import io.sendchain.loop.EventLoop;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformRegistry;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the static server and the reverse proxy share: the platform chosen through the SPI, one event loop per
 * worker, the listeners, a count of open client connections, and an orderly stop.
 *
 * <p>Listeners, as nginx's {@code listen ... reuseport}: with several workers on a platform whose kernel balances
 * {@code SO_REUSEPORT} sockets, each worker has its own listening socket on the address and its own
 * {@link Acceptor}, and adopts what it accepts itself, with no hand-off between loops. Otherwise (one worker,
 * reuseport off, or no such platform) one listener on the first worker hands accepted connections round-robin to
 * all of them. Either way accepting survives running out of descriptors (the acceptor pauses and retries).
 */
abstract class AbstractHttpServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AbstractHttpServer.class);

    private final InetSocketAddress listen;
    private final AbstractHttpSession.Limits limits;
    private final PlatformRegistry.Choice choice;
    private final Platform platform;
    private final int workerCount;
    private Worker[] workers;
    /** Open client connections; guarded by itself, waited on by {@link #awaitOpenConnections}. */
    private final int[] connections = new int[1];
    /** The listening sockets: one per worker with SO_REUSEPORT, else one on the first worker. */
    private ListenSocket[] listeners = new ListenSocket[0];
    /** {@code acceptors[i]} accepts on {@code listeners[i]}, on {@code workers[i]}'s loop. */
    private Acceptor[] acceptors = new Acceptor[0];
    private InetSocketAddress address;
    /** The worker the single listener hands the next connection to (first worker's loop thread only). */
    private int next;

    /** One event loop and what its sessions share. */
    static class Worker {
        final EventLoop loop;
        final HttpDate date = new HttpDate();

        Worker(EventLoop loop) {
            this.loop = loop;
        }
    }

    AbstractHttpServer(InetSocketAddress listen, PlatformConfig pc, int workerCount, AbstractHttpSession.Limits limits)
            throws IOException {
        this.listen = listen;
        this.limits = limits;
        PlatformRegistry registry = PlatformRegistry.load();
        this.choice = registry.choose(pc);
        this.platform = choice.chosen().provider().create(pc);
        this.workerCount = Math.max(1, workerCount);
    }

    /** Makes the workers; a subclass calls it at the end of its constructor, once its own fields are set. */
    final void createWorkers() throws IOException {
        workers = new Worker[workerCount];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = newWorker(new EventLoop(threadName() + "-" + (i + 1), platform.newDriver()));
        }
    }

    /** The workers' thread name prefix. */
    abstract String threadName();

    /** A worker for {@code loop}; subclasses add what their sessions share. */
    abstract Worker newWorker(EventLoop loop);

    /** Sets options on a newly accepted client socket. */
    abstract void configure(StreamSocket s, Connection c) throws IOException;

    /** Starts the session of a newly accepted client connection, on its worker's loop. */
    abstract void startSession(Worker w, Connection c);

    /** Each worker gets its own SO_REUSEPORT listener when there are several and the platform balances them. */
    abstract boolean reusePort();

    /**
     * Listens and starts the workers; returns the address actually bound (port 0 picks one). Returns once every
     * listener is watched by its loop.
     */
    public InetSocketAddress start() throws IOException {
        boolean perWorker = reusePort() && workers.length > 1 && platform.supportsReusePort();
        if (reusePort() && workers.length > 1 && !perWorker) {
            log.info("the {} platform cannot balance SO_REUSEPORT listeners: one listener hands connections to "
                    + "the {} workers", platform.name(), workers.length);
        }
        openListeners(perWorker ? workers.length : 1);
        for (Worker w : workers) {
            w.loop.start();
        }
        try {
            for (int i = 0; i < acceptors.length; i++) {
                startAcceptor(workers[i].loop, acceptors[i]);
            }
        } catch (IOException e) {
            stopAfterFailedStart();
            throw e;
        }
        return address;
    }

    /**
     * Binds {@code n} listeners, each with its acceptor for the worker of the same index: one per worker with
     * SO_REUSEPORT ({@code n > 1}: each adopts what it accepts), or one that hands connections round-robin.
     */
    private void openListeners(int n) throws IOException {
        listeners = new ListenSocket[n];
        acceptors = new Acceptor[n];
        try {
            for (int i = 0; i < n; i++) {
                // the first binds the address asked for (port 0: the system picks one); the others join its port
                listeners[i] = n > 1 ? platform.listen(i == 0 ? listen : address, 511, true)
                        : platform.listen(listen, 511);
                if (i == 0) {
                    address = listeners[0].localAddress();
                }
                Worker w = workers[i];
                Connection lc = new Connection(n == 1 ? "listener" : "listener-" + (i + 1), listeners[i]);
                acceptors[i] = new Acceptor(w.loop, lc, n > 1 ? s -> adopt(w, s) : this::handOff);
            }
        } catch (IOException | RuntimeException e) {
            closeListeners();
            throw e;
        }
    }

    /** Stops the workers, each closing the listener it took, then closes the listeners none took. */
    private void stopAfterFailedStart() {
        for (Worker w : workers) {
            w.loop.stop();
        }
        try {
            for (Worker w : workers) {
                w.loop.awaitTermination(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeListeners();
    }

    private static void startAcceptor(EventLoop loop, Acceptor a) throws IOException {
        CompletableFuture<Void> started = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                a.start();
                started.complete(null);
            } catch (IOException | RuntimeException e) {
                started.completeExceptionally(e);
            }
        });
        try {
            started.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io
                    : new IOException("cannot watch " + a.listener() + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException(loop.name() + " did not take " + a.listener() + " within 10 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while starting " + a.listener());
        }
    }

    /** The single listener's handler: the next worker round-robin adopts {@code s}, on its own loop. */
    private void handOff(StreamSocket s) {
        Worker w = workers[next];
        next = (next + 1) % workers.length;
        if (w == workers[0]) {
            adopt(w, s);
        } else {
            // a stopping loop refuses the task: the acceptor then closes the socket
            w.loop.execute(() -> adopt(w, s));
        }
    }

    private void adopt(Worker w, StreamSocket s) {
        Connection c = new Connection("client", s);
        try {
            configure(s, c);
            w.loop.add(c);
        } catch (IOException e) {
            log.warn("cannot take a new connection: {}", e.toString());
            try {
                c.close();
            } catch (IOException ignored) {
                // already failing
            }
            return;
        }
        synchronized (connections) {
            connections[0]++;
            connections.notifyAll();
        }
        startSession(w, c);
    }

    /** What every session of this server reads: header buffer, timeouts, access log. */
    AbstractHttpSession.Limits limits() {
        return limits;
    }

    void forEachWorker(java.util.function.Consumer<Worker> action) {
        for (Worker w : workers) {
            action.accept(w);
        }
    }

    Platform platform() {
        return platform;
    }

    void sessionClosed() {
        synchronized (connections) {
            connections[0]--;
            connections.notifyAll();
        }
    }

    /** Client connections currently open. */
    public int openConnections() {
        synchronized (connections) {
            return connections[0];
        }
    }

    /** Waits until at most {@code n} client connections are open; {@code false} if that did not happen in time. */
    public boolean awaitOpenConnections(int n, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (connections) {
            while (connections[0] > n) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                connections.wait(left);
            }
            return true;
        }
    }

    /** The platform in use and why it was chosen. */
    public PlatformRegistry.Choice platformChoice() {
        return choice;
    }

    public InetSocketAddress address() {
        return address;
    }

    /** Listening sockets: one per worker with SO_REUSEPORT, else one. Zero before {@link #start}. */
    public int listeners() {
        return listeners.length;
    }

    /** Connections each listener has accepted so far, in worker order. */
    long[] acceptedPerListener() {
        long[] n = new long[acceptors.length];
        for (int i = 0; i < n.length; i++) {
            n[i] = acceptors[i].accepted();
        }
        return n;
    }

    /** Stops every worker (closing all connections), the listeners and the platform. */
    @Override
    public void close() {
        for (Worker w : workers) {
            w.loop.stop();
        }
        for (Worker w : workers) {
            try {
                if (!w.loop.awaitTermination(10, TimeUnit.SECONDS)) {
                    log.warn("{} did not stop within 10 s", w.loop.name());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // the loops have closed the listeners they watched; this closes any that none took (twice does nothing)
        closeListeners();
        try {
            platform.close();
        } catch (IOException e) {
            log.warn("closing: {}", e.toString());
        }
        closed();
    }

    private void closeListeners() {
        for (ListenSocket l : listeners) {
            if (l != null) {
                try {
                    l.close();
                } catch (IOException e) {
                    log.warn("closing {}: {}", l, e.toString());
                }
            }
        }
    }

    /** Releases what the subclass holds, after the workers stopped. */
    void closed() {
    }
}
