package io.sendchain.examples.http;

import io.sendchain.buf.MemoryLimitException;
import io.sendchain.buf.SlabAllocator;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.EventHandler;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.loop.EventLoop;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.function.Consumer;
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

    /**
     * One event loop and what its sessions share: the idle handlers of its keep-alive connections (which hold no
     * session), the spare sessions waiting for a connection to wake, and its counters.
     */
    static class Worker {
        /** Sessions kept for reuse beyond this many are left to the garbage collector (they hold no memory). */
        private static final int SPARE_MAX = 1024;
        /** The memory-bound message is logged at most this often. */
        private static final long REFUSAL_LOG_MILLIS = 1000;

        final AbstractHttpServer server;
        final EventLoop loop;
        final HttpDate date = new HttpDate();
        private final ArrayDeque<AbstractHttpSession<?, ?>> spare = new ArrayDeque<>();
        /** An idle connection is readable (a session takes it over) or timed out (closed, as nginx does). */
        final EventHandler idleRead = this::idleRead;
        /** An idle connection has nothing to write. */
        final EventHandler idleWrite = ev -> {
        };
        /** An idle connection was closed (timeout, the loop stopping): the server counts it out. */
        final Consumer<Connection> idleClosed = c -> sessionClosed();
        /** Written by the loop's thread only; read by the status page. */
        volatile long requests;
        volatile long accepted;
        private long refusals;
        private long refusalLoggedAt = Long.MIN_VALUE;

        Worker(AbstractHttpServer server, EventLoop loop) {
            this.server = server;
            this.loop = loop;
        }

        private void idleRead(Event ev) {
            Connection c = ev.connection();
            if (ev.timedOut()) {
                ev.timedOut(false);
                loop.close(c); // keep-alive or header timeout with nothing received
                return;
            }
            AbstractHttpSession<?, ?> s = spare.poll();
            if (s == null) {
                s = server.newSession(this);
            }
            s.bind(c);
            s.wake(ev);
        }

        /** A session that has no connection any more. */
        void giveSession(AbstractHttpSession<?, ?> s) {
            if (spare.size() < SPARE_MAX) {
                spare.push(s);
            }
        }

        /** Sessions waiting for a connection. */
        int spareSessions() {
            return spare.size();
        }

        /** A connection is closed because the loop's memory bound was reached; logged at most once a second. */
        void memoryRefused(MemoryLimitException e) {
            refusals++;
            long now = loop.now();
            if (now - refusalLoggedAt >= REFUSAL_LOG_MILLIS) {
                log.warn("closing a connection: {} ({} connections refused so far)", e.getMessage(), refusals);
                refusalLoggedAt = now;
            }
        }

        private void sessionClosed() {
            server.sessionClosed();
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
            workers[i] = newWorker(new EventLoop(threadName() + "-" + (i + 1), platform.newDriver(),
                    SlabAllocator.forLoop(workerMemory())));
        }
    }

    /** The workers' thread name prefix. */
    abstract String threadName();

    /** A worker for {@code loop}; subclasses add what their sessions share. */
    abstract Worker newWorker(EventLoop loop);

    /** A new session for a connection of {@code w} (sessions are then reused). */
    abstract AbstractHttpSession<?, ?> newSession(Worker w);

    /** The most native memory one worker's loop keeps for buffers ({@code 0}: no bound). */
    abstract long workerMemory();

    /** Sets options on a newly accepted client socket. */
    abstract void configure(StreamSocket s, Connection c) throws IOException;


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
        w.accepted++;
        // nginx's ngx_http_init_connection: no request, no buffer until bytes come; client_header_timeout meanwhile
        c.read().handler(w.idleRead);
        c.write().handler(w.idleWrite);
        c.onClose(w.idleClosed);
        w.loop.addTimer(c.read(), limits.headerTimeoutMillis());
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

    /** The status page: {@code key value} lines (connections, requests, each worker's memory and allocation). */
    String statusText() {
        StringBuilder sb = new StringBuilder(512);
        long requests = 0;
        long accepted = 0;
        long reserved = 0;
        long inUse = 0;
        long limit = 0;
        long refused = 0;
        for (Worker w : workers) {
            requests += w.requests;
            accepted += w.accepted;
            SlabAllocator m = w.loop.memory();
            reserved += m.reserved();
            inUse += m.inUse();
            limit = m.limit() == Long.MAX_VALUE || limit == Long.MAX_VALUE ? Long.MAX_VALUE : limit + m.limit();
            refused += m.refused();
        }
        sb.append("connections.open ").append(openConnections()).append('\n');
        sb.append("connections.accepted ").append(accepted).append('\n');
        sb.append("requests.total ").append(requests).append('\n');
        sb.append("memory.reserved ").append(reserved).append('\n');
        sb.append("memory.in_use ").append(inUse).append('\n');
        sb.append("memory.free ").append(reserved - inUse).append('\n');
        sb.append("memory.limit ").append(limit == Long.MAX_VALUE ? 0 : limit).append('\n');
        sb.append("memory.refused ").append(refused).append('\n');
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < workers.length; i++) {
            Worker w = workers[i];
            String p = "worker." + (i + 1) + ".";
            Thread t = w.loop.thread();
            if (t != null && mx instanceof com.sun.management.ThreadMXBean hs) {
                sb.append(p).append("allocated_bytes ").append(hs.getThreadAllocatedBytes(t.threadId())).append('\n');
            }
            sb.append(p).append("requests ").append(w.requests).append('\n');
            sb.append(p).append("spare_sessions ").append(w.spareSessions()).append('\n');
            for (SlabAllocator.SizeClass c : w.loop.memory().sizeClasses()) {
                sb.append(p).append("memory.class.").append(c.chunkSize()).append(" reserved=").append(c.reserved())
                        .append(" in_use=").append(c.inUse()).append(" free=").append(c.free()).append('\n');
            }
        }
        return sb.toString();
    }

    /** A worker's memory counters, read on its loop's thread. */
    record MemoryStats(long reserved, long inUse, int chunksInUse, long refused, int spareSessions) {
    }

    /** Every worker's {@link MemoryStats}, each read on its loop's thread (so consistent with its handlers). */
    java.util.List<MemoryStats> memoryStats() throws IOException {
        java.util.List<MemoryStats> out = new java.util.ArrayList<>();
        for (Worker w : workers) {
            java.util.concurrent.CompletableFuture<MemoryStats> f = new java.util.concurrent.CompletableFuture<>();
            w.loop.execute(() -> {
                SlabAllocator m = w.loop.memory();
                f.complete(new MemoryStats(m.reserved(), m.inUse(), m.chunksInUse(), m.refused(), w.spareSessions()));
            });
            try {
                out.add(f.get(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while reading " + w.loop.name() + "'s counters", e);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IOException("cannot read " + w.loop.name() + "'s counters: " + e, e);
            }
        }
        return out;
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
