package io.sendchain.output;

import io.sendchain.buf.Chain;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.loop.Timers;
import java.io.IOException;
import java.util.Objects;

/**
 * The write policy of a response, in one place: nginx's {@code ngx_http_write_filter}, the last filter before the
 * connection's send chain. Over a {@link ChainWriter} (the queue and the send-chain call it shares) it adds:
 * <ul>
 *   <li>{@code postpone_output}: output smaller than {@link #postpone(long)} bytes is held (and {@link Status#OK}
 *       returned) until more comes, or a flush, sync or last buf does;</li>
 *   <li>{@code limit_rate} and {@code limit_rate_after} ({@link #limitRate(long, long)}): each send is limited to
 *       what the rate allows since {@link #start()}; when nothing is allowed, or after a send that took bytes the
 *       rate had not earned yet, the write event is marked {@linkplain Event#delayed() delayed} and its timer set
 *       through {@link Timers} for when the rate allows more. While delayed the filter sends nothing and answers
 *       {@link Status#AGAIN}. The write handler clears {@code delayed} when that timer fires (nginx's
 *       {@code ngx_http_request_handler}) and calls the filter again;</li>
 *   <li>the per-call limit, {@code sendfile_max_chunk}: the writer's {@link ChainWriter#limit(long) limit} caps
 *       each call, rate limit or not;</li>
 *   <li>the push after the last buf: once the response's last buf is sent, the platform is told to let out what
 *       it held back ({@link io.sendchain.event.SendChain#push}, a cork), unless the connection
 *       {@linkplain Connection#closeAfterOutput() closes after its output}. The application states what it wants
 *       of a connection ({@link Connection#nopush(boolean)}, {@code TCP_NODELAY} through the socket's
 *       {@code setOption}); the platform keeps the TCP option states.</li>
 * </ul>
 *
 * <p>Where a TLS filter goes: in front of this filter, as an {@link OutputFilter} whose next filter this is. It
 * needs the response bytes in memory: its output chain is made with {@link OutputChainContext#sendfile(boolean)
 * sendfile(false)} (or {@link OutputChainContext#needInMemory(boolean) needInMemory}) and the connection's
 * {@link Connection#sendfile(boolean) sendfile} is turned off, so a file buf that slipped past it is refused here
 * instead of going out unencrypted. It gives this filter its records (memory bufs) with the input's flush and last
 * flags, sets its own {@link Connection#buffered(int) buffered} bit while it holds bytes, and the rate limit, the
 * postponing and the push apply to what goes on the wire. Kernel TLS, where the platform has it, keeps
 * {@code sendfile} on and needs no filter: the platform's socket encrypts.
 *
 * <p>Not thread-safe; one filter per connection (or per session, moved with its writer), on its event loop.
 */
public final class WriteFilter implements OutputFilter {

    private final ChainWriter writer;
    private final Timers timers;
    private long limitRate;
    private long limitRateAfter;
    private long postpone;
    private long startMillis;
    private long sentAtStart;

    /**
     * A filter writing through {@code writer} (its connection, its pool, its per-call limit) with the timers and
     * clock of the writer's loop; no rate limit and no postponing until set.
     */
    public WriteFilter(ChainWriter writer, Timers timers) {
        this.writer = Objects.requireNonNull(writer, "writer");
        this.timers = Objects.requireNonNull(timers, "timers");
    }

    /**
     * Limits the response to {@code bytesPerSecond} after its first {@code after} bytes (nginx's
     * {@code limit_rate}, {@code limit_rate_after}); {@code 0} bytes per second: no limit.
     *
     * @throws IllegalArgumentException if either is negative
     */
    public WriteFilter limitRate(long bytesPerSecond, long after) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("limit rate < 0: " + bytesPerSecond);
        }
        if (after < 0) {
            throw new IllegalArgumentException("limit rate after < 0: " + after);
        }
        this.limitRate = bytesPerSecond;
        this.limitRateAfter = after;
        return this;
    }

    /**
     * Holds output back while less than {@code bytes} are queued and no flush, sync or last buf came (nginx's
     * {@code postpone_output}); {@code 0}: never.
     *
     * @throws IllegalArgumentException if negative
     */
    public WriteFilter postpone(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("postpone output < 0: " + bytes);
        }
        this.postpone = bytes;
        return this;
    }

    /** A response starts now: the rate limit counts its time and bytes from here (nginx's {@code r->start_sec}). */
    public void start() {
        startMillis = timers.now();
        sentAtStart = writer.bound().sent();
    }

    /**
     * Queues {@code in} and sends what the policy allows; {@code null} sends what is queued.
     *
     * @return {@link Status#OK} when nothing is left to send (or it is postponed) and nothing is
     *         {@linkplain Connection#buffered() buffered}; {@link Status#AGAIN} otherwise, also while delayed
     * @throws IOException from the send chain
     * @throws IllegalArgumentException for a buf whose size is negative (misuse), naming it
     * @throws IllegalStateException for a file buf on a connection whose {@linkplain Connection#sendfile()
     *         sendfile} is off
     */
    @Override
    public Status filter(Chain in) throws IOException {
        Connection c = writer.bound();
        writer.append(in);
        long size = writer.scan();
        boolean last = writer.lastQueued;
        if (size == 0 && c.buffered() == 0) {
            writer.signalsOnly();
            return Status.OK;
        }
        if (!last && !writer.flushQueued && in != null && size < postpone) {
            return Status.OK; // held until more comes
        }
        Event wev = c.write();
        if (wev.delayed()) {
            return Status.AGAIN;
        }

        long limit = writer.limit();
        if (limitRate > 0) {
            long elapsed = (timers.now() - startMillis) / 1000;
            long allowed = limitRate * (elapsed + 1) - (c.sent() - sentAtStart - limitRateAfter);
            if (allowed <= 0) {
                delay(wev, -allowed * 1000 / limitRate + 1);
                return Status.AGAIN;
            }
            if (limit == 0 || allowed < limit) {
                limit = allowed;
            }
        }

        long before = c.sent();
        Chain rest = writer.send(limit);
        boolean done = rest == null && c.buffered() == 0;

        if (limitRate > 0 && !done) {
            // the bytes just sent beyond limit_rate_after are paid for with a pause before the next send
            long s0 = Math.max(0, before - sentAtStart - limitRateAfter);
            long s1 = Math.max(0, c.sent() - sentAtStart - limitRateAfter);
            long delay = (s1 - s0) * 1000 / limitRate;
            if (delay > 0) {
                delay(wev, delay);
            }
        }
        if (rest != null && wev.ready() && !wev.delayed()) {
            // stopped by the limit, not by the socket: no kernel event will come, so come back next cycle
            wev.postNextCycle();
        }
        return done ? Status.OK : Status.AGAIN;
    }

    private void delay(Event wev, long millis) {
        wev.delayed(true);
        timers.addTimer(wev, millis);
    }
}
