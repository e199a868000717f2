package io.sendchain.pipe;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Pool;
import io.sendchain.internal.BufAccess;

/**
 * Where the event pipe's raw bufs come from: at most {@code bufs.num} per response (nginx's {@code p->allocated}
 * against {@code p->bufs.num}, each {@code ngx_create_temp_buf(p->pool, p->bufs.size)}), taken from the owner's
 * {@link EventPipe.BufSupply} and given back to it when the pipe closes, or, without a supply, made from the pool
 * once and kept for the next response.
 */
final class RawBufs {

    private final Pool pool;
    private final int num;
    private final long size;
    private EventPipe.BufSupply supply;
    /** The raw bufs in use, {@code [0, allocated)}; without a supply, kept across responses. */
    private final Buf[] taken;
    private int allocated;

    RawBufs(Pool pool, int num, long size) {
        this.pool = pool;
        this.num = num;
        this.size = size;
        this.taken = new Buf[num];
    }

    void supply(EventPipe.BufSupply supply) {
        this.supply = supply;
    }

    /** Raw bufs taken this response. */
    int allocated() {
        return allocated;
    }

    /** Whether another raw buf may be taken this response. */
    boolean more() {
        return allocated < num;
    }

    /** Another empty raw buf, unlinked from any shadows; only while {@link #more()}. */
    Buf take() {
        Buf b = taken[allocated];
        if (b == null) {
            b = supply == null ? pool.createTempBuf(size) : supply.take(size);
            if (b.end() - b.start() != size) {
                throw new IllegalStateException("buf supply gave " + (b.end() - b.start()) + " bytes for " + size);
            }
            taken[allocated] = b;
        }
        allocated++;
        b.pos(b.start()).last(b.start());
        BufAccess.temporary(b, true);
        BufAccess.memory(b, false);
        BufAccess.recycled(b, false);
        BufAccess.inFile(b, false);
        FreeRawBufs.untie(b);
        return b;
    }

    /** The response is over: its raw bufs go back to the supply, if any (the owner frees their memory). */
    void giveBack() {
        if (supply != null) {
            for (int i = 0; i < num; i++) {
                Buf b = taken[i];
                if (b != null) {
                    taken[i] = null;
                    FreeRawBufs.untie(b);
                    b.pos(b.start()).last(b.start());
                    supply.give(b);
                }
            }
        }
    }

    /** A new response may take {@code bufs.num} raw bufs again (without a supply, the same ones). */
    void reset() {
        allocated = 0;
    }
}
