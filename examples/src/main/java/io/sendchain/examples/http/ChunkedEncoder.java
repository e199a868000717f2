package io.sendchain.examples.http;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FreeBusy;
import io.sendchain.buf.Pool;
import io.sendchain.output.OutputFilter;
import io.sendchain.output.Status;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

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
    private boolean chunkOpen;

    ChunkedEncoder(Pool pool, OutputFilter next) {
        this.pool = pool;
        this.next = next;
    }

    /** Forgets the previous response (its bufs must all have been sent). */
    void reset() {
        chunkOpen = false;
    }

    @Override
    public Status filter(Chain in) throws IOException {
        if (in == null) {
            return next.filter(null);
        }
        long size = 0;
        boolean last = false;
        Chain out = null;
        Chain tail = null;
        for (Chain cl = in; cl != null; cl = cl.next()) {
            Buf b = cl.buf();
            long n = b.size();
            if (b.lastBuf()) {
                last = true;
            }
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
        if (size > 0) {
            Chain h = frame();
            Buf hb = h.buf();
            MemorySegment s = hb.segment();
            long at = hb.last();
            if (chunkOpen) {
                at = crlf(s, at);
            }
            at = hex(s, at, size);
            at = crlf(s, at);
            hb.last(at);
            h.next(out);
            out = h;
            if (tail == null) {
                tail = h;
            }
            chunkOpen = true;
        }
        if (last) {
            Chain t = frame();
            Buf tb = t.buf();
            MemorySegment s = tb.segment();
            long at = tb.last();
            if (chunkOpen) {
                at = crlf(s, at);
            }
            s.set(ValueLayout.JAVA_BYTE, at++, (byte) '0');
            at = crlf(s, at);
            at = crlf(s, at);
            tb.last(at).lastBuf(true).lastInChain(true);
            chunkOpen = false;
            if (tail == null) {
                out = t;
            } else {
                tail.next(t);
            }
        }
        if (out == null) {
            return next.filter(null);
        }
        Status rc = next.filter(out);
        lists.update(pool, out, this);
        return rc;
    }

    private Chain frame() {
        Chain cl = lists.takeFree();
        if (cl == null) {
            cl = pool.allocLink().buf(pool.createTempBuf(FRAME).tag(this)).next(null);
        }
        Buf b = cl.buf();
        b.pos(b.start()).last(b.start()).lastBuf(false).lastInChain(false);
        b.memory(false).temporary(true);
        return cl;
    }

    private static long crlf(MemorySegment s, long at) {
        s.set(ValueLayout.JAVA_BYTE, at, (byte) '\r');
        s.set(ValueLayout.JAVA_BYTE, at + 1, (byte) '\n');
        return at + 2;
    }

    private static long hex(MemorySegment s, long at, long v) {
        int digits = Math.max(1, (67 - Long.numberOfLeadingZeros(v)) / 4);
        for (int i = digits - 1; i >= 0; i--) {
            s.set(ValueLayout.JAVA_BYTE, at + i, (byte) Character.forDigit((int) (v & 0xf), 16));
            v >>>= 4;
        }
        return at + digits;
    }
}
