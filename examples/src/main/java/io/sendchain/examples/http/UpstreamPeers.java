package io.sendchain.examples.http;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's view of the upstream servers, nginx's {@code ngx_http_upstream_round_robin.c} without a shared
 * {@code zone}: each worker balances and counts failures on its own, as each nginx worker process does.
 *
 * <p>{@link #get} picks a server by smooth weighted round robin ({@code ngx_http_upstream_get_peer}): every
 * eligible server's {@code current} weight grows by its {@code effective} weight, the largest wins and gives back
 * the total. A server that failed {@code max_fails} times within {@code fail_timeout} is skipped until
 * {@code fail_timeout} has passed since its last failure or check; then one request tries it again, and a success
 * clears its failures ({@link #free}, {@code ngx_http_upstream_free_round_robin_peer}). A failure also lowers its
 * effective weight by {@code weight / max_fails}, regained by one per pick, so a recovering server is eased back.
 * A single server is never taken out (nginx's {@code peers->single}).
 *
 * <p>Each request carries its own set of servers tried ({@link #tried}), so a request passed on to the next server
 * never goes back to one it failed on. Selection allocates nothing. Runs on its worker's loop only.
 */
final class UpstreamPeers {

    private static final Logger log = LoggerFactory.getLogger(UpstreamPeers.class);

    private final LongSupplier clock;
    private final InetSocketAddress[] address;
    /** The server as logs name it: {@code HOST:PORT}. */
    private final String[] name;
    private final int[] weight;
    private final int[] maxFails;
    private final long[] failTimeout;
    private final int[] current;
    private final int[] effective;
    /** Failures since the server last answered (reset by a success after a check). */
    private final int[] fails;
    /** When the server last failed (nginx's {@code accessed}), in the clock's millis. */
    private final long[] accessed;
    /** When the server last failed or was picked after {@code fail_timeout} (nginx's {@code checked}). */
    private final long[] checked;

    /**
     * @param clock milliseconds, for {@code fail_timeout}: the wall clock, or a test's
     */
    UpstreamPeers(List<ProxyConfig.UpstreamServer> servers, LongSupplier clock) {
        int n = servers.size();
        if (n == 0) {
            throw new IllegalArgumentException("no upstream servers");
        }
        this.clock = clock;
        address = new InetSocketAddress[n];
        name = new String[n];
        weight = new int[n];
        maxFails = new int[n];
        failTimeout = new long[n];
        current = new int[n];
        effective = new int[n];
        fails = new int[n];
        accessed = new long[n];
        checked = new long[n];
        for (int i = 0; i < n; i++) {
            ProxyConfig.UpstreamServer s = servers.get(i);
            address[i] = s.address();
            name[i] = s.name();
            weight[i] = s.weight();
            effective[i] = s.weight();
            maxFails[i] = s.maxFails();
            failTimeout[i] = s.failTimeoutMillis();
        }
    }

    int size() {
        return address.length;
    }

    InetSocketAddress address(int peer) {
        return address[peer];
    }

    String name(int peer) {
        return name[peer];
    }

    /** Words for a request's set of tried servers: one bit per server. */
    long[] newTried() {
        return new long[(address.length + 63) >>> 6];
    }

    /** Whether the server is taken out now ({@code max_fails} reached within {@code fail_timeout}). */
    boolean down(int peer) {
        return address.length > 1 && maxFails[peer] > 0 && fails[peer] >= maxFails[peer]
                && clock.getAsLong() - checked[peer] <= failTimeout[peer];
    }

    /**
     * nginx's {@code ngx_http_upstream_get_round_robin_peer}: the server for the next attempt, marked in
     * {@code tried}, or {@code -1} when none is left (all tried or taken out: nginx's "no live upstreams").
     */
    int get(long[] tried) {
        int n = address.length;
        if (n == 1) {
            if ((tried[0] & 1) != 0) {
                return -1;
            }
            tried[0] |= 1;
            return 0;
        }
        long now = clock.getAsLong();
        int best = -1;
        int total = 0;
        for (int i = 0; i < n; i++) {
            if ((tried[i >>> 6] & (1L << i)) != 0) {
                continue;
            }
            if (maxFails[i] > 0 && fails[i] >= maxFails[i] && now - checked[i] <= failTimeout[i]) {
                continue;
            }
            current[i] += effective[i];
            total += effective[i];
            if (effective[i] < weight[i]) {
                effective[i]++;
            }
            if (best < 0 || current[i] > current[best]) {
                best = i;
            }
        }
        if (best < 0) {
            return -1;
        }
        tried[best >>> 6] |= 1L << best;
        current[best] -= total;
        if (now - checked[best] > failTimeout[best]) {
            if (maxFails[best] > 0 && fails[best] >= maxFails[best]) {
                log.info("upstream server {} is tried again: fail_timeout {} ms has passed since it was taken out",
                        name[best], failTimeout[best]);
            }
            checked[best] = now;
        }
        return best;
    }

    /**
     * nginx's {@code ngx_http_upstream_free_round_robin_peer}: the attempt on {@code peer} is over, {@code failed}
     * or not. A failure counts towards {@code max_fails} and lowers the server's effective weight; reaching
     * {@code max_fails} takes it out for {@code fail_timeout}. A success after a check clears its failures.
     */
    void free(int peer, boolean failed) {
        if (address.length == 1) {
            return; // a single server is never taken out
        }
        if (failed) {
            long now = clock.getAsLong();
            fails[peer]++;
            accessed[peer] = now;
            checked[peer] = now;
            if (maxFails[peer] > 0) {
                effective[peer] -= weight[peer] / maxFails[peer];
                if (fails[peer] >= maxFails[peer]) {
                    log.warn("upstream server {} temporarily disabled for {} ms: {} failure(s), max_fails {}",
                            name[peer], failTimeout[peer], fails[peer], maxFails[peer]);
                }
            }
            if (effective[peer] < 0) {
                effective[peer] = 0;
            }
        } else if (accessed[peer] < checked[peer]) {
            if (fails[peer] > 0) {
                log.info("upstream server {} answers again: its {} failure(s) are cleared", name[peer], fails[peer]);
            }
            fails[peer] = 0;
        }
    }
}
