package io.sendchain.buf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * One piece of a {@link SlabAllocator}'s memory of one size class: the unit the allocator hands to a {@link Pool}
 * and takes back. A chunk object is made once, when its memory is first carved, and is reused for as long as the
 * allocator lives, so taking and giving back allocate nothing.
 *
 * <p>State, changed only on the allocator's thread:
 * <pre>
 *   free (on its class's free list) ──take──> in use (held by one pool) ──give──> free   (generation + 1)
 * </pre>
 * A {@link Buf} that owns a chunk remembers the generation it got; a buf whose generation no longer matches
 * points at memory that was given back (a double release if it is given back again).
 */
final class Chunk {

    /** Size class index in the allocator. */
    final int sizeClass;
    /** The chunk's bytes: a slice of a page, or a whole dedicated slab. */
    final MemorySegment segment;
    /** A plain direct buffer over the same bytes (no session, so NIO calls on it allocate nothing). */
    final ByteBuffer view;
    /** The page this chunk was carved from; {@code null} for a dedicated or checked chunk. */
    final SlabAllocator.Page page;
    /** Checked mode: the arena of this chunk alone, closed when the chunk is given back. */
    final Arena arena;

    boolean inUse;
    int generation;
    /** Free-list neighbours (doubly linked so a page can be taken back from the middle of the list). */
    Chunk prevFree;
    Chunk nextFree;
    /** The pool holding the chunk while in use, and its neighbours on that pool's list. */
    Pool holder;
    Chunk prevHeld;
    Chunk nextHeld;
    /** The buf that owns the chunk's memory ({@link Buf#attach}), detached when the pool releases the chunk. */
    Buf ownerBuf;
    /** Checked mode: where the chunk was taken, for leak reports. */
    Throwable site;

    Chunk(int sizeClass, ByteBuffer view, SlabAllocator.Page page) {
        this.sizeClass = sizeClass;
        this.view = view;
        this.segment = MemorySegment.ofBuffer(view);
        this.page = page;
        this.arena = null;
    }

    Chunk(int sizeClass, Arena arena, MemorySegment segment) {
        this.sizeClass = sizeClass;
        this.arena = arena;
        this.segment = segment;
        this.view = segment.asByteBuffer();
        this.page = null;
    }

    long size() {
        return segment.byteSize();
    }
}
