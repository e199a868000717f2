package io.sendchain.output;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.internal.BufAccess;
import io.sendchain.internal.EventAccess;
import io.sendchain.internal.jfr.ConnStats;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last filter: queues what it is given and calls the connection's send chain. nginx's
 * {@code ngx_chain_writer} with its {@code ngx_chain_writer_ctx_t}.
 *
 * <p>The writer keeps its own links (taken from the pool) for the queued bufs, so callers may reuse their
 * links at once; the bufs themselves stay the callers' until sent. Links of sent bufs go back to the pool.
 *
 * <p>Not thread-safe; one writer per connection, on its event loop.
 */
public final class ChainWriter implements OutputFilter {

    private static final Logger log = LoggerFactory.getLogger(ChainWriter.class);
    private static final EventAccess<Event, Connection> A = EventAccess.get(Event.class);

    private Connection connection;
    private final Pool pool;
    private long limit;
    private Chain out;
    private Chain outTail;
    /** The last {@link #scan()} saw a flush or sync buf. */
    boolean flushQueued;
    /** The last {@link #scan()} saw the response's last buf. */
    boolean lastQueued;

    /**
     * A writer whose links come from and go back to {@code pool}, not bound to a connection yet: give it one with
     * {@link #connection(Connection)} (a session object made before its first connection does so per connection).
     *
     * @throws IllegalArgumentException if {@code pool} is {@code null}
     */
    public ChainWriter(Pool pool) {
        if (pool == null) {
            throw new IllegalArgumentException("pool must not be null");
        }
        this.pool = pool;
    }

    /**
     * Moves the writer to another connection (a session object reused for the next connection of its loop).
     *
     * @throws IllegalStateException if anything is still queued
     * @throws IllegalArgumentException if {@code connection} is {@code null}
     */
    public ChainWriter connection(Connection connection) {
        if (out != null) {
            throw new IllegalStateException("writer still has queued output for " + this.connection);
        }
        if (connection == null) {
            throw new IllegalArgumentException("connection must not be null");
        }
        this.connection = connection;
        return this;
    }

    /** Most bytes per call to the send chain; {@code 0} means no limit (nginx's {@code sendfile_max_chunk}). */
    public ChainWriter limit(long limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit < 0: " + limit);
        }
        this.limit = limit;
        return this;
    }

    /** The per-call limit set by {@link #limit(long)}. */
    long limit() {
        return limit;
    }

    /** What is queued and not yet sent. */
    public Chain queued() {
        return out;
    }

    /**
     * Queues {@code in} and sends as much of the queue as the socket and the limit allow; once the response's
     * last buf is out, the platform is told to push ({@link io.sendchain.event.SendChain#push}), unless the
     * connection closes after its output. For an HTTP response, {@link WriteFilter} adds nginx's write policy
     * (rate limit, postponing, the delayed timer) in front of the same steps.
     *
     * @return {@link Status#OK} when nothing is left (and nothing is {@linkplain Connection#buffered()
     *         buffered}), otherwise {@link Status#AGAIN}
     * @throws IOException from the send chain
     * @throws IllegalArgumentException for a buf whose size is negative (misuse), naming it
     * @throws IllegalStateException for a file buf on a connection whose {@linkplain Connection#sendfile()
     *         sendfile} is off
     */
    @Override
    public Status filter(Chain in) throws IOException {
        append(in);
        long size = scan();
        if (size == 0 && connection.buffered() == 0) {
            signalsOnly(); // only signals are queued and nothing is held back: they are satisfied
            return Status.OK;
        }
        Chain rest = send(limit);
        if (rest != null && connection.write().ready() && !connection.write().delayed()) {
            // stopped by the limit, not by the socket: no kernel event will come, so come back next cycle
            // (unless a rate limit holds the output back: its timer brings us back)
            connection.write().postNextCycle();
        }
        return rest == null && connection.buffered() == 0 ? Status.OK : Status.AGAIN;
    }

    // ---------------------------------------------------------------- the steps WriteFilter shares

    /** The connection written to; fails while the writer is not bound. */
    Connection bound() {
        if (connection == null) {
            throw new IllegalStateException("chain writer is not bound to a connection");
        }
        return connection;
    }

    /**
     * Appends {@code in}'s bufs to the queue in links of the writer's own; a zero-size buf that is not special is
     * skipped with a warning (nginx's alert).
     */
    void append(Chain in) throws IOException {
        Connection c = bound();
        for (; in != null; in = in.next()) {
            Buf b = in.buf();
            long size = b.size();
            if (size == 0 && !b.special()) {
                log.warn("zero size buf in chain writer {}", b);
                continue;
            }
            if (size < 0) {
                throw new IllegalArgumentException("negative size buf in chain writer " + b);
            }
            if (!c.sendfile() && b.inFile() && !b.inMemory()) {
                // a filter before the writer needs the bytes in memory (TLS): a file buf would go out past it
                throw new IllegalStateException("file buf on connection " + c + " with sendfile off: " + b);
            }
            Chain cl = pool.allocLink();
            cl.buf(b);
            cl.next(null);
            if (outTail == null) {
                out = cl;
            } else {
                outTail.next(cl);
            }
            outTail = cl;
        }
    }

    /**
     * The bytes queued; sets {@link #flushQueued} and {@link #lastQueued} from the queued bufs' flags (nginx's
     * write filter walks {@code r->out} the same way).
     */
    long scan() throws IOException {
        long size = 0;
        boolean flush = false;
        boolean last = false;
        for (Chain cl = out; cl != null; cl = cl.next()) {
            Buf b = cl.buf();
            long bsize = b.size();
            if (bsize == 0 && !b.special()) {
                log.warn("zero size buf in chain writer {}", b);
                continue;
            }
            if (bsize < 0) {
                throw new IllegalArgumentException("negative size buf in chain writer " + b);
            }
            size += bsize;
            flush |= b.flush() || BufAccess.sync(b);
            last |= b.lastBuf();
        }
        flushQueued = flush;
        lastQueued = last;
        return size;
    }

    /**
     * Calls the send chain on the queue with {@code limit}, frees the links of what was sent and pushes once the
     * last buf is out (see {@link #filter}); the queue then starts at the returned first unsent link.
     */
    Chain send(long limit) throws IOException {
        Connection c = connection;
        Chain rest = c.sendChain(out, limit);
        freeUpTo(rest);
        out = rest;
        if (rest == null) {
            outTail = null;
            if (lastQueued) {
                responseDone(c);
                push(c);
            }
        }
        return rest;
    }

    /**
     * Only signals are queued (the last buf after the data went out in earlier calls): they are satisfied. nginx
     * leaves their links to the request pool; a long-lived writer gives them back or they pile up. A last buf
     * still pushes what the platform held back.
     */
    void signalsOnly() throws IOException {
        abandon();
        if (lastQueued) {
            responseDone(connection);
            push(connection);
        }
    }

    /** The response's last buf is out: counted for the flight recorder's connection event, while recorded. */
    private static void responseDone(Connection c) {
        if (A.flight(c) instanceof ConnStats s) {
            s.responseDone();
        }
    }

    /**
     * The response is complete: what the platform held back (a cork) leaves now. A connection closed next is not
     * pushed: the close sends the rest with the FIN (nginx pushes only at keep-alive).
     */
    private static void push(Connection c) throws IOException {
        if (!c.closeAfterOutput()) {
            c.push();
        }
    }

    /**
     * Drops everything queued, sent or not (the response is being abandoned); the links go back to the pool.
     * The bufs stay their owners'.
     */
    public void abandon() {
        freeUpTo(null);
        out = null;
        outTail = null;
    }

    /** Frees the queued links before {@code rest}. */
    private void freeUpTo(Chain rest) {
        for (Chain cl = out; cl != null && cl != rest; ) {
            Chain sent = cl;
            cl = cl.next();
            pool.freeLink(sent);
        }
    }
}
