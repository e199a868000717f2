package io.sendchain.spi;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A reusable gather list built from the memory bufs at the head of a chain: nginx's {@code ngx_iovec_t}
 * filled by {@code ngx_output_chain_to_iovec}.
 *
 * <p>Entry {@code i} covers {@code length(i)} bytes of {@code buf(i).segment()} from {@code offset(i)}. A
 * platform turns entries into {@code struct iovec}s ({@link #address(int)}) or into {@code ByteBuffer}
 * views ({@link Buf#nioView()} of {@code buf(i)}). Neighbouring bufs whose bytes are contiguous in one
 * segment share an entry, as nginx coalesces {@code prev == buf->pos}; contiguity is only taken inside the
 * first buf's segment, so every entry is addressable through that buf's view on every platform.
 *
 * <p>The arrays are allocated once; {@link #fill} allocates nothing. At about 1.3 KB for the default capacity a
 * vector is per-call scratch: a platform keeps one per thread, not one per socket (an idle connection must hold
 * nothing this big), and {@link #clear()}s it when the call ends so that it keeps no buf reachable.
 */
public final class IoVec {

    /** nginx's {@code NGX_IOVS_PREALLOCATE}: entries per system call. */
    public static final int DEFAULT_CAPACITY = 64;

    private final Buf[] bufs;
    private final long[] offsets;
    private final long[] lengths;
    private int count;
    private long size;

    /** An iovec of {@link #DEFAULT_CAPACITY} entries. */
    public IoVec() {
        this(DEFAULT_CAPACITY);
    }

    /** An iovec of at most {@code capacity} entries. */
    public IoVec(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity <= 0: " + capacity);
        }
        bufs = new Buf[capacity];
        offsets = new long[capacity];
        lengths = new long[capacity];
    }

    /**
     * Fills the entries from the memory bufs at the head of {@code in}, at most {@code limit} bytes in all
     * ({@code ngx_output_chain_to_iovec}): special bufs are skipped; the scan stops at the first file buf,
     * when {@code limit} bytes are gathered, or when every entry is used. A buf cut by the limit contributes
     * its head.
     *
     * @return the link where the scan stopped: the first link not looked at, or {@code null}
     * @throws IOException if a buf is neither in memory nor in a file ("bad buf in output chain")
     */
    public Chain fill(Chain in, long limit) throws IOException {
        int n = 0;
        long total = 0;
        long prevEnd = -1;
        long entryLimit = -1;
        for (; in != null && total < limit; in = in.next()) {
            Buf b = in.buf();
            if (b.special()) {
                continue;
            }
            if (b.inFile()) {
                break;
            }
            if (!b.inMemory()) {
                count = n;
                size = total;
                throw new IOException("bad buf in output chain " + b);
            }
            long len = b.last() - b.pos();
            if (len > limit - total) {
                len = limit - total;
            }
            long addr = b.segment().address() + b.pos();
            if (n > 0 && addr == prevEnd && addr + len <= entryLimit) {
                lengths[n - 1] += len;
            } else {
                if (n == bufs.length) {
                    break;
                }
                bufs[n] = b;
                offsets[n] = b.pos();
                lengths[n] = len;
                entryLimit = b.segment().address() + b.segment().byteSize();
                n++;
            }
            prevEnd = addr + len;
            total += len;
        }
        // forget bufs of a previous, longer fill so they can be collected
        for (int i = n; i < count; i++) {
            bufs[i] = null;
        }
        count = n;
        size = total;
        return in;
    }

    /** Entries in use. */
    public int count() {
        return count;
    }

    /** Bytes described by all entries. */
    public long size() {
        return size;
    }

    /** Entries this vector can hold. */
    public int capacity() {
        return bufs.length;
    }

    /** The first buf of entry {@code i}; the entry lies inside its segment. */
    public Buf buf(int i) {
        checkIndex(i);
        return bufs[i];
    }

    /** The memory of entry {@code i}. */
    public MemorySegment segment(int i) {
        checkIndex(i);
        return bufs[i].segment();
    }

    /** Offset of entry {@code i} in {@link #segment(int)}. */
    public long offset(int i) {
        checkIndex(i);
        return offsets[i];
    }

    /** The length in bytes of entry {@code i}. */
    public long length(int i) {
        checkIndex(i);
        return lengths[i];
    }

    /** Native address of entry {@code i}, for a {@code struct iovec}. */
    public long address(int i) {
        checkIndex(i);
        return bufs[i].segment().address() + offsets[i];
    }

    /** Empties the vector. */
    public void clear() {
        for (int i = 0; i < count; i++) {
            bufs[i] = null;
        }
        count = 0;
        size = 0;
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("entry index must be within 0.." + (count - 1) + ": " + i);
        }
    }
}
