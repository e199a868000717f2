package io.sendchain.pipe;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.Pool;
import io.sendchain.internal.BufAccess;

/**
 * The event pipe's raw-buf bookkeeping: the raw bufs free to read into (nginx's {@code p->free_raw_bufs}) and the
 * shadow links ({@code b->shadow}, {@code b->last_shadow}) that keep the others off that list. Its rule: <em>a raw
 * buf never goes back to the free list while a shadow of it is queued</em>. This class alone sets and clears
 * {@link BufAccess#shadow(Buf, Buf)} and {@link BufAccess#lastShadow(Buf, boolean)} (CoreArchitectureTest checks
 * it), and alone frees a raw buf.
 *
 * <pre>
 *   while the input filter runs:  raw ─shadow─> s1 ─shadow─> s2 ─shadow─> s3
 *   after finish(raw):            raw ─shadow─> s1 ─shadow─> s2 ─shadow─> s3 (lastShadow) ─shadow─> raw
 *   release(s1), release(s2):     nothing is freed
 *   release(s3) or spilled(s3):   raw joins the free list, empty
 * </pre>
 *
 * The shadows of one raw buf stay together and in order in the pipe's queues (the pipe cuts its chains only after a
 * last shadow), so the last one leaves last. A response that ends leaves marks on buf headers the pipe keeps; the
 * pipe {@linkplain #forget(Chain) forgets} them before the next response, whose raw bufs may be the same memory.
 */
final class FreeRawBufs {

    private final Pool pool;
    /** The free raw bufs; a partly filled one (read into, not yet full) is always first. */
    private Chain free;

    FreeRawBufs(Pool pool) {
        this.pool = pool;
    }

    // ---------------------------------------------------------------- the free list, for ngx_event_pipe_read_upstream

    boolean isEmpty() {
        return free == null;
    }

    /** What to read into: every free raw buf, or only the first one ({@code single_buf}). */
    Chain take(boolean single) {
        Chain chain = free;
        if (single) {
            free = chain.next();
            chain.next(null);
        } else {
            free = null;
        }
        return chain;
    }

    /** Bufs just read into (or preread) go back first: a partly filled one must be read into before the rest. */
    void putBack(Chain chain) {
        Chain.tail(chain).next(free);
        free = chain;
    }

    /** Empties the list and returns it: the pipe hands its full bufs to the input filter, then puts back the rest. */
    Chain takeAll() {
        Chain chain = free;
        free = null;
        return chain;
    }

    /** The first free raw buf, perhaps partly filled; {@code null} when there is none. */
    Buf first() {
        return free == null ? null : free.buf();
    }

    /** Takes the first free raw buf off the list, for the input filter. */
    Buf takeFirst() {
        Chain cl = free;
        free = cl.next();
        Buf b = cl.buf();
        pool.freeLink(cl);
        return b;
    }

    /** Whether {@code raw} is on the free list. */
    boolean holds(Buf raw) {
        for (Chain cl = free; cl != null; cl = cl.next()) {
            if (cl.buf() == raw) {
                return true;
            }
        }
        return false;
    }

    /** Forgets the list (its links go back to the pool): a new response starts without free raw bufs. */
    void reset() {
        while (free != null) {
            Chain next = free.next();
            pool.freeLink(free);
            free = next;
        }
    }

    // ---------------------------------------------------------------- shadows

    /** {@code b} is not (or no longer) linked: a raw buf entering the pipe, a buf kept from an ended response. */
    static void untie(Buf b) {
        BufAccess.shadow(b, null);
        BufAccess.lastShadow(b, false);
    }

    /** {@link #untie} for the bufs of {@code chain}: a reset pipe starts its next response without stale marks. */
    static void forget(Chain chain) {
        for (Chain cl = chain; cl != null; cl = cl.next()) {
            untie(cl.buf());
        }
    }

    /**
     * Makes {@code header} a shadow of {@code raw}'s bytes {@code [pos, last)}, tagged {@code tag}, appended to
     * {@code raw}'s shadows (nginx's input filters: {@code b->shadow = buf ... buf->shadow = b}).
     */
    static Buf shadow(Buf header, Buf raw, long pos, long last, Buf.Tag tag) {
        header.copyFrom(raw);
        header.pos(pos).last(last).tag(tag);
        BufAccess.shadow(header, null);
        BufAccess.lastShadow(header, false);
        BufAccess.recycled(header, true);
        BufAccess.temporary(header, true);
        BufAccess.memory(header, false);
        BufAccess.inFile(header, false);
        BufAccess.flush(header, false);
        header.lastBuf(false).lastInChain(false);
        Buf t = raw;
        while (BufAccess.shadow(t) != null) {
            t = BufAccess.shadow(t);
        }
        BufAccess.shadow(t, header);
        return header;
    }

    /**
     * Ends the input filter's work on {@code raw}: its last shadow points back to it and is marked, so {@code raw}
     * is freed when that shadow leaves the pipe; a raw buf from which no shadow was made (only framing, or nothing)
     * is free at once (nginx's filters: {@code b->last_shadow = 1}, or {@code ngx_event_pipe_add_free_buf}).
     */
    void finish(Buf raw) {
        Buf t = BufAccess.shadow(raw);
        if (t == null) {
            addFree(raw);
            return;
        }
        while (BufAccess.shadow(t) != null) {
            t = BufAccess.shadow(t);
        }
        BufAccess.shadow(t, raw);
        BufAccess.lastShadow(t, true);
    }

    /**
     * {@code b} left the pipe's queues, sent or drained: it is untied, and when it was the last shadow of a raw buf,
     * that raw buf is free again. {@code ngx_event_pipe_write_to_downstream} and
     * {@code ngx_event_pipe_drain_chains}: {@code if (b->last_shadow) ngx_event_pipe_add_free_buf(p, b->shadow)}.
     */
    void release(Buf b) {
        Buf raw = BufAccess.lastShadow(b) ? BufAccess.shadow(b) : null;
        untie(b);
        if (raw != null) {
            addFree(raw);
        }
    }

    /**
     * {@code b}'s bytes were written to the temp file: when it was the last shadow of a raw buf, every shadow of that
     * raw buf is untied (their bytes live in the file now) and the raw buf joins the end of the free list, empty
     * ({@code ngx_event_pipe_write_chain_to_temp_file}).
     */
    void spilled(Buf b) {
        if (!BufAccess.lastShadow(b)) {
            return;
        }
        Buf raw = BufAccess.shadow(b);
        raw.pos(raw.start()).last(raw.start());
        removeShadowLinks(raw);
        Chain cl = pool.allocLink().buf(raw).next(null);
        if (free == null) {
            free = cl;
        } else {
            Chain.tail(free).next(cl);
        }
    }

    /**
     * nginx's {@code ngx_event_pipe_remove_shadow_links}: unties a raw buf from the shadows made of it, which stop
     * being recycled or temporary (they no longer own a share of reusable memory).
     */
    static void removeShadowLinks(Buf raw) {
        Buf b = BufAccess.shadow(raw);
        if (b == null) {
            return;
        }
        while (!BufAccess.lastShadow(b)) {
            Buf next = BufAccess.shadow(b);
            BufAccess.temporary(b, false);
            BufAccess.recycled(b, false);
            BufAccess.shadow(b, null);
            b = next;
        }
        BufAccess.temporary(b, false);
        BufAccess.recycled(b, false);
        BufAccess.shadow(b, null);
        BufAccess.lastShadow(b, false);
        BufAccess.shadow(raw, null);
    }

    /** nginx's {@code ngx_event_pipe_add_free_buf}: a raw buf is free to read into again, empty. */
    private void addFree(Buf raw) {
        raw.pos(raw.start()).last(raw.start());
        BufAccess.shadow(raw, null);
        Chain cl = pool.allocLink().buf(raw);
        if (free == null) {
            free = cl.next(null);
        } else if (free.buf().pos() == free.buf().last()) {
            free = cl.next(free);
        } else {
            // the first free buf is partly filled: keep it first
            cl.next(free.next());
            free.next(cl);
        }
    }
}
