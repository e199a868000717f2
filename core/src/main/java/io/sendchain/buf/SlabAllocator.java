package io.sendchain.buf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An event loop's native memory: slabs taken once and kept for the loop's life, cut into power-of-two size
 * classes, with explicit free lists and an upper bound. The memory economy of an nginx worker, whose requests
 * borrow from pools and give everything back when they end; here a {@link Pool} borrows {@linkplain Chunk chunks}
 * from its loop's allocator and gives them back on {@link Pool#free(Buf)}, {@link Pool#release()} or
 * {@link Pool#close()}, so nothing per connection or per request waits for the garbage collector.
 *
 * <pre>
 *   block (1 MiB, taken once) = 16 pages of 64 KiB
 *   page ──assigned to one class ≤ 64 KiB──> carved into chunks on demand ──> free list of the class
 *   class > 64 KiB: one dedicated slab per chunk, kept on the class's free list after use
 *   at the bound: pages with no chunk in use go back to the spare pages, free dedicated slabs are dropped
 * </pre>
 *
 * <p>Classes run from 512 bytes to 1 GiB; a request takes the smallest class that holds it (and its alignment,
 * at most 4096). Slabs are plain direct {@link ByteBuffer}s taken once per slab, and every chunk keeps a slice of
 * one as its {@linkplain Chunk#view NIO view}: a view of an arena's segment would make the JDK allocate on every
 * vectored NIO call (docs/BENCHMARKS.md). The JDK frees a direct buffer only through the garbage collector, which
 * is why slabs are never given up while the loop runs (only free dedicated slabs, and only at the bound).
 *
 * <p><b>Checked mode</b> ({@link #checked(long)}, or every loop's allocator with {@code -Dsendchain.memory.checked=true})
 * is for tests: each chunk gets an arena of its own that is closed when the chunk is given back, so a use after
 * release fails at once ({@link IllegalStateException}: already closed) instead of reading someone else's bytes;
 * it also records where each chunk was taken, reports leaks on {@link #close()}, and insists on one thread.
 * A double release fails in both modes.
 *
 * <p>Not thread-safe: one allocator per event loop, used on the loop's thread (memory lent to another thread,
 * such as a thread-pool read, comes back to the loop before it is given back).
 */
public final class SlabAllocator implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SlabAllocator.class);

    /** {@code -Dsendchain.memory.checked=true}: allocators made by {@link #forLoop} run in checked mode. */
    static final String CHECKED_PROPERTY = "sendchain.memory.checked";

    static final int MIN_SHIFT = 9;
    static final int PAGE_SHIFT = 16;
    static final int MAX_SHIFT = 30;
    static final int CLASSES = MAX_SHIFT - MIN_SHIFT + 1;
    static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    static final int PAGES_PER_BLOCK = 16;
    static final long BLOCK_SIZE = (long) PAGE_SIZE * PAGES_PER_BLOCK;
    /** The strongest alignment a chunk can promise: slabs start on a 4 KiB boundary. */
    static final long MAX_ALIGNMENT = 4096;
    /** The biggest request a chunk can hold. */
    static final long MAX_SIZE = 1L << MAX_SHIFT;

    /** A page of a block, assigned to one size class at a time. */
    static final class Page {
        final ByteBuffer memory;
        int sizeClass = -1;
        int carved;
        int inUse;
        Chunk[] chunks;

        Page(ByteBuffer memory) {
            this.memory = memory;
        }
    }

    /** Where a chunk was taken (checked mode); never thrown, only logged with a leak. */
    private static final class TakenHere extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TakenHere(long bytes) {
            super("chunk of " + bytes + " bytes taken here");
        }
    }

    /** Bytes of one size class: chunk size, bytes reserved for the class, chunks in use and on the free list. */
    public static final class SizeClass {
        private final long chunkSize;
        private final long reserved;
        private final int inUse;
        private final int free;

        SizeClass(long chunkSize, long reserved, int inUse, int free) {
            this.chunkSize = chunkSize;
            this.reserved = reserved;
            this.inUse = inUse;
            this.free = free;
        }

        /** The size of each chunk of the class. */
        public long chunkSize() {
            return chunkSize;
        }

        /** Bytes reserved for the class. */
        public long reserved() {
            return reserved;
        }

        /** Chunks in use. */
        public int inUse() {
            return inUse;
        }

        /** Chunks on the free list. */
        public int free() {
            return free;
        }
    }

    private final long limit;
    private final boolean checked;
    private final Chunk[] freeHead = new Chunk[CLASSES];
    private final int[] freeCount = new int[CLASSES];
    private final int[] inUseCount = new int[CLASSES];
    private final long[] classReserved = new long[CLASSES];
    /** The page each class is carving, or {@code null}. */
    private final Page[] carving = new Page[CLASSES];
    private final List<List<Page>> pagesOfClass = new ArrayList<>(CLASSES);
    private final ArrayList<Page> sparePages = new ArrayList<>();
    private final ArrayList<Chunk> checkedInUse = new ArrayList<>();
    private long reserved;
    private long inUse;
    private long refused;
    private Thread owner;
    private boolean closed;

    /**
     * @param limit the most bytes the allocator reserves; {@code 0} for no bound
     * @throws IllegalArgumentException if {@code limit < 0}
     */
    SlabAllocator(long limit) {
        this(limit, false);
    }

    private SlabAllocator(long limit, boolean checked) {
        if (limit < 0) {
            throw new IllegalArgumentException("memory limit < 0: " + limit);
        }
        this.limit = limit == 0 ? Long.MAX_VALUE : limit;
        this.checked = checked;
        for (int i = 0; i < CLASSES; i++) {
            pagesOfClass.add(new ArrayList<>());
        }
    }

    /** An allocator in checked mode (see the class comment), for tests. */
    public static SlabAllocator checked(long limit) {
        return new SlabAllocator(limit, true);
    }

    /** An allocator for an event loop: checked when {@code -Dsendchain.memory.checked=true}. */
    public static SlabAllocator forLoop(long limit) {
        return new SlabAllocator(limit, Boolean.getBoolean(CHECKED_PROPERTY));
    }

    /** The allocator runs in checked mode. */
    boolean isChecked() {
        return checked;
    }

    /** Binds the allocator to {@code thread} (checked mode then refuses every other thread). */
    void bind(Thread thread) {
        this.owner = thread;
    }

    // ---------------------------------------------------------------- taking and giving back

    /**
     * A chunk of at least {@code size} bytes aligned to {@code alignment}.
     *
     * @throws MemoryLimitException if the bound does not leave room for it
     * @throws IllegalArgumentException for a size beyond {@link #MAX_SIZE} or an alignment beyond
     *         {@link #MAX_ALIGNMENT}
     */
    Chunk take(long size, long alignment) {
        checkThread();
        if (closed) {
            throw new IllegalStateException("allocator is closed");
        }
        int c = sizeClass(size, alignment);
        long bytes = 1L << (c + MIN_SHIFT);
        Chunk ch = freeHead[c];
        if (ch != null) {
            unlinkFree(ch);
        } else if (checked) {
            ch = checkedChunk(c, bytes);
        } else if (bytes <= PAGE_SIZE) {
            ch = carve(c, bytes);
        } else {
            ch = dedicated(c, bytes);
        }
        ch.inUse = true;
        inUseCount[c]++;
        inUse += bytes;
        if (ch.page != null) {
            ch.page.inUse++;
        }
        if (checked) {
            ch.site = new TakenHere(bytes);
            checkedInUse.add(ch);
        }
        return ch;
    }

    /**
     * Takes {@code ch} back.
     *
     * @throws IllegalStateException if it is not in use (a double release)
     */
    void give(Chunk ch) {
        checkThread();
        long bytes = 1L << (ch.sizeClass + MIN_SHIFT);
        if (!ch.inUse) {
            throw new IllegalStateException("double release of a " + bytes + "-byte chunk");
        }
        ch.inUse = false;
        ch.generation++;
        ch.holder = null;
        inUseCount[ch.sizeClass]--;
        inUse -= bytes;
        if (ch.page != null) {
            ch.page.inUse--;
        }
        if (checked) {
            checkedInUse.remove(ch);
            ch.site = null;
            reserved -= bytes;
            classReserved[ch.sizeClass] -= bytes;
            ch.arena.close();
            return;
        }
        if (closed) {
            return; // a late return after close: nothing to keep it for
        }
        pushFree(ch);
    }

    /** The index of the smallest class holding {@code size} bytes at {@code alignment}. */
    static int sizeClass(long size, long alignment) {
        if (size < 0) {
            throw new IllegalArgumentException("size < 0: " + size);
        }
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0) {
            throw new IllegalArgumentException("alignment must be a power of two: " + alignment);
        }
        if (alignment > MAX_ALIGNMENT) {
            throw new IllegalArgumentException("alignment above " + MAX_ALIGNMENT + ": " + alignment);
        }
        if (size > MAX_SIZE) {
            throw new IllegalArgumentException("size above the biggest chunk (" + MAX_SIZE + "): " + size);
        }
        long need = Math.max(Math.max(size, alignment), 1L << MIN_SHIFT);
        int shift = 64 - Long.numberOfLeadingZeros(need - 1);
        return shift - MIN_SHIFT;
    }

    /** Bytes of a chunk of class {@code sizeClass}. */
    static long classBytes(int sizeClass) {
        return 1L << (sizeClass + MIN_SHIFT);
    }

    private void pushFree(Chunk ch) {
        int c = ch.sizeClass;
        Chunk head = freeHead[c];
        ch.prevFree = null;
        ch.nextFree = head;
        if (head != null) {
            head.prevFree = ch;
        }
        freeHead[c] = ch;
        freeCount[c]++;
    }

    private void unlinkFree(Chunk ch) {
        int c = ch.sizeClass;
        if (ch.prevFree == null) {
            freeHead[c] = ch.nextFree;
        } else {
            ch.prevFree.nextFree = ch.nextFree;
        }
        if (ch.nextFree != null) {
            ch.nextFree.prevFree = ch.prevFree;
        }
        ch.prevFree = null;
        ch.nextFree = null;
        freeCount[c]--;
    }

    // ---------------------------------------------------------------- memory from the OS

    private Chunk carve(int c, long bytes) {
        Page p = carving[c];
        if (p == null || (long) p.carved * bytes >= PAGE_SIZE) {
            p = newPage(c);
            carving[c] = p;
        }
        int size = (int) bytes;
        Chunk ch = new Chunk(c, p.memory.slice(p.carved * size, size), p);
        p.chunks[p.carved++] = ch;
        return ch;
    }

    private Page newPage(int c) {
        if (sparePages.isEmpty()) {
            if (!fits(BLOCK_SIZE)) {
                reclaim();
            }
            if (sparePages.isEmpty()) {
                if (!fits(BLOCK_SIZE)) {
                    throw refuse(classBytes(c));
                }
                ByteBuffer block = slab(BLOCK_SIZE, classBytes(c));
                reserved += BLOCK_SIZE;
                for (int i = PAGES_PER_BLOCK - 1; i >= 0; i--) {
                    sparePages.add(new Page(block.slice(i * PAGE_SIZE, PAGE_SIZE)));
                }
            }
        }
        Page p = sparePages.removeLast();
        p.sizeClass = c;
        p.carved = 0;
        p.inUse = 0;
        p.chunks = new Chunk[(int) (PAGE_SIZE / classBytes(c))];
        pagesOfClass.get(c).add(p);
        classReserved[c] += PAGE_SIZE;
        return p;
    }

    private Chunk dedicated(int c, long bytes) {
        if (!fits(bytes)) {
            reclaim();
            if (!fits(bytes)) {
                throw refuse(bytes);
            }
        }
        ByteBuffer slab = slab(bytes, bytes);
        reserved += bytes;
        classReserved[c] += bytes;
        return new Chunk(c, slab, null);
    }

    private Chunk checkedChunk(int c, long bytes) {
        if (!fits(bytes)) {
            throw refuse(bytes);
        }
        Arena arena = Arena.ofShared();
        MemorySegment s = arena.allocate(bytes, MAX_ALIGNMENT);
        reserved += bytes;
        classReserved[c] += bytes;
        return new Chunk(c, arena, s);
    }

    private boolean fits(long bytes) {
        return reserved <= limit - bytes;
    }

    private MemoryLimitException refuse(long bytes) {
        refused++;
        return new MemoryLimitException("event loop memory limit reached: " + bytes + " more bytes needed, "
                + reserved + " of " + limit + " reserved, " + inUse + " in use");
    }

    /** A direct buffer of {@code bytes} starting on a 4 KiB boundary. */
    private ByteBuffer slab(long bytes, long forRequest) {
        ByteBuffer raw;
        try {
            raw = ByteBuffer.allocateDirect((int) (bytes + MAX_ALIGNMENT - 1));
        } catch (OutOfMemoryError e) {
            refused++;
            throw new MemoryLimitException("cannot reserve " + bytes + " bytes of direct memory for a "
                    + forRequest + "-byte chunk (" + e.getMessage() + "); raise -XX:MaxDirectMemorySize", e);
        }
        long address = MemorySegment.ofBuffer(raw).address();
        int pad = (int) ((MAX_ALIGNMENT - (address & (MAX_ALIGNMENT - 1))) & (MAX_ALIGNMENT - 1));
        return raw.slice(pad, (int) bytes);
    }

    /**
     * At the bound: pages of which no chunk is in use go back to the spare pages (their chunks leave the free
     * lists), and free dedicated slabs are dropped, so memory a burst left in one class can serve another.
     */
    private void reclaim() {
        for (int c = 0; c < CLASSES; c++) {
            long bytes = classBytes(c);
            if (bytes <= PAGE_SIZE) {
                List<Page> pages = pagesOfClass.get(c);
                for (int i = pages.size() - 1; i >= 0; i--) {
                    Page p = pages.get(i);
                    if (p.inUse != 0) {
                        continue;
                    }
                    for (int k = 0; k < p.carved; k++) {
                        unlinkFree(p.chunks[k]);
                    }
                    pages.remove(i);
                    if (carving[c] == p) {
                        carving[c] = null;
                    }
                    p.chunks = null;
                    p.sizeClass = -1;
                    classReserved[c] -= PAGE_SIZE;
                    sparePages.add(p);
                }
            } else {
                while (freeHead[c] != null) {
                    unlinkFree(freeHead[c]);
                    reserved -= bytes;
                    classReserved[c] -= bytes;
                }
            }
        }
    }

    private void checkThread() {
        if (checked) {
            Thread t = Thread.currentThread();
            if (owner == null) {
                owner = t;
            } else if (owner != t) {
                throw new IllegalStateException("allocator bound to " + owner.getName() + " used from " + t.getName());
            }
        }
    }

    // ---------------------------------------------------------------- counters

    /** The bound in bytes ({@link Long#MAX_VALUE}: none). */
    long limit() {
        return limit;
    }

    /** Bytes taken from the OS and kept: chunks in use, on free lists, and pages not yet carved. */
    public long reserved() {
        return reserved;
    }

    /** Bytes of the chunks in use (each counted at its class size). */
    public long inUse() {
        return inUse;
    }

    /** Reserved bytes not in use. */
    long free() {
        return reserved - inUse;
    }

    /** Chunks in use, over all classes. */
    public int chunksInUse() {
        int n = 0;
        for (int c : inUseCount) {
            n += c;
        }
        return n;
    }

    /** Requests refused because of the bound (or because the JVM had no direct memory left). */
    public long refused() {
        return refused;
    }

    /** The classes that hold memory, smallest first. */
    public List<SizeClass> sizeClasses() {
        List<SizeClass> out = new ArrayList<>();
        for (int c = 0; c < CLASSES; c++) {
            if (classReserved[c] != 0 || inUseCount[c] != 0) {
                out.add(new SizeClass(classBytes(c), classReserved[c], inUseCount[c], freeCount[c]));
            }
        }
        return out;
    }

    /** Checked mode: where each chunk still in use was taken (empty otherwise). */
    List<Throwable> leakSites() {
        List<Throwable> sites = new ArrayList<>(checkedInUse.size());
        for (Chunk ch : checkedInUse) {
            sites.add(ch.site);
        }
        return sites;
    }

    /**
     * Drops the slabs (the JDK frees them once nothing refers to them). Chunks still in use are leaks: they are
     * logged, with where they were taken in checked mode. Closing twice does nothing.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        int leaked = chunksInUse();
        if (leaked > 0) {
            log.warn("{} chunks ({} bytes) still in use when the allocator closed", leaked, inUse);
            for (Chunk ch : checkedInUse) {
                log.warn("leaked", ch.site);
            }
        }
        for (int c = 0; c < CLASSES; c++) {
            freeHead[c] = null;
            freeCount[c] = 0;
            carving[c] = null;
            pagesOfClass.get(c).clear();
        }
        sparePages.clear();
    }

    /** The allocator's bound and counters, for logs. */
    @Override
    public String toString() {
        return "SlabAllocator[reserved=" + reserved + " inUse=" + inUse + " limit="
                + (limit == Long.MAX_VALUE ? "none" : Long.toString(limit)) + (checked ? " checked" : "") + "]";
    }
}
