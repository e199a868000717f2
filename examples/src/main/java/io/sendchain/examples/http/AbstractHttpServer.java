package io.sendchain.examples.http;

import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.loop.EventLoop;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the static server and the reverse proxy share: the platform chosen through the SPI, one event loop per
 * worker, a listener on the first worker that hands accepted connections round-robin to all of them, a count of
 * open client connections, and an orderly stop.
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
    private ListenSocket listener;
    private InetSocketAddress address;
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

    /** Listens and starts the workers; returns the address actually bound (port 0 picks one). */
    public InetSocketAddress start() throws IOException {
        listener = platform.listen(listen, 511);
        address = listener.localAddress();
        Connection lc = new Connection("listener", listener);
        lc.read().handler(this::accept);
        for (Worker w : workers) {
            w.loop.start();
        }
        Worker first = workers[0];
        first.loop.execute(() -> {
            try {
                first.loop.add(lc);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return address;
    }

    private void accept(Event ev) {
        Connection lc = ev.connection();
        try {
            StreamSocket s;
            while ((s = lc.listener().accept(lc)) != null) {
                Worker w = workers[next];
                next = (next + 1) % workers.length;
                if (w == workers[0]) {
                    adopt(w, s);
                } else {
                    StreamSocket accepted = s;
                    w.loop.execute(() -> adopt(w, accepted));
                }
            }
        } catch (IOException e) {
            // EMFILE and friends: log, keep listening (nginx disables accept for a while; we try again next event)
            log.error("{}", e.getMessage());
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

    /** Stops every worker (closing all connections), the listener and the platform. */
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
        try {
            if (listener != null) {
                listener.close();
            }
            platform.close();
        } catch (IOException e) {
            log.warn("closing: {}", e.toString());
        }
        closed();
    }

    /** Releases what the subclass holds, after the workers stopped. */
    void closed() {
    }
}
