package io.sendchain.buf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.Objects;

/**
 * Per-connection or per-request allocation: native memory for temporary bufs and a free list of chain links.
 * nginx's {@code ngx_pool_t} as far as the output pipeline uses it ({@code ngx_palloc}, {@code ngx_pmemalign},
 * {@code ngx_pfree}, {@code ngx_create_temp_buf}, {@code ngx_alloc_chain_link}, {@code ngx_free_chain}).
 *
 * <p>Memory comes from one of two places:
 * <ul>
 *   <li>{@link #Pool(SlabAllocator)}: the event loop's allocator ({@code EventLoop.memory()}). The pool borrows
 *       chunks and gives them back: one at a time with {@link #free(Buf)} (a header buffer once its request is
 *       parsed), all at once with {@link #release()} (a response is over; the pool stays usable) or
 *       {@link #close()}. Nothing waits for the garbage collector, and an idle pool holds no memory. Bufs made
 *       here use their chunk's plain direct buffer as {@link Buf#nioView()}, so NIO I/O on them allocates
 *       nothing. {@link #Pool()} is the same over an allocator of its own, for code that runs without a loop.</li>
 *   <li>{@link #Pool(SegmentAllocator)}: an {@link java.lang.foreign.Arena} or other allocator whose lifetime
 *       the caller controls; the pool does not track or give back that memory.</li>
 * </ul>
 *
 * <p>A pool belongs to one connection or request and to one thread at a time; it is not thread-safe. Links
 * freed to it are reused before new ones are made, so a pipeline in steady state allocates no links. Links are
 * small heap objects and are kept across {@link #release()}.
 */
public final class Pool implements AutoCloseable {

    private final SlabAllocator memory;
    private final boolean ownsMemory;
    private final SegmentAllocator allocator;
    /** Chunks this pool holds, most recent first; linked through {@link Chunk#nextHeld}. */
    private Chunk held;
    private int heldChunks;
    private long heldBytes;
    /** Head of the free link list; linked through {@link Chain#next()}. */
    private Chain freeLinks;
    private int idleLinks;
    private long linksCreated;
    private boolean closed;

    /** A pool over an allocator of its own (no bound), given up when the pool closes. */
    public Pool() {
        this.memory = new SlabAllocator(0);
        this.ownsMemory = true;
        this.allocator = null;
    }

    /**
     * A pool that borrows from {@code memory}, normally its event loop's allocator.
     *
     * @throws IllegalArgumentException if {@code memory} is {@code null}
     */
    public Pool(SlabAllocator memory) {
        if (memory == null) {
            throw new IllegalArgumentException("memory must not be null (new Pool() makes an allocator of its own)");
        }
        this.memory = memory;
        this.ownsMemory = false;
        this.allocator = null;
    }

    /** A pool that takes memory from {@code allocator}; the caller owns the memory's lifetime. */
    Pool(SegmentAllocator allocator) {
        this.memory = null;
        this.ownsMemory = false;
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
    int idleLinks() {
        return idleLinks;
    }

    /** Links this pool has ever had to create. Stops growing once the pipeline is in steady state. */
    public long linksCreated() {
        return linksCreated;
    }

    // ---------------------------------------------------------------- memory

    /**
     * Native memory of {@code size} bytes aligned to {@code alignment}: nginx's {@code ngx_palloc} /
     * {@code ngx_pmemalign}. It goes back with the rest on {@link #release()}.
     *
     * @throws IllegalArgumentException if {@code size < 0} or {@code alignment} is not a power of two
     * @throws MemoryLimitException if the loop's allocator is at its bound
     */
    MemorySegment allocate(long size, long alignment) {
        checkRequest(size, alignment);
        if (allocator != null) {
            return allocator.allocate(size, alignment);
        }
        return take(size, alignment).segment.asSlice(0, size);
    }

    /** An empty temporary buf over {@code size} fresh bytes: nginx's {@code ngx_create_temp_buf}. */
    public Buf createTempBuf(long size) {
        return createTempBuf(size, 1);
    }

    /** An empty temporary buf over {@code size} fresh bytes aligned to {@code alignment}. */
    Buf createTempBuf(long size, long alignment) {
        return tempBuf(new Buf(), size, alignment);
    }

    /**
     * Gives {@code b} (a buf header the caller keeps, for example across keep-alive requests) {@code size} fresh
     * bytes: it becomes an empty temporary buf owning them. Other fields of {@code b} are left as they are.
     *
     * @throws IllegalStateException if {@code b} still owns memory of this pool (free it first)
     */
    public Buf tempBuf(Buf b, long size) {
        return tempBuf(b, size, 1);
    }

    /** {@link #tempBuf(Buf, long)} with the memory aligned to {@code alignment}. */
    Buf tempBuf(Buf b, long size, long alignment) {
        checkRequest(size, alignment);
        if (allocator != null) {
            b.segment(allocator.allocate(size, alignment));
            b.temporary(true);
            return b;
        }
        if (b.ownsPoolMemory()) {
            throw new IllegalStateException("buf still owns " + (b.end() - b.start()) + " bytes of pool memory: " + b);
        }
        return b.attach(take(size, alignment), size);
    }

    /**
     * Gives the memory {@code b} owns back at once: nginx's {@code ngx_pfree}. {@code b} is left without memory.
     * Does nothing for a buf without memory, or whose memory a caller's allocator owns.
     *
     * @throws IllegalStateException if the memory was already given back (a double release), or belongs to
     *         another pool
     */
    public void free(Buf b) {
        Chunk ch = b.chunk;
        if (ch == null) {
            if (allocator != null && b.segment() != null) {
                b.segment(null);
            }
            return;
        }
        if (ch.generation != b.chunkGeneration || !ch.inUse) {
            throw new IllegalStateException("double release: the memory of " + b + " was already given back");
        }
        if (ch.holder != this) {
            throw new IllegalStateException("buf's memory belongs to another pool: " + b);
        }
        unlinkHeld(ch);
        ch.ownerBuf = null;
        b.detach();
        memory.give(ch);
    }

    /**
     * Gives every chunk back to the allocator; links stay for reuse and the pool can be used again. The bufs that
     * owned the memory are left without it ({@code segment() == null}), so their headers can get fresh memory
     * later ({@link #tempBuf(Buf, long)}); copies of them must not be used any more (their memory is someone
     * else's next).
     */
    public void release() {
        releaseExcept(null);
    }

    /**
     * {@link #release()}, but the memory {@code keep} owns stays (a header buffer holding pipelined requests while
     * the response before them is released).
     */
    public void releaseExcept(Buf keep) {
        Chunk kept = keep != null && keep.ownsPoolMemory() && keep.chunk.holder == this ? keep.chunk : null;
        Chunk ch = held;
        held = null;
        heldChunks = 0;
        heldBytes = 0;
        while (ch != null) {
            Chunk next = ch.nextHeld;
            ch.nextHeld = null;
            ch.prevHeld = null;
            if (ch == kept) {
                held = ch;
                heldChunks = 1;
                heldBytes = ch.size();
                ch = next;
                continue;
            }
            Buf owner = ch.ownerBuf;
            ch.ownerBuf = null;
            if (owner != null && owner.chunk == ch) {
                owner.detach(); // a later use of the buf fails instead of touching memory handed out again
            }
            memory.give(ch);
            ch = next;
        }
    }

    /** Chunks the pool holds. */
    int heldChunks() {
        return heldChunks;
    }

    /** Bytes the pool holds (chunk sizes, which may exceed what was asked). */
    long heldBytes() {
        return heldBytes;
    }

    /** The allocator the pool borrows from, or {@code null} over a caller's allocator. */
    SlabAllocator memory() {
        return memory;
    }

    private Chunk take(long size, long alignment) {
        if (closed) {
            throw new IllegalStateException("pool is closed");
        }
        Chunk ch = memory.take(size, alignment);
        ch.holder = this;
        ch.prevHeld = null;
        ch.nextHeld = held;
        if (held != null) {
            held.prevHeld = ch;
        }
        held = ch;
        heldChunks++;
        heldBytes += ch.size();
        return ch;
    }

    private void unlinkHeld(Chunk ch) {
        if (ch.prevHeld == null) {
            held = ch.nextHeld;
        } else {
            ch.prevHeld.nextHeld = ch.nextHeld;
        }
        if (ch.nextHeld != null) {
            ch.nextHeld.prevHeld = ch.prevHeld;
        }
        ch.prevHeld = null;
        ch.nextHeld = null;
        heldChunks--;
        heldBytes -= ch.size();
    }

    private static void checkRequest(long size, long alignment) {
        if (size < 0) {
            throw new IllegalArgumentException("size < 0: " + size);
        }
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0) {
            throw new IllegalArgumentException("alignment must be a power of two: " + alignment);
        }
    }

    /**
     * Gives all memory back ({@link #release()}) and drops the free links; a pool with an allocator of its own
     * closes it. With a caller's allocator, the memory stays until the caller frees it. Closing twice does
     * nothing.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        freeLinks = null;
        idleLinks = 0;
        if (memory != null) {
            release();
            if (ownsMemory) {
                memory.close();
            }
        }
    }
}
