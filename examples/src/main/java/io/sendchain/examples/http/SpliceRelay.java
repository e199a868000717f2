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
import java.lang.foreign.MemorySegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Zero-copy relay of one response body: upstream socket → kernel pipe → client socket through the worker's
 * {@link Splicer} (Linux's {@code splice(2)}), for bodies no filter needs to see (HAProxy's {@code option
 * splice-response}): a {@code Content-Length} body ({@link #start}), or a chunked one passed to an HTTP/1.1 client
 * as the upstream framed it ({@link #startChunked}).
 *
 * <h2>Content-Length</h2>
 * The session's response head, and the body bytes that came with it, leave through the write filter first
 * ({@link Phase#FLUSHING}): a splice writes to the socket directly, past anything queued in user space. Then the
 * body moves in the kernel ({@link Phase#SPLICING}), exactly {@code Content-Length} bytes (a byte past the end stays
 * in the upstream socket, which then is not reused), counted as the relay through memory counts them; an upstream
 * that closes early ends the relay {@link Outcome#TRUNCATED}, and the session closes the client connection, as it
 * does on the memory path.
 *
 * <pre>
 *   FLUSHING ──head and preread out──> SPLICING ──left == 0, pipe empty──> DONE
 *                                        │ upstream EOF, pipe empty ──────> TRUNCATED
 *                                        │ buffered, client stalled, pipe full ──> FALLBACK (pipe drained to memory)
 *                                        └ splice error ──> UPSTREAM_FAILED / CLIENT_FAILED
 * </pre>
 *
 * <h2>Chunked passthrough</h2>
 * The body goes to the client byte for byte as the upstream sent it, framing included (chunk sizes, extensions,
 * trailers: no re-framing), up to the end of the last chunk. The framing is read and checked in user space
 * ({@link ChunkedPassthrough}, on the core's chunked decoder), the chunk data is spliced. A size line cannot be read
 * without reading past it (the platform has no {@code recv(MSG_PEEK)}), so the relay reads the upstream into the
 * session's head buffer, as the memory relay does ({@link Phase#FRAMING}): what that read brought, size lines and
 * whatever chunk data followed them, goes to the client through the write filter, and only when the buffer ends
 * inside a chunk with at least {@code minSplice} of its data still in the socket is the rest of that chunk, an exact
 * count, spliced ({@link Phase#SPLICING}), after the write filter has sent everything before it. The two bytes after
 * the spliced data must be CRLF (checked by {@link ChunkedPassthrough}, since the decoder did not see the data), then
 * the next size line is read the same way. So each spliced chunk costs one read of at most the buffer's size through
 * memory, and chunks smaller than {@code minSplice} go through memory whole, as on the memory path.
 *
 * <pre>
 *   FRAMING ──buffer ends in a chunk, ≥ minSplice of it left──> (FLUSHING) ──> SPLICING ──chunk's data out──┐
 *     ^ │ └──last chunk and trailers read──> DONE (extra bytes after them: the upstream is not reused)      │
 *     │ └──upstream EOF, bad framing ──> TRUNCATED / UPSTREAM_FAILED                                       │
 *     └──────────────────────────────────────────────────── its CRLF, the next size line ─────────────────┘
 * </pre>
 *
 * <p>Framing read but not yet followed by data (a size line, the CRLF after spliced data, the last chunk before its
 * end) is held back in the buffer until data or the end of the body follows it, so a client of an upstream that
 * stops mid-size-line or inside the last chunk sees only whole chunks' bytes and then the close, never a byte of the
 * last chunk. Only framing that alone fills the buffer (extensions or trailers of kilobytes) goes on before that. The
 * pipe is borrowed at the first chunk worth splicing; if none can be had the body goes on through memory, framed as
 * it came. A fallback (below) in the middle of a chunk hands the event pipe {@link #passthrough()} as its input
 * filter, which passes the rest on as it came too (the event pipe's chunked filter would frame it again).
 *
 * <h2>Waiting</h2>
 * Both directions wait on the event loop: with bytes in the pipe and the client's socket full, the relay waits
 * for the client's write event (under the send timeout) and does not read the upstream while the pipe is full; with
 * room in the pipe and nothing to read, it waits for the upstream's read event (under the read timeout). A receive
 * that finds no room leaves the upstream's {@code ready} set (see {@link Splicer#receive}): the pipe is emptied
 * first, then the upstream read again.
 *
 * <p>With buffering on, a body is spliced while the client keeps up (HAProxy's
 * {@code splice-auto} idea): when the client's socket is full and the pipe is full too (it refuses bytes and holds
 * at least half its size), the relay stops, copies what the pipe holds into memory and
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
    enum Phase {
        IDLE,
        /** Waiting for the write filter to send what it holds; then {@code afterFlush}. */
        FLUSHING,
        /** Moving {@code left} bytes through the pipe. */
        SPLICING,
        /** Chunked: reading the upstream into the buffer and passing on framing and the data that came with it. */
        FRAMING
    }

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
    /** Where {@link Phase#FLUSHING} goes once the write filter is empty. */
    private Phase afterFlush;
    /** Body bytes relayed (data only, for the access log); a Content-Length body's length. */
    private long bodyBytes;
    // chunked passthrough
    /** The chunked body's framing state (spliced data counted); the event pipe's input after a fallback. */
    private final ChunkedPassthrough framing = new ChunkedPassthrough();
    private boolean chunked;
    /** The session's buffer the upstream is read into: {@code [start, fwd)} went to the write filter. */
    private Buf ub;
    /** The end of what of {@link #ub} was passed on; {@code [fwd, pos)} is framing held back. */
    private long fwd;
    /** The fewest bytes of a chunk still in the socket for the rest of it to be spliced. */
    private long minSplice;
    /** No pipe could be had for this response: it goes on through memory. */
    private boolean pipeRefused;
    /** The upstream sent bytes after the last chunk (the connection is then not reused). */
    private boolean extra;

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
        begin(upstream, client, filter, bufferingOn, readTimeout, sendTimeout, false);
        bodyBytes = length;
        afterFlush = Phase.SPLICING;
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

    /**
     * Starts passing a chunked body on as it came, its chunk data spliced: the preread bytes {@code [ub.pos,
     * ub.last)} are parsed first; the head the write filter holds leaves with the first data. {@code ub} is read
     * into until the response ends (its bytes before {@code pos} are not needed any more).
     *
     * @param minSplice the fewest bytes of a chunk still to read for the rest of it to be spliced (at least 1)
     * @return the first {@link #run()}'s outcome
     */
    Outcome startChunked(Connection upstream, Connection client, OutputFilter filter, Buf ub, long minSplice,
            boolean bufferingOn, long readTimeout, long sendTimeout) {
        begin(upstream, client, filter, bufferingOn, readTimeout, sendTimeout, true);
        bodyBytes = 0;
        this.ub = ub;
        this.minSplice = Math.max(1, minSplice);
        fwd = ub.pos();
        pipeRefused = false;
        left = 0;
        framing.begin();
        phase = Phase.FRAMING;
        return run();
    }

    /** What both kinds of body start from: the two connections, the client's filter, the settings. */
    private void begin(Connection upstream, Connection client, OutputFilter filter, boolean bufferingOn,
            long readTimeout, long sendTimeout, boolean chunkedBody) {
        u = upstream;
        c = client;
        out = filter;
        buffering = bufferingOn;
        readTimeoutMillis = readTimeout;
        sendTimeoutMillis = sendTimeout;
        pipeFull = false;
        upstreamEof = false;
        error = null;
        chunked = chunkedBody;
        extra = false;
    }

    Phase phase() {
        return phase;
    }

    /** Body bytes relayed: a Content-Length body's length, a chunked body's data (once {@link Outcome#DONE}). */
    long bodyBytes() {
        return bodyBytes;
    }

    /**
     * After a chunked relay's {@link Outcome#FALLBACK}: the event pipe's input filter for the rest of the body,
     * which passes it on framed as it came.
     */
    ChunkedPassthrough passthrough() {
        return framing;
    }

    /** Whether the upstream sent bytes after the end of the body (it is then not reused). */
    boolean extra() {
        return extra;
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
        for (;;) {
            Outcome rc = switch (phase) {
                case FLUSHING -> flush();
                case SPLICING -> splice();
                case FRAMING -> frame();
                case IDLE -> throw new IllegalStateException("the relay is not started");
            };
            if (rc != null) {
                return rc;
            }
        }
    }

    /** Waits for the write filter to send what it holds: {@code null} once it has (on to {@link #afterFlush}). */
    private Outcome flush() {
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
        phase = afterFlush;
        return null;
    }

    /** Moves {@link #left} bytes through the pipe; {@code null} when a chunk's data is out (on to the framing). */
    private Outcome splice() {
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
                    if (chunked) {
                        bodyBytes += n;
                        framing.skip(n);
                    }
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
                if (left == 0 && chunked) {
                    // the chunk's data is out; its CRLF and the next size line are read into the buffer, whose
                    // bytes all went before the splice began
                    ub.pos(ub.start()).last(ub.start());
                    fwd = ub.start();
                    phase = Phase.FRAMING;
                    return null;
                }
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

    /**
     * Chunked: parses what the buffer holds, passes on the bytes up to the end of the last data run (or of the
     * body), then splices the rest of a chunk the buffer ended in, or reads more; {@code null} to go on in
     * another phase.
     */
    private Outcome frame() {
        for (;;) {
            long fwdTo = fwd;
            boolean spliceNext = false;
            boolean done = false;
            try {
                while (ub.pos() < ub.last()) {
                    Status rc = framing.step(ub);
                    if (rc == Status.AGAIN) {
                        break;
                    }
                    if (rc == Status.DONE) {
                        done = true;
                        fwdTo = ub.pos();
                        break;
                    }
                    bodyBytes += framing.dataEnd() - framing.dataStart();
                    fwdTo = framing.dataEnd();
                    if (ub.pos() == ub.last()) {
                        // the buffer ended in the data: the rest of the chunk is spliced if it is worth it
                        long rest = framing.rest();
                        if (rest >= minSplice && pipe()) {
                            left = rest;
                            spliceNext = true;
                        }
                    }
                }
            } catch (IOException e) {
                error = e.getMessage();
                return Outcome.UPSTREAM_FAILED;
            }
            if (done && ub.pos() < ub.last()) {
                log.warn("upstream sent data after final chunk");
                extra = true;
            }
            if (!done && !spliceNext && fwd == ub.start() && ub.last() == ub.end()) {
                fwdTo = ub.last(); // framing alone fills the buffer: it cannot be held back any longer
            }
            Status rc = Status.OK;
            if (fwdTo > fwd) {
                view.copyFrom(ub);
                view.pos(fwd).last(fwdTo);
                fwd = fwdTo;
                try {
                    rc = out.filter(viewLink.buf(view).next(flushLink));
                } catch (IOException e) {
                    error = e.getMessage();
                    return Outcome.CLIENT_FAILED;
                }
            }
            if (done) {
                // the last chunk is passed on (or queued: the session's last buf waits for it)
                loop.deleteTimer(u.read());
                return Outcome.DONE;
            }
            if (spliceNext) {
                upstreamEof = false;
                pipeFull = false;
                afterFlush = Phase.SPLICING;
                phase = rc == Status.OK ? Phase.SPLICING : Phase.FLUSHING;
                return null;
            }
            if (rc != Status.OK) {
                afterFlush = Phase.FRAMING; // the buffer is reused once the filter has sent its view
                phase = Phase.FLUSHING;
                return null;
            }
            // room for more: the held-back framing moves to the front
            long held = ub.last() - fwd;
            if (held > 0 && fwd > ub.start()) {
                MemorySegment.copy(ub.segment(), fwd, ub.segment(), ub.start(), held);
            }
            ub.pos(ub.start() + held).last(ub.start() + held);
            fwd = ub.start();
            long n;
            try {
                n = u.recv(ub);
            } catch (IOException e) {
                error = e.getMessage();
                return Outcome.UPSTREAM_FAILED;
            }
            if (n == Connection.AGAIN) {
                loop.addTimer(u.read(), readTimeoutMillis);
                return Outcome.AGAIN;
            }
            loop.deleteTimer(u.read());
            if (n == 0) {
                return Outcome.TRUNCATED; // the framing held back never reaches the client
            }
        }
    }

    /** The pipe for this response, borrowed at its first splice: {@code false} if none can be had. */
    private boolean pipe() {
        if (pipe != null) {
            return true;
        }
        if (pipeRefused) {
            return false;
        }
        try {
            pipe = splicer.acquire();
        } catch (IOException e) {
            log.warn("{}: relaying through memory instead of splice", e.getMessage());
            worker.spliceRefused++;
            pipeRefused = true;
            return false;
        }
        worker.splicedResponses++;
        return true;
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
        ub = null;
        chunked = false;
    }
}
