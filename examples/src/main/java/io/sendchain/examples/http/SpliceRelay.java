package io.sendchain.examples.http;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.loop.EventLoop;
import io.sendchain.output.OutputFilter;
import io.sendchain.output.Status;
import io.sendchain.spi.Splicer;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Zero-copy relay of one response body with a {@code Content-Length}: upstream socket → kernel pipe → client socket
 * through the worker's {@link Splicer} (Linux's {@code splice(2)}), for bodies no filter needs to see (HAProxy's
 * {@code option splice-response}). The session's response head, and the body bytes that came with it, leave through
 * the write filter first ({@link Phase#FLUSHING}): a splice writes to the socket directly, past anything queued in
 * user space. Then the body moves in the kernel ({@link Phase#SPLICING}), exactly {@code Content-Length} bytes (a
 * byte past the end stays in the upstream socket, which then is not reused), counted as the relay through memory
 * counts them; an upstream that closes early ends the relay {@link Outcome#TRUNCATED}, and the session closes the
 * client connection, as it does on the memory path.
 *
 * <pre>
 *   FLUSHING ──head and preread out──> SPLICING ──left == 0, pipe empty──> DONE
 *                                        │ upstream EOF, pipe empty ──────> TRUNCATED
 *                                        │ buffered, client stalled, pipe full ──> FALLBACK (pipe drained to memory)
 *                                        └ splice error ──> UPSTREAM_FAILED / CLIENT_FAILED
 * </pre>
 *
 * <p>Both directions wait on the event loop: with bytes in the pipe and the client's socket full, the relay waits
 * for the client's write event (under the send timeout) and does not read the upstream while the pipe is full; with
 * room in the pipe and nothing to read, it waits for the upstream's read event (under the read timeout). A receive
 * that finds no room leaves the upstream's {@code ready} set (see {@link Splicer#receive}): the pipe is emptied
 * first, then the upstream read again.
 *
 * <p>With buffering on, splicing lasts while the client keeps up (HAProxy's {@code splice-auto} idea): when the
 * client's socket is full and the pipe is full too (it refuses bytes and holds at least half its size), the relay
 * stops, copies what the pipe holds into memory and
 * queues it in the write filter ({@link Splicer#drain}), and the session reads the rest through its event pipe
 * (buffers, temp file), so a slow client does not hold the upstream connection. With buffering off the relay goes
 * at the client's pace, as the memory relay does.
 *
 * <p>One per session, reused response after response; a pipe is borrowed from the worker's splicer per response
 * and given back by {@link #end()} on every path (closed there if it still holds bytes). Runs on the worker's loop.
 */
final class SpliceRelay {

    private static final Logger log = LoggerFactory.getLogger(SpliceRelay.class);

    /** Where a response's relay is. */
    enum Phase { IDLE, FLUSHING, SPLICING }

    /** What {@link #run()} reports. */
    enum Outcome {
        /** Waiting for the loop: a socket would block (timers set). */
        AGAIN,
        /** The whole body went out. */
        DONE,
        /** The upstream closed before the end of the body: close the client connection. */
        TRUNCATED,
        /** Reading the upstream failed ({@link #error()}). */
        UPSTREAM_FAILED,
        /** Writing to the client failed ({@link #error()}): close the client connection. */
        CLIENT_FAILED,
        /** The client fell behind with buffering on: read the rest, {@link #left()} bytes, through the event pipe. */
        FALLBACK
    }

    private final EventLoop loop;
    private final Pool pool;
    private final Splicer splicer;
    private final ReverseProxy.ProxyWorker worker;
    private final Buf view = new Buf();
    private final Chain viewLink = new Chain();
    private final Chain flushLink = new Chain().buf(Buf.flushBuf());
    private Phase phase = Phase.IDLE;
    private Connection u;
    private Connection c;
    private OutputFilter out;
    private boolean buffering;
    private long readTimeoutMillis;
    private long sendTimeoutMillis;
    private Splicer.Pipe pipe;
    /** Body bytes still to come from the upstream. */
    private long left;
    /** The last receive found no room in the pipe: empty it before reading again. */
    private boolean pipeFull;
    private boolean upstreamEof;
    private String error;

    SpliceRelay(EventLoop loop, Pool pool, Splicer splicer, ReverseProxy.ProxyWorker worker) {
        this.loop = loop;
        this.pool = pool;
        this.splicer = splicer;
        this.worker = worker;
    }

    /**
     * Whether a body of {@code length} bytes, of which {@code preread} came with the head, is worth splicing: a
     * {@code Content-Length} body with at least {@code min} bytes still to read (smaller ones cost more system calls
     * spliced than copied).
     */
    static boolean worth(long length, long preread, long min) {
        return length > 0 && length - preread >= Math.max(1, min);
    }

    /**
     * Starts relaying a body of {@code length} bytes: the preread bytes {@code [ub.pos, ub.last)} (at most
     * {@code length}, all consumed) and the head the write filter holds go first, then the rest is spliced.
     *
     * @return the first {@link #run()}'s outcome; {@link Outcome#FALLBACK} with nothing sent when no pipe can be had
     */
    Outcome start(Connection upstream, Connection client, OutputFilter filter, Buf ub, long length,
            boolean bufferingOn, long readTimeout, long sendTimeout) {
        u = upstream;
        c = client;
        out = filter;
        buffering = bufferingOn;
        readTimeoutMillis = readTimeout;
        sendTimeoutMillis = sendTimeout;
        pipeFull = false;
        upstreamEof = false;
        error = null;
        try {
            pipe = splicer.acquire();
        } catch (IOException e) {
            // out of descriptors, most likely: this response goes through memory
            log.warn("{}: relaying through memory instead of splice", e.getMessage());
            left = length;
            worker.spliceRefused++;
            return Outcome.FALLBACK;
        }
        worker.splicedResponses++;
        long preread = Math.min(ub.last() - ub.pos(), length);
        left = length - preread;
        view.copyFrom(ub);
        view.pos(ub.pos()).last(ub.pos() + preread);
        ub.pos(ub.last());
        phase = Phase.FLUSHING;
        Status rc;
        try {
            rc = out.filter(preread > 0 ? viewLink.buf(view).next(flushLink) : flushLink);
        } catch (IOException e) {
            error = e.getMessage();
            return Outcome.CLIENT_FAILED;
        }
        if (rc == Status.OK) {
            phase = Phase.SPLICING;
        }
        return run();
    }

    Phase phase() {
        return phase;
    }

    /** Body bytes still to come from the upstream (what the event pipe takes on after a fallback). */
    long left() {
        return left;
    }

    /** Why the relay failed. */
    String error() {
        return error;
    }

    /** Moves what can be moved now; called again by the session on the upstream's read and the client's write. */
    Outcome run() {
        if (phase == Phase.FLUSHING) {
            Status rc;
            try {
                rc = out.filter(null);
            } catch (IOException e) {
                error = e.getMessage();
                return Outcome.CLIENT_FAILED;
            }
            if (rc != Status.OK) {
                loop.addTimer(c.write(), sendTimeoutMillis);
                return Outcome.AGAIN;
            }
            loop.deleteTimer(c.write());
            phase = Phase.SPLICING;
        }
        for (;;) {
            if (pipe.bytes() > 0 && c.write().ready()) {
                long n;
                try {
                    n = splicer.transmit(pipe, c, pipe.bytes(), false);
                } catch (IOException e) {
                    error = e.getMessage();
                    return Outcome.CLIENT_FAILED;
                }
                if (n > 0) {
                    worker.splicedBytes += n;
                    pipeFull = false;
                    continue;
                }
            }
            if (left > 0 && !upstreamEof && !pipeFull && u.read().ready()) {
                long n;
                try {
                    n = splicer.receive(u, pipe, left);
                } catch (IOException e) {
                    error = e.getMessage();
                    return Outcome.UPSTREAM_FAILED;
                }
                if (n > 0) {
                    left -= n;
                    continue;
                }
                if (n == 0) {
                    upstreamEof = true; // what the pipe holds still goes out, then the client connection is closed
                    continue;
                }
                pipeFull = u.read().ready(); // AGAIN with ready still set: the pipe had no room
            }
            if (pipe.bytes() == 0 && (left == 0 || upstreamEof)) {
                loop.deleteTimer(u.read());
                loop.deleteTimer(c.write());
                return left == 0 ? Outcome.DONE : Outcome.TRUNCATED;
            }
            if (buffering && pipeFull && !c.write().ready() && pipe.bytes() >= pipe.capacity() / 2) {
                // the client does not keep up: what the pipe holds goes to memory, the rest through the event pipe.
                // A pipe refusing bytes while less than half full more likely met an upstream with nothing more to
                // give yet (the kernel answers both the same way): then the relay just waits for the client
                return fallBack();
            }
            // waiting: for the client while the pipe holds bytes, for the upstream while it has room
            if (pipe.bytes() > 0 && !c.write().ready()) {
                loop.addTimer(c.write(), sendTimeoutMillis);
            } else {
                loop.deleteTimer(c.write());
            }
            if (left > 0 && !upstreamEof && !pipeFull && !u.read().ready()) {
                loop.addTimer(u.read(), readTimeoutMillis);
            } else {
                loop.deleteTimer(u.read());
            }
            return Outcome.AGAIN;
        }
    }

    /** Copies the pipe's bytes into memory queued behind what the write filter holds, and gives the pipe back. */
    private Outcome fallBack() {
        long held = pipe.bytes();
        Buf b = pool.tempBuf(new Buf(), held);
        try {
            while (pipe.bytes() > 0) {
                if (splicer.drain(pipe, b) == 0) {
                    throw new IOException("could not drain " + pipe + " into " + b);
                }
            }
            Status rc = out.filter(viewLink.buf(b).next(null)); // queued: the client's socket is full
            log.debug("client fell behind: {} bytes from the pipe queued in memory, {} left for the event pipe ({})",
                    held, left, rc);
        } catch (IOException e) {
            error = e.getMessage();
            return Outcome.CLIENT_FAILED;
        }
        worker.spliceFallbacks++;
        loop.deleteTimer(c.write());
        end();
        return Outcome.FALLBACK;
    }

    /** The response is over (or left this relay): the pipe goes back to the pool, or is closed if it holds bytes. */
    void end() {
        if (pipe != null) {
            splicer.release(pipe);
            pipe = null;
        }
        phase = Phase.IDLE;
        u = null;
        c = null;
        out = null;
    }
}
