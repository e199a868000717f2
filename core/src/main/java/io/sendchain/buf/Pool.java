package io.sendchain.buf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.Objects;

/**
 * Per-context allocation: native memory for temporary bufs and a free list of chain links. nginx's
 * {@code ngx_pool_t} as far as the output pipeline uses it ({@code ngx_palloc}, {@code ngx_pmemalign},
 * {@code ngx_alloc_chain_link}, {@code ngx_free_chain}).
 *
 * <p>A pool belongs to one connection or request and to one thread at a time; it is not thread-safe. Links
 * freed to it are reused before new ones are made, so a pipeline in steady state allocates no links. Memory
 * comes from the {@link SegmentAllocator} given at construction; a pool made with {@link #Pool()} owns a
 * shared {@link Arena} and frees all of its memory on {@link #close()}.
 */
public final class Pool implements AutoCloseable {

    private final SegmentAllocator allocator;
    private final Arena ownedArena;
    /** Head of the free link list; linked through {@link Chain#next()}. */
    private Chain freeLinks;
    private int idleLinks;
    private long linksCreated;

    /** A pool with its own shared arena, released by {@link #close()}. */
    public Pool() {
        this.ownedArena = Arena.ofShared();
        this.allocator = ownedArena;
    }

    /** A pool that takes memory from {@code allocator}; the caller owns the memory's lifetime. */
    public Pool(SegmentAllocator allocator) {
        this.allocator = Objects.requireNonNull(allocator, "allocator");
        this.ownedArena = null;
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
        if (size < 0) {
            throw new IllegalArgumentException("size < 0: " + size);
        }
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0) {
            throw new IllegalArgumentException("alignment must be a power of two: " + alignment);
        }
        return allocator.allocate(size, alignment);
    }

    /** An empty temporary buf over {@code size} fresh bytes: nginx's {@code ngx_create_temp_buf}. */
    public Buf createTempBuf(long size) {
        return Buf.temp(allocate(size, 1));
    }

    /** Frees the pool's own arena, if it has one. Bufs allocated from it must not be used afterwards. */
    @Override
    public void close() {
        freeLinks = null;
        idleLinks = 0;
        if (ownedArena != null && ownedArena.scope().isAlive()) {
            ownedArena.close();
        }
    }
}
