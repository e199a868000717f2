package io.sendchain.examples.http;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FreeBusy;
import io.sendchain.buf.Pool;
import io.sendchain.output.OutputFilter;
import io.sendchain.output.Status;
import java.io.IOException;

/**
 * nginx's chunked body filter: frames a response whose length is unknown as HTTP/1.1 chunks. Each call's data
 * (memory or file bufs, passed on as they are, no copy) becomes one chunk; its size line is a small buf of the
 * filter's own, which also carries the CRLF that ends the previous chunk; a last buf brings the final
 * {@code 0} chunk. The filter's bufs are recycled through free/busy lists, so steady state allocates nothing.
 */
final class ChunkedEncoder implements OutputFilter {

    private static final int FRAME = 32; // CRLF + 16 hex digits + CRLF, or CRLF + "0" CRLF CRLF

    private final Pool pool;
    private final OutputFilter next;
    private final FreeBusy lists = new FreeBusy();
    private final AsciiWriter w = new AsciiWriter();
    /** Passed on after the chunk when the input asked for a flush (its own flush bufs are framing's to drop). */
    private final Buf flush = Buf.flushBuf();
    private boolean chunkOpen;
    /** A body passed on framed as the upstream framed it, or {@code null}: see {@link #passthrough}. */
    private ChunkedPassthrough passthrough;

    ChunkedEncoder(Pool pool, OutputFilter next) {
        this.pool = pool;
        this.next = next;
    }

    /**
     * Forgets the previous response, sent or not: its frames go back to the free list (the writer's queue, which
     * may point at them, is dropped by its owner). A frame whose memory went back to the loop with the response
     * gets fresh memory when it is next used.
     */
    void reset() {
        chunkOpen = false;
        passthrough = null;
        lists.reclaim(pool);
    }

    /**
     * This response's body is already chunked ({@code framing} passes the upstream's framing on): data goes on
     * unframed, and the end brings a last chunk only if {@code framing} held back the upstream's
     * ({@link ChunkedPassthrough#lastChunkOwed()}). Until {@link #reset()}.
     */
    void passthrough(ChunkedPassthrough framing) {
        passthrough = framing;
    }

    @Override
    public Status filter(Chain in) throws IOException {
        if (in == null) {
            return next.filter(null);
        }
        if (passthrough != null && !passthrough.lastChunkOwed()) {
            return next.filter(in);
        }
        long size = 0;
        boolean last = false;
        boolean flushIn = false;
        Chain out = null;
        Chain tail = null;
        for (Chain cl = in; cl != null; cl = cl.next()) {
            Buf b = cl.buf();
            long n = b.size();
            if (b.lastBuf()) {
                last = true;
            }
            flushIn |= b.flush();
            if (n == 0) {
                continue; // special bufs: the framing below says all they need to
            }
            size += n;
            Chain link = pool.allocLink().buf(b).next(null);
            if (tail == null) {
                out = link;
            } else {
                tail.next(link);
            }
            tail = link;
        }
        if (size > 0 && passthrough == null) {
            Chain h = frame();
            if (chunkOpen) {
                w.crlf(); // the end of the previous chunk's data
            }
            w.hex(size).crlf().finish();
            h.next(out);
            out = h;
            if (tail == null) {
                tail = h;
            }
            chunkOpen = true;
        }
        if (last) {
            Chain t = frame();
            if (chunkOpen) {
                w.crlf();
            }
            w.put("0").crlf().crlf().finish();
            t.buf().lastBuf(true).lastInChain(true);
            chunkOpen = false;
            if (tail == null) {
                out = t;
            } else {
                tail.next(t);
            }
        }
        if (flushIn && !last) {
            // the write filter must not hold this chunk back (the relay reuses its buffer once it is sent)
            Chain f = pool.allocLink().buf(flush).next(null);
            if (tail == null) {
                out = f;
            } else {
                tail.next(f);
            }
        }
        if (out == null) {
            return next.filter(null);
        }
        Status rc = next.filter(out);
        lists.update(pool, out);
        return rc;
    }

    private Chain frame() {
        Chain cl = lists.takeFree();
        if (cl == null) {
            cl = pool.allocLink().buf(pool.createTempBuf(FRAME).tag(lists.tag())).next(null);
        } else if (cl.buf().segment() == null) {
            pool.tempBuf(cl.buf(), FRAME);
        }
        Buf b = cl.buf();
        b.pos(b.start()).last(b.start()).lastBuf(false).lastInChain(false);
        w.start(b);
        return cl;
    }
}
