package io.sendchain.examples.http;

import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.loop.EventLoop;
import io.sendchain.output.ThreadPoolFileReader;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A static file server on sendchain, the way nginx serves files: the static handler opens the file and makes a
 * file buf, the copy filter's output chain passes it on (or copies it when sendfile is off), the chain writer
 * calls the platform's send chain. One event loop per worker; the first worker accepts and hands connections
 * round-robin to all of them.
 */
public final class StaticServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StaticServer.class);

    private final StaticConfig config;
    private final PlatformRegistry.Choice choice;
    private final Platform platform;
    private final Worker[] workers;
    private final ExecutorService readPool;
    /** Open client connections; guarded by itself, waited on by {@link #awaitOpenConnections}. */
    private final int[] connections = new int[1];
    private ListenSocket listener;
    private InetSocketAddress address;
    private int next;

    /** One event loop and what its sessions share. */
    final class Worker {
        final EventLoop loop;
        final HttpDate date = new HttpDate();
        final FileLookup lookup = new FileLookup(config.root(), config.symlinksOutsideRoot());

        Worker(EventLoop loop) {
            this.loop = loop;
        }

        void adopt(StreamSocket s) {
            Connection c = new Connection("client", s);
            try {
                if (config.tcpNodelay()) {
                    s.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    c.tcpNodelay(Connection.TcpOption.SET);
                }
                if (!config.tcpNopush()) {
                    c.tcpNopush(Connection.TcpOption.DISABLED);
                }
                loop.add(c);
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
            new HttpSession(StaticServer.this, this, c).start();
        }
    }

    /** Chooses the platform (explicit name or the SPI's best) and prepares the workers; {@link #start()} listens. */
    public StaticServer(StaticConfig config) throws IOException {
        this.config = config;
        PlatformConfig pc = PlatformConfig.defaults().withPlatform(config.platform());
        if (config.aioThreads() > 0) {
            pc = pc.with("aio.threads", Integer.toString(config.aioThreads()));
        }
        PlatformRegistry registry = PlatformRegistry.load();
        this.choice = registry.choose(pc);
        this.platform = choice.chosen().provider().create(pc);
        this.readPool = config.aioThreads() > 0 ? Executors.newFixedThreadPool(config.aioThreads(), r -> {
            Thread t = new Thread(r, "sendchain-read");
            t.setDaemon(true);
            return t;
        }) : null;
        this.workers = new Worker[Math.max(1, config.workers())];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(new EventLoop("sendchain-worker-" + (i + 1), platform.newDriver()));
        }
    }

    /** Listens and starts the workers; returns the address actually bound (port 0 picks one). */
    public InetSocketAddress start() throws IOException {
        listener = platform.listen(config.listen(), 511);
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
                    w.adopt(s);
                } else {
                    StreamSocket accepted = s;
                    w.loop.execute(() -> w.adopt(accepted));
                }
            }
        } catch (IOException e) {
            // EMFILE and friends: log, keep listening (nginx disables accept for a while; we try again next event)
            log.error("{}", e.getMessage());
        }
    }

    StaticConfig config() {
        return config;
    }

    Platform platform() {
        return platform;
    }

    ThreadPoolFileReader readHook() {
        return readPool == null ? null : new ThreadPoolFileReader(readPool);
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
        if (readPool != null) {
            readPool.shutdownNow();
        }
    }
}
