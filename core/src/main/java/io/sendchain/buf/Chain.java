package io.sendchain.buf;

/**
 * One link of a buf chain: nginx's {@code ngx_chain_t}. Links are cheap, mutable and reused through a
 * {@link Pool}; a link belongs to exactly one chain at a time.
 */
public final class Chain {

    /** The buf this link carries. */
    private Buf buf;
    /** The following link, or {@code null} at the end of the chain. */
    private Chain next;

    /** An empty link: no buf, no next. */
    public Chain() {
    }

    Chain(Buf buf, Chain next) {
        this.buf = buf;
        this.next = next;
    }

    /**
     * A new chain of fresh (unpooled) links carrying {@code bufs} in order; {@code null} for none. For set-up
     * code and tests; the hot path takes links from a {@link Pool}.
     */
    public static Chain of(Buf... bufs) {
        Chain head = null;
        for (int i = bufs.length - 1; i >= 0; i--) {
            head = new Chain(bufs[i], head);
        }
        return head;
    }

    /** The buf of this link. */
    public Buf buf() {
        return buf;
    }

    /** Sets the buf of this link. */
    public Chain buf(Buf buf) {
        this.buf = buf;
        return this;
    }

    /** The next link, or {@code null} at the end of the chain. */
    public Chain next() {
        return next;
    }

    /** Sets the next link. */
    public Chain next(Chain next) {
        this.next = next;
        return this;
    }

    /** Sum of {@link Buf#size()} over the chain starting at {@code cl}. */
    static long size(Chain cl) {
        long total = 0;
        for (; cl != null; cl = cl.next) {
            total += cl.buf.size();
        }
        return total;
    }

    /** Number of links in the chain starting at {@code cl}. */
    static int length(Chain cl) {
        int n = 0;
        for (; cl != null; cl = cl.next) {
            n++;
        }
        return n;
    }

    /** The last link of the chain starting at {@code cl}, or {@code null} for an empty chain. */
    public static Chain tail(Chain cl) {
        if (cl == null) {
            return null;
        }
        while (cl.next != null) {
            cl = cl.next;
        }
        return cl;
    }

    /** The bufs of the chain from this link on, for logs and error messages. */
    @Override
    public String toString() {
        return "Chain[" + buf + (next == null ? "]" : "] -> ...");
    }
}
