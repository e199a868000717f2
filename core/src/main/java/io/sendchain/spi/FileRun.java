package io.sendchain.spi;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FileRef;

/**
 * A run of neighbouring file bufs to send with one {@code sendfile}: nginx's
 * {@code ngx_chain_coalesce_file}. Reusable; {@link #coalesce} allocates nothing.
 *
 * <p>Bufs join the run while they are in the same file and each starts where the previous one ended. When
 * the limit cuts a buf, the cut is rounded <em>up</em> to a page boundary if that stays inside the buf, so
 * the next call starts page-aligned; the run may therefore exceed the limit by less than one page.
 *
 * <p>Per-call scratch: a platform keeps one per thread, not one per socket, and {@link #clear()}s it when the
 * call ends so that it does not keep the last response's bufs reachable.
 */
public final class FileRun {

    private final long pageSize;
    private Buf first;
    private Chain next;
    private long size;

    /**
     * An empty run whose cuts are rounded to {@code pageSize} ({@link Platform#pageSize()}).
     *
     * @param pageSize the page size to round a cut to; a power of two
     */
    public FileRun(long pageSize) {
        if (pageSize <= 0 || (pageSize & (pageSize - 1)) != 0) {
            throw new IllegalArgumentException("pageSize must be a power of two: " + pageSize);
        }
        this.pageSize = pageSize;
    }

    /**
     * Coalesces file bufs from {@code in}, whose buf must be a file buf, up to about {@code limit} bytes.
     *
     * @return the number of bytes in the run; {@link #next()} is then the first link after it
     */
    public long coalesce(Chain in, long limit) {
        Chain cl = in;
        Buf b = cl.buf();
        if (!b.inFile() || b.file() == null) {
            throw new IllegalArgumentException("coalesce must start at a file buf: " + b);
        }
        FileRef file = b.file();
        first = b;
        long total = 0;
        long fprev;
        do {
            b = cl.buf();
            long len = b.fileLast() - b.filePos();
            if (len > limit - total) {
                len = limit - total;
                long aligned = (b.filePos() + len + pageSize - 1) & ~(pageSize - 1);
                if (aligned <= b.fileLast()) {
                    len = aligned - b.filePos();
                }
                total += len;
                break;
            }
            total += len;
            fprev = b.filePos() + len;
            cl = cl.next();
        } while (cl != null
                && cl.buf().inFile()
                && total < limit
                && cl.buf().file() == file
                && fprev == cl.buf().filePos());
        next = cl;
        size = total;
        return total;
    }

    /** The buf the run starts with. */
    public Buf first() {
        return first;
    }

    /** The link after the run: where the caller continues. */
    public Chain next() {
        return next;
    }

    /** Bytes in the run. */
    public long size() {
        return size;
    }

    /** The page size file offsets are rounded to. */
    public long pageSize() {
        return pageSize;
    }

    /** Forgets the run's bufs, so that a run kept between calls holds no buf of a finished response. */
    public void clear() {
        first = null;
        next = null;
        size = 0;
    }
}
