package io.sendchain.examples.http;

import io.sendchain.buf.MemoryLimitException;
import io.sendchain.buf.SlabAllocator;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.EventHandler;
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
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
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
    /** Open client connections. */
    private final AtomicInteger connections = new AtomicInteger();
    /**
     * Threads in {@link #awaitOpenConnections}; only then does a close take {@link #waitLock} to wake them (a
     * monitor's notify on every close made the monitor inflate and cost a third of a short connection's time).
     */
    private volatile int waiters;
    private final Object waitLock = new Object();
    /** {@link #shutdown} has begun. */
    private final AtomicBoolean shuttingDown = new AtomicBoolean();
    /** The listening sockets: one per worker with SO_REUSEPORT, else one on the first worker. */
    private ListenSocket[] listeners = new ListenSocket[0];
    /** {@code acceptors[i]} accepts on {@code listeners[i]}, on {@code workers[i]}'s loop. */
    private Acceptor[] acceptors = new Acceptor[0];
    private InetSocketAddress address;
    /** The worker the single listener hands the next connection to (first worker's loop thread only). */
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
        /** Strings of repeated targets and header values for this worker's request heads. */
        final AsciiStrings strings = new AsciiStrings(1024, 256);
        private final ArrayDeque<AbstractHttpSession<?, ?>> spare = new ArrayDeque<>();
        /** An idle connection is readable (a session takes it over) or timed out (closed, as nginx does). */
        final EventHandler idleRead = this::idleRead;
        /** An idle connection has nothing to write. */
        final EventHandler idleWrite = ev -> {
        };
        /** An idle connection was closed (timeout, the loop stopping): the server counts it out. */
        final Consumer<Connection> idleClosed = this::connectionClosed;
        /**
         * The worker's open client connections, for the graceful stop to find the idle ones (an identity map is a
         * flat array: adding and removing a connection allocates nothing).
         */
        private final IdentityHashMap<Connection, Boolean> clients = new IdentityHashMap<>();
        /**
         * The server is stopping gracefully ({@link #shutdown}): a response still answers, with
         * {@code Connection: close}, and its connection is closed after it instead of going idle.
         */
        boolean stopping;
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

        /** A client connection of this worker was closed, idle or not: the server counts it out. */
        void connectionClosed(Connection c) {
            clients.remove(c);
            server.sessionClosed();
        }

        /** nginx's graceful quit on this loop ({@code ngx_close_idle_connections}): idle connections close now. */
        private void beginStop() {
            stopping = true;
            for (Connection c : clients.keySet().toArray(new Connection[0])) {
                if (c.read().handler() == idleRead) {
                    loop.close(c);
                }
            }
        }
    }

    AbstractHttpServer(InetSocketAddress listen, PlatformConfig pc, int workerCount, AbstractHttpSession.Limits limits)
            throws IOException {
        this.listen = listen;
        this.limits = limits;
        PlatformRegistry registry = PlatformRegistry.load();
        this.choice = registry.choose(pc);
        this.platform = choice.chosen().create(pc);
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

    /** TCP_NODELAY on kept-alive client connections (nginx's {@code tcp_nodelay}). */
    abstract boolean tcpNodelay();

    /** Sets options on a newly accepted client socket. */
    abstract void configure(StreamSocket s, Connection c) throws IOException;

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
        if (w.stopping) {
            // handed over by the listener just before it closed: the server no longer takes connections
            try {
                c.close();
            } catch (IOException e) {
                log.debug("closing a connection taken while stopping: {}", e.toString());
            }
            return;
        }
        try {
            configure(s, c);
        } catch (IOException e) {
            log.warn("cannot take a new connection: {}", e.toString());
            try {
                c.close();
            } catch (IOException ignored) {
                // already failing
            }
            return;
        }
        // read at once, watched by the loop's driver only if still open when this cycle ends: a connection whose
        // request is answered and closed within the cycle is never registered (loop.addDeferred)
        w.loop.addDeferred(c);
        connections.incrementAndGet();
        w.clients.put(c, Boolean.TRUE);
        w.accepted++;
        // nginx's ngx_http_init_connection: no request, no buffer until bytes come; client_header_timeout meanwhile
        c.read().handler(w.idleRead);
        c.write().handler(w.idleWrite);
        c.onClose(w.idleClosed);
        w.loop.addTimer(c.read(), limits.headerTimeoutMillis());
    }

    /** The workers (for a subclass's own per-worker state; the array is the server's, not a copy). */
    final Worker[] workers() {
        return workers;
    }

    /** What every session of this server reads: header buffer, timeouts, access log. */
    AbstractHttpSession.Limits limits() {
        return limits;
    }

    Platform platform() {
        return platform;
    }

    void sessionClosed() {
        connections.decrementAndGet();
        if (waiters > 0) {
            synchronized (waitLock) {
                waitLock.notifyAll();
            }
        }
    }

    /** Client connections currently open. */
    public int openConnections() {
        return connections.get();
    }

    /** Waits until at most {@code n} client connections are open; {@code false} if that did not happen in time. */
    public boolean awaitOpenConnections(int n, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (waitLock) {
            waiters++;
            try {
                while (connections.get() > n) {
                    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (left <= 0) {
                        return false;
                    }
                    // a close reads waiters after its decrement: it either sees this waiter (and notifies under
                    // the lock, so after this wait began) or came before the check above
                    waitLock.wait(left);
                }
                return true;
            } finally {
                waiters--;
            }
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
            long bound = workerMemory() == 0 ? Long.MAX_VALUE : workerMemory(); // each loop's allocator bound
            limit = bound == Long.MAX_VALUE || limit == Long.MAX_VALUE ? Long.MAX_VALUE : limit + bound;
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
        appendStatus(sb);
        return sb.toString();
    }

    /** A subclass's own status lines (the static server's open file cache). */
    void appendStatus(StringBuilder sb) {
    }

    /** A worker's memory counters, read on its loop's thread. */
    record MemoryStats(long reserved, long inUse, int chunksInUse, long refused, int spareSessions) {
    }

    /** Every worker's {@link MemoryStats}, each read on its loop's thread (so consistent with its handlers). */
    java.util.List<MemoryStats> memoryStats() throws IOException {
        java.util.List<MemoryStats> out = new java.util.ArrayList<>();
        for (Worker w : workers) {
            CompletableFuture<MemoryStats> f = new CompletableFuture<>();
            w.loop.execute(() -> {
                SlabAllocator m = w.loop.memory();
                f.complete(new MemoryStats(m.reserved(), m.inUse(), m.chunksInUse(), m.refused(), w.spareSessions()));
            });
            try {
                out.add(f.get(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while reading " + w.loop.name() + "'s counters", e);
            } catch (ExecutionException | TimeoutException e) {
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

    /**
     * Stops gracefully, as nginx's graceful quit: each worker closes its listener (a new connect is refused) and its
     * idle keep-alive connections at once; responses under way go on, say {@code Connection: close} if their head
     * is still to go, and their connections close when they are done. After {@code timeoutMillis}, or once no
     * connection is left, the server {@linkplain #close() closes} (what is still open is closed). Safe from any
     * thread but the workers'; a second call only closes.
     *
     * @return {@code true} if every client connection ended by itself in time
     */
    public boolean shutdown(long timeoutMillis) throws InterruptedException {
        if (timeoutMillis < 0) {
            throw new IllegalArgumentException("shutdown timeout < 0: " + timeoutMillis);
        }
        boolean drained = false;
        if (shuttingDown.compareAndSet(false, true)) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            CountDownLatch begun = new CountDownLatch(workers.length);
            for (int i = 0; i < workers.length; i++) {
                Worker w = workers[i];
                Acceptor a = i < acceptors.length ? acceptors[i] : null;
                try {
                    w.loop.execute(() -> {
                        try {
                            if (a != null) {
                                a.close();
                            }
                            w.beginStop();
                        } finally {
                            begun.countDown();
                        }
                    });
                } catch (RuntimeException e) { // a loop that stopped already takes no task
                    log.debug("{} takes no stop: {}", w.loop.name(), e.toString());
                    begun.countDown();
                }
            }
            begun.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            drained = awaitOpenConnections(0, Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (!drained) {
                log.info("{} connection(s) still busy after {} ms; closing them", openConnections(), timeoutMillis);
            }
        }
        close();
        return drained;
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
