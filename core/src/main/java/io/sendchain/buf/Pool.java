package io.sendchain.buf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Per-context allocation: native memory for temporary bufs and a free list of chain links. nginx's
 * {@code ngx_pool_t} as far as the output pipeline uses it ({@code ngx_palloc}, {@code ngx_pmemalign},
 * {@code ngx_create_temp_buf}, {@code ngx_alloc_chain_link}, {@code ngx_free_chain}).
 *
 * <p>Memory comes from one of two places:
 * <ul>
 *   <li>{@link #Pool()}: direct {@link ByteBuffer} slabs carved like nginx's pool blocks. Bufs made here use
 *       their slice as {@link Buf#nioView()}, so NIO I/O on them allocates nothing. The memory goes back when
 *       the pool and its bufs are unreachable (the garbage collector frees direct buffers).</li>
 *   <li>{@link #Pool(SegmentAllocator)}: an {@link java.lang.foreign.Arena} or other allocator whose lifetime
 *       the caller controls; closing the arena frees the memory at once. NIO views of such segments carry the
 *       arena's session, for which the JDK allocates a little on each vectored call.</li>
 * </ul>
 *
 * <p>A pool belongs to one connection or request and to one thread at a time; it is not thread-safe. Links
 * freed to it are reused before new ones are made, so a pipeline in steady state allocates no links.
 */
public final class Pool implements AutoCloseable {

    /** Size of a slab; larger requests get a buffer of their own. */
    private static final int SLAB_SIZE = 64 * 1024;
    /** Requests above this get their own buffer rather than wasting a slab's tail. */
    private static final int SLAB_MAX_REQUEST = SLAB_SIZE / 4;

    private final SegmentAllocator allocator;
    private ByteBuffer slab;
    private long slabAddress;
    private int slabUsed;
    /** Head of the free link list; linked through {@link Chain#next()}. */
    private Chain freeLinks;
    private int idleLinks;
    private long linksCreated;
    private boolean closed;

    /** A pool of direct-buffer memory (see the class comment). */
    public Pool() {
        this.allocator = null;
    }

    /** A pool that takes memory from {@code allocator}; the caller owns the memory's lifetime. */
    public Pool(SegmentAllocator allocator) {
        this.allocator = Objects.requireNonNull(allocator, "allocator");
    }

    /** A link from the free list, or a new one: nginx's {@code ngx_alloc_chain_link}. Its fields are stale. */
    public Chain allocLink() {
        Chain cl = freeLinks;
        if (cl != null) {
            freeLinks = cl.next();
            idleLinks--;
            return cl;
        }
        linksCreated++;
        return new Chain();
    }

    /** Returns one link to the free list: nginx's {@code ngx_free_chain}. The link's buf is dropped. */
    public void freeLink(Chain cl) {
        cl.buf(null);
        cl.next(freeLinks);
        freeLinks = cl;
        idleLinks++;
    }

    /** Links waiting on the free list. */
    public int idleLinks() {
        return idleLinks;
    }

    /** Links this pool has ever had to create. Stops growing once the pipeline is in steady state. */
    public long linksCreated() {
        return linksCreated;
    }

    /**
     * Native memory of {@code size} bytes aligned to {@code alignment}: nginx's {@code ngx_palloc} /
     * {@code ngx_pmemalign}.
     *
     * @throws IllegalArgumentException if {@code size < 0} or {@code alignment} is not a power of two
     */
    public MemorySegment allocate(long size, long alignment) {
        checkRequest(size, alignment);
        if (allocator != null) {
            return allocator.allocate(size, alignment);
        }
        return MemorySegment.ofBuffer(directBuffer(size, alignment));
    }

    /** An empty temporary buf over {@code size} fresh bytes: nginx's {@code ngx_create_temp_buf}. */
    public Buf createTempBuf(long size) {
        return createTempBuf(size, 1);
    }

    /** An empty temporary buf over {@code size} fresh bytes aligned to {@code alignment}. */
    public Buf createTempBuf(long size, long alignment) {
        checkRequest(size, alignment);
        if (allocator != null) {
            return Buf.temp(allocator.allocate(size, alignment));
        }
        return Buf.temp(directBuffer(size, alignment));
    }

    private static void checkRequest(long size, long alignment) {
        if (size < 0) {
            throw new IllegalArgumentException("size < 0: " + size);
        }
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0) {
            throw new IllegalArgumentException("alignment must be a power of two: " + alignment);
        }
    }

    /** A plain (session-less) direct buffer of {@code size} bytes at an {@code alignment}-aligned address. */
    private ByteBuffer directBuffer(long size, long alignment) {
        if (closed) {
            throw new IllegalStateException("pool is closed");
        }
        if (size > Integer.MAX_VALUE - alignment) {
            throw new IllegalArgumentException("direct-buffer pools hold at most 2 GiB per buf: " + size);
        }
        if (size > SLAB_MAX_REQUEST || alignment > SLAB_MAX_REQUEST) {
            ByteBuffer own = ByteBuffer.allocateDirect((int) (size + alignment - 1));
            return carve(own, MemorySegment.ofBuffer(own).address(), 0, (int) size, alignment);
        }
        int pad = slab == null ? Integer.MAX_VALUE : padding(slabAddress + slabUsed, alignment);
        if (slab == null || slabUsed + pad + size > SLAB_SIZE) {
            // nginx's pool grows by a new block; the old block's tail is left unused
            slab = ByteBuffer.allocateDirect(SLAB_SIZE);
            slabAddress = MemorySegment.ofBuffer(slab).address();
            slabUsed = 0;
            pad = padding(slabAddress, alignment);
        }
        ByteBuffer b = carve(slab, slabAddress, slabUsed + pad, (int) size, alignment);
        slabUsed += pad + (int) size;
        return b;
    }

    private static int padding(long address, long alignment) {
        return (int) ((alignment - (address & (alignment - 1))) & (alignment - 1));
    }

    private static ByteBuffer carve(ByteBuffer from, long base, int offset, int size, long alignment) {
        int start = offset + padding(base + offset, alignment);
        return from.slice(start, size);
    }

    /**
     * Drops the free links and the slab. With a caller's allocator, the memory stays until the caller frees it;
     * with direct buffers, it is freed once no buf refers to it any more. Bufs must not be used after the
     * pool's owner is done with them.
     */
    @Override
    public void close() {
        closed = true;
        freeLinks = null;
        idleLinks = 0;
        slab = null;
    }
}
