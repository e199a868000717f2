package io.sendchain.examples.http;

import io.sendchain.event.Connection;
import io.sendchain.event.StreamSocket;
import io.sendchain.loop.EventLoop;
import io.sendchain.pipe.EventPipe;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.Splicer;
import java.io.IOException;
import java.net.StandardSocketOptions;

/**
 * An HTTP/1.1 reverse proxy on sendchain, the way nginx's {@code proxy_pass} works: each client request is sent
 * to the upstream on an idle kept-alive connection of its worker or a new one (nginx's upstream
 * {@code keepalive}; {@link ProxyConfig#upstreamKeepalive()} 0: always a new one); the response head is checked and rewritten; the body streams back
 * through an {@link EventPipe} (buffering on: bounded buffers, temp-file spill, upstream rate limit) or through
 * one buffer at the client's pace (buffering off). Where the platform can splice (Linux), a {@code Content-Length}
 * body, or the chunks' data of a chunked one passed on as it came, moves upstream socket → kernel pipe → client
 * socket without a copy ({@link SpliceRelay}, each worker with its
 * own pool of pipes; {@link ProxyConfig#splice()}). One event loop per worker, as for the static server.
 */
public final class ReverseProxy extends AbstractHttpServer {

    private final ProxyConfig config;
    private volatile Probe probe = new Probe() {
    };
    /** Milliseconds for the upstream servers' {@code fail_timeout}: the wall clock, or a test's. */
    private volatile java.util.function.LongSupplier clock = System::currentTimeMillis;

    /**
     * What the proxy reports as it works, for tests and monitoring; called on a worker's loop thread, so an
     * implementation must be quick and thread-safe.
     */
    public interface Probe {
        /** A buffered response's pipe ran; {@code spilled} bytes are in its temp file so far. */
        default void pipeRan(long spilled, boolean upstreamFinished) {
        }

        /** A response is over: {@code complete} unless the client connection had to be closed mid-body. */
        default void responseEnded(int status, boolean complete) {
        }

        /**
         * A request whose kept-alive upstream connection failed before any answer came back is sent again on a new
         * connection (nginx retries such a request once it is safe to).
         */
        default void upstreamRetried() {
        }

        /** An idle upstream connection was closed: by the upstream, after its idle time, or to make room. */
        default void upstreamIdleClosed() {
        }

        /**
         * An attempt on upstream server {@code server} ({@code HOST:PORT}) failed before its answer began; the request
         * goes on to the next server if {@code next}, else the client gets the error.
         */
        default void upstreamFailed(String server, boolean next) {
        }

        /**
         * A request body being buffered ({@code proxy_request_buffering on}) was read on: {@code bytes} of it so far,
         * {@code spilled} of them in its temp file. Reported once per read of the client, before anything goes
         * upstream.
         */
        default void requestBodyRead(long bytes, long spilled) {
        }
    }

    /** A worker of the proxy: its loop, its view of the upstream servers and its idle upstream connections. */
    final class ProxyWorker extends Worker {
        /** The worker's idle upstream connections, or {@code null} when upstream keep-alive is off. */
        final UpstreamKeepalive keepalive;
        /** The upstream servers as this worker balances them and counts their failures (nginx without a zone). */
        final UpstreamPeers peers;
        /** The worker's kernel pipes for zero-copy relay, or {@code null} without splice (off, or no platform support). */
        final Splicer splicer;
        /** Splice counters, written by the loop's thread only; read by the status page. */
        volatile long splicedResponses;
        volatile long splicedBytes;
        volatile long spliceFallbacks;
        volatile long spliceRefused;

        ProxyWorker(EventLoop loop) {
            super(ReverseProxy.this, loop);
            peers = new UpstreamPeers(config.upstreams(), ReverseProxy.this::now);
            keepalive = config.upstreamKeepalive() == 0 ? null
                    : new UpstreamKeepalive(loop, ReverseProxy.this, config.upstreamKeepalive(),
                            config.upstreamKeepaliveRequests(), config.upstreamKeepaliveTimeoutMillis());
            splicer = spliceOn() ? platform().newSplicer(config.splicePipeSize(), ProxyConfig.SPLICE_IDLE_PIPES)
                    : null;
        }
    }

    /**
     * Whether response bodies are spliced: asked for, the platform can, and no upstream rate limit is set (the event
     * pipe paces the upstream read; a splice would not).
     */
    boolean spliceOn() {
        return config.splice() && config.limitRate() == 0 && platform().supportsSplice();
    }

    /** Chooses the platform (explicit name or the SPI's best) and prepares the workers; {@link #start()} listens. */
    public ReverseProxy(ProxyConfig config) throws IOException {
        super(config.listen(), PlatformConfig.defaults().withPlatform(config.platform()), config.workers(),
                new AbstractHttpSession.Limits(config.headerBufferSize(), config.largeHeaderBuffers(),
                        config.largeHeaderBufferSize(), config.maxHeaders(), config.headerTimeoutMillis(),
                        config.keepaliveTimeoutMillis(), config.accessLog(), config.status(),
                        // the proxy passes bodies to the upstream; it discards only a status request's body, with
                        // nginx's lingering_time and lingering_timeout defaults
                        config.clientMaxBodySize(), 30_000, 5_000));
        this.config = config;
        createWorkers();
    }

    /** The splice lines of the status page: whether it is on, responses and bytes spliced, fallbacks, pipes. */
    @Override
    void appendStatus(StringBuilder sb) {
        long responses = 0;
        long bytes = 0;
        long fallbacks = 0;
        long refused = 0;
        long open = 0;
        long idle = 0;
        for (Worker w : workers()) {
            ProxyWorker pw = (ProxyWorker) w;
            responses += pw.splicedResponses;
            bytes += pw.splicedBytes;
            fallbacks += pw.spliceFallbacks;
            refused += pw.spliceRefused;
            if (pw.splicer != null) {
                // read off the loop's thread: a moment's view, good enough for monitoring
                open += pw.splicer.openPipes();
                idle += pw.splicer.idlePipes();
            }
        }
        sb.append("splice.on ").append(spliceOn() ? 1 : 0).append('\n');
        sb.append("splice.responses ").append(responses).append('\n');
        sb.append("splice.bytes ").append(bytes).append('\n');
        sb.append("splice.fallbacks ").append(fallbacks).append('\n');
        sb.append("splice.refused ").append(refused).append('\n');
        sb.append("splice.pipes.open ").append(open).append('\n');
        sb.append("splice.pipes.idle ").append(idle).append('\n');
    }

    /** The workers' kernel pipes are closed once their loops have stopped (their sessions gave them back then). */
    @Override
    void closed() {
        for (Worker w : workers()) {
            Splicer s = ((ProxyWorker) w).splicer;
            if (s != null) {
                s.close();
            }
        }
    }

    @Override
    String threadName() {
        return "sendchain-proxy";
    }

    @Override
    Worker newWorker(EventLoop loop) {
        return new ProxyWorker(loop);
    }

    @Override
    void configure(StreamSocket s, Connection c) throws IOException {
        s.setOption(StandardSocketOptions.TCP_NODELAY, true);
        if (config.clientSendBuffer() > 0) {
            s.setOption(StandardSocketOptions.SO_SNDBUF, config.clientSendBuffer());
        }
    }

    @Override
    AbstractHttpSession<?, ?> newSession(Worker w) {
        return new ProxySession(this, (ProxyWorker) w);
    }

    @Override
    boolean tcpNodelay() {
        return true; // already set on accept: a relayed response must not wait for Nagle
    }

    @Override
    long workerMemory() {
        return config.workerMemory();
    }

    @Override
    boolean reusePort() {
        return config.reusePort();
    }

    /** Reports to {@code p} from now on. */
    public void probe(Probe p) {
        probe = java.util.Objects.requireNonNull(p, "probe");
    }

    Probe probe() {
        return probe;
    }

    /** Reads {@code millis} for {@code fail_timeout} from now on (tests move time on without waiting). */
    void clock(java.util.function.LongSupplier millis) {
        clock = java.util.Objects.requireNonNull(millis, "clock");
    }

    long now() {
        return clock.getAsLong();
    }

    ProxyConfig config() {
        return config;
    }

    /** Idle upstream connections of all workers, each worker's count read on its loop's thread. */
    int idleUpstreamConnections() throws IOException {
        int n = 0;
        for (Worker w : workers()) {
            UpstreamKeepalive k = ((ProxyWorker) w).keepalive;
            if (k == null) {
                continue;
            }
            java.util.concurrent.CompletableFuture<Integer> f = new java.util.concurrent.CompletableFuture<>();
            w.loop.execute(() -> f.complete(k.idle()));
            try {
                n += f.get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while counting " + w.loop.name() + "'s idle upstream connections", e);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IOException("cannot count " + w.loop.name() + "'s idle upstream connections: " + e, e);
            }
        }
        return n;
    }

}
