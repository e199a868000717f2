package io.sendchain.examples.http;

import io.sendchain.buf.Buf;
import io.sendchain.buf.MemoryLimitException;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.EventHandler;
import io.sendchain.loop.EventLoop;
import java.io.IOException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's idle upstream connections, nginx's {@code ngx_http_upstream_keepalive_module}: {@code keepalive N}
 * connections at most, each kept for {@code keepalive_timeout} and used for {@code keepalive_requests} requests
 * at most. A session gives its upstream connection back ({@link #keep}) only when the response was read to its
 * end and both sides allow another request; the next session that needs the same upstream server takes the most
 * recently kept one to it ({@link #take}, nginx's get_keepalive_peer matching the balancer's choice by address);
 * when the cache is full the oldest is closed.
 *
 * <p>An idle connection is only its {@link Connection} (socket, events, timer) and a slot here: no session, no
 * buffer. While idle, its read event means the upstream closed it or sent something unasked; either way it is
 * closed (nginx's {@code ngx_http_upstream_keepalive_close_handler}). The check reads into a few bytes borrowed
 * from the loop for the call and given back at once.
 *
 * <pre>
 *   slots:  [0] oldest ... [count-1] newest
 *            ^ closed when a keep finds the cache full      ^ taken next
 * </pre>
 *
 * Runs on its worker's loop only.
 */
final class UpstreamKeepalive {

    private static final Logger log = LoggerFactory.getLogger(UpstreamKeepalive.class);

    private final EventLoop loop;
    private final ReverseProxy proxy;
    private final int requestsMax;
    private final long timeoutMillis;
    /** Idle connections, oldest first. */
    private final Connection[] idle;
    /** {@code requests[i]}: requests {@code idle[i]} has served. */
    private final int[] requests;
    /** {@code peers[i]}: the upstream server {@code idle[i]} is connected to ({@link UpstreamPeers}' index). */
    private final int[] peers;
    private int count;
    /** Requests the connection {@link #take()} returned last has served. */
    private int takenRequests;
    /** Borrows the check's few bytes from the loop, for one read at a time. */
    private final Pool pool;
    private final Buf scratch = new Buf();
    private final EventHandler idleRead = this::idleRead;
    private final EventHandler idleWrite = ev -> {
    };
    private final Consumer<Connection> idleClosed = this::idleClosed;

    UpstreamKeepalive(EventLoop loop, ReverseProxy proxy, int max, int requestsMax, long timeoutMillis) {
        if (max < 1) {
            throw new IllegalArgumentException("keepalive < 1: " + max);
        }
        this.loop = loop;
        this.proxy = proxy;
        this.requestsMax = requestsMax;
        this.timeoutMillis = timeoutMillis;
        this.idle = new Connection[max];
        this.requests = new int[max];
        this.peers = new int[max];
        this.pool = new Pool(loop.memory());
    }

    /**
     * The most recently kept idle connection to upstream server {@code peer}, now the caller's (its handlers are the
     * caller's to set), or {@code null} when there is none; {@link #takenRequests()} tells how many requests it has
     * served.
     */
    Connection take(int peer) {
        for (int i = count - 1; i >= 0; i--) {
            if (peers[i] == peer) {
                Connection u = idle[i];
                takenRequests = requests[i];
                remove(i);
                u.onClose(null);
                loop.deleteTimer(u.read());
                return u;
            }
        }
        return null;
    }

    /** Requests served by the connection {@link #take()} returned last. */
    int takenRequests() {
        return takenRequests;
    }

    /**
     * nginx's {@code ngx_http_upstream_free_keepalive_peer}: keeps {@code u}, whose response was read to its end
     * and which both sides allow to carry another request, unless it has served {@code keepalive_requests}; the
     * oldest idle connection makes room if the cache is full. Its timers are dropped, the keep-alive timer set.
     *
     * @param served requests {@code u} has served, this one included
     * @param peer   the upstream server {@code u} is connected to
     */
    void keep(Connection u, int served, int peer) {
        loop.deleteTimer(u.read());
        loop.deleteTimer(u.write());
        u.read().delayed(false);
        u.write().delayed(false);
        if (u.read().eof() || u.read().error() || u.write().error()) {
            // the end or an error was already read (a pipe reads on until the socket has nothing more): no edge
            // will tell of it again, so the connection is not kept (nginx's free_peer checks c->read->eof too)
            log.debug("upstream connection {} ended with its response: closing", u);
            loop.close(u);
            return;
        }
        if (served >= requestsMax) {
            log.debug("upstream connection served {} requests (keepalive_requests): closing", served);
            loop.close(u);
            return;
        }
        if (count == idle.length) {
            Connection oldest = idle[0];
            remove(0);
            oldest.onClose(null);
            loop.close(oldest);
            proxy.probe().upstreamIdleClosed();
        }
        idle[count] = u;
        requests[count] = served;
        peers[count] = peer;
        count++;
        u.read().handler(idleRead);
        u.write().handler(idleWrite);
        u.onClose(idleClosed);
        loop.addTimer(u.read(), timeoutMillis);
        if (u.read().ready()) {
            // bytes or an end already wait (an edge-triggered loop would not report them again): look now, as
            // nginx's free_peer calls its close handler when c->read->ready
            check(u);
        }
    }

    /** Idle connections now. */
    int idle() {
        return count;
    }

    private void idleRead(Event ev) {
        Connection u = ev.connection();
        if (ev.timedOut()) {
            log.debug("idle upstream connection {} timed out (keepalive_timeout): closing", u);
            close(u);
            return;
        }
        check(u);
    }

    /**
     * nginx's {@code ngx_http_upstream_keepalive_close_handler}: an idle connection that reads anything but
     * would-block was closed by the upstream or got bytes nobody asked for, and is closed.
     */
    private void check(Connection u) {
        long n;
        try {
            pool.tempBuf(scratch, 16);
            try {
                n = u.recv(scratch);
            } finally {
                pool.free(scratch);
            }
        } catch (IOException e) {
            log.debug("{} on idle upstream connection {}: closing", e.getMessage(), u);
            close(u);
            return;
        } catch (MemoryLimitException e) {
            log.debug("{}: closing idle upstream connection {}", e.getMessage(), u);
            close(u);
            return;
        }
        if (n == Connection.AGAIN) {
            return; // still idle
        }
        if (n == 0) {
            log.debug("upstream closed idle connection {}", u);
        } else {
            log.warn("upstream sent {} unexpected bytes on idle connection {}: closing", n, u);
        }
        close(u);
    }

    private void close(Connection u) {
        loop.close(u); // idleClosed takes it out of the cache
    }

    /** An idle connection was closed (by this cache, or by the loop stopping): its slot goes. */
    private void idleClosed(Connection u) {
        for (int i = count - 1; i >= 0; i--) {
            if (idle[i] == u) {
                remove(i);
                proxy.probe().upstreamIdleClosed();
                return;
            }
        }
    }

    private void remove(int i) {
        System.arraycopy(idle, i + 1, idle, i, count - i - 1);
        System.arraycopy(requests, i + 1, requests, i, count - i - 1);
        System.arraycopy(peers, i + 1, peers, i, count - i - 1);
        count--;
        idle[count] = null;
    }
}
