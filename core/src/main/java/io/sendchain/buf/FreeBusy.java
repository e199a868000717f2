package io.sendchain.buf;

/**
 * The free and busy lists of a filter that owns bufs: what nginx keeps as {@code ctx->free} and
 * {@code ctx->busy} and updates with {@code ngx_chain_update_chains}.
 *
 * <p>Busy holds links handed downstream, in order; free holds the filter's own bufs that are fully sent and
 * reset, ready to be written again.
 */
public final class FreeBusy {

    /** This owner's mark on its own bufs, made here so no other owner can hold the same one. */
    private final Buf.Tag tag = new Buf.Tag();
    private Chain free;
    private Chain busy;

    /** Empty lists with a tag of their own. */
    public FreeBusy() {
    }

    /** The tag of this owner: put it on the bufs it makes ({@link Buf#tag(Buf.Tag)}) so they come back to it. */
    public Buf.Tag tag() {
        return tag;
    }

    Chain free() {
        return free;
    }

    void free(Chain free) {
        this.free = free;
    }

    Chain busy() {
        return busy;
    }

    void busy(Chain busy) {
        this.busy = busy;
    }

    /**
     * Forgets what was handed downstream, sent or not (the response was abandoned and the writer's queue
     * dropped): this owner's busy links go to the free list, other owners' links back to {@code pool}.
     */
    public void reclaim(Pool pool) {
        Chain cl = busy;
        busy = null;
        while (cl != null) {
            Chain next = cl.next();
            if (cl.buf().tag() == tag) {
                cl.next(free);
                free = cl;
            } else {
                pool.freeLink(cl);
            }
            cl = next;
        }
    }

    /** Takes the first free link off the free list, or returns {@code null}. */
    public Chain takeFree() {
        Chain cl = free;
        if (cl != null) {
            free = cl.next();
            cl.next(null);
        }
        return cl;
    }

    /**
     * Appends {@code out} to busy, then moves links off the head of busy: nginx's
     * {@code ngx_chain_update_chains}. The tag is checked <em>before</em> the size: a buf with another owner
     * leaves busy at once (its link is freed to {@code pool}) even when it is not fully sent, since its owner
     * tracks it; the first own buf still holding data stops the scan; own bufs that are empty are reset
     * ({@code pos = last = start}) and moved to free. Own bufs are those tagged with {@link #tag()}. The caller
     * must drop its reference to {@code out}.
     */
    public void update(Pool pool, Chain out) {
        if (out != null) {
            if (busy == null) {
                busy = out;
            } else {
                Chain.tail(busy).next(out);
            }
        }
        while (busy != null) {
            Chain cl = busy;
            Buf b = cl.buf();
            if (b.tag() != tag) {
                busy = cl.next();
                pool.freeLink(cl);
                continue;
            }
            if (b.size() != 0) {
                break;
            }
            b.pos(b.start());
            b.last(b.start());
            busy = cl.next();
            cl.next(free);
            free = cl;
        }
    }
}
