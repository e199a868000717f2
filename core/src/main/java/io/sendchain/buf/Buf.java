package io.sendchain.buf;

import io.sendchain.internal.BufAccess;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A window onto memory, onto a file, or onto both: nginx's {@code ngx_buf_t}.
 *
 * <pre>
 *   segment:  |start .......... pos ========== last .......... end|
 *                               \___ size() ___/
 *   file:     ........ filePos ========== fileLast ........
 * </pre>
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>Memory is off-heap: {@link #segment()} is {@code null} or a native segment, so its address can go
 *       into an iovec. Heap data is copied into native memory first ({@link #copyOf}).</li>
 *   <li>{@code 0 <= start, pos, last, end <= segment.byteSize()}; a well-formed buf has
 *       {@code start <= pos <= last <= end}. Positions are checked against the segment when set; the order
 *       {@code pos <= last} is not, because the output pipeline must be able to see a malformed
 *       (negative-size) buf and report it by name instead of failing somewhere else.</li>
 *   <li>The buf is "in memory" when any of {@code temporary}, {@code memory} or {@code mmap} is set; then
 *       {@link #size()} is {@code last - pos}. Otherwise its size is {@code fileLast - filePos} and only the
 *       file window counts.</li>
 *   <li>A buf that is in memory <em>and</em> {@code inFile} describes the same bytes twice (a copy of a file
 *       range in memory); consumers advance both windows together.</li>
 *   <li>A <em>special</em> buf carries only a signal ({@code flush}, {@code lastBuf} or {@code sync}) and no
 *       data.</li>
 *   <li>A buf with a {@code shadow} shares its bytes with another buf (the event pipe's raw buf); it may not
 *       be recycled until the shadow chain is done.</li>
 *   <li>A buf whose memory a {@link Pool} took from a {@link SlabAllocator} <em>owns</em> that memory; copies of
 *       it ({@link #copyFrom}, shadows) never do. Only the owner can give the memory back early
 *       ({@link Pool#free(Buf)}), which leaves it without memory; everything else goes back when the pool is
 *       released. After that, no buf may touch the memory (checked mode makes such a use fail).</li>
 * </ul>
 *
 * <p>Bufs are mutable and not thread-safe: they belong to one event loop at a time.
 */
public final class Buf {

    static {
        BufAccess.install(new BufAccessImpl());
    }

    /**
     * An owner's mark on the bufs it may reuse (nginx's {@code ngx_buf_tag_t}), compared by identity. Each
     * {@link FreeBusy} makes its own, so two owners never share one.
     */
    public static final class Tag {
        Tag() {
        }
    }

    /** Native memory this buf points into, or {@code null}. */
    private MemorySegment segment;
    /** Cached {@link ByteBuffer} view of the whole {@link #segment}, made on first use. */
    private ByteBuffer nioView;
    /**
     * The pool chunk whose memory this buf owns ({@code null}: the memory is someone else's), and the chunk's
     * generation when it was attached: a mismatch means the memory was given back since.
     */
    Chunk chunk;
    int chunkGeneration;
    /** First byte of the memory this buf owns. */
    private long start;
    /** First byte not yet consumed. */
    private long pos;
    /** One past the last byte of data. */
    private long last;
    /** One past the last byte of the memory this buf owns. */
    private long end;

    /** File this buf points into, or {@code null}. */
    private FileRef file;
    /** First byte of the file window not yet consumed. */
    private long filePos;
    /** One past the last byte of the file window. */
    private long fileLast;

    /** Owner of the buf (nginx's module tag): who may reuse it once it is sent. */
    private Tag tag;
    /** The buf whose bytes this one shares (event pipe), or {@code null}. */
    private Buf shadow;
    /** Sequence number, for the event pipe's debug log and temp-file bookkeeping. */
    private int num;

    /** Memory is writable scratch memory the owner may change. */
    private boolean temporary;
    /** Memory is read-only (it must be copied before a filter changes it). */
    private boolean memory;
    /** Memory is a mapping of a file. */
    private boolean mmap;
    /** The buf belongs to a bounded set and must be sent promptly so it can be reused. */
    private boolean recycled;
    /** The file window holds data. */
    private boolean inFile;
    /** Everything queued up to and including this buf should go out now. */
    private boolean flush;
    /** Synchronisation point without data. */
    private boolean sync;
    /** Last buf of the whole response. */
    private boolean lastBuf;
    /** Last buf of this chain (a subrequest's end). */
    private boolean lastInChain;
    /** Last shadow buf of its raw buf. */
    private boolean lastShadow;
    /** The file is a temporary file (event pipe spill). */
    private boolean tempFile;

    /** An empty buf with no memory, no file and no flags: nginx's {@code ngx_calloc_buf}. */
    public Buf() {
    }

    /**
     * A temporary (writable) buf over {@code segment}, empty: {@code pos == last == start}. nginx's
     * {@code ngx_create_temp_buf}.
     */
    public static Buf temp(MemorySegment segment) {
        Buf b = new Buf();
        b.segment(segment);
        b.temporary = true;
        return b;
    }

    /** A read-only memory buf whose data is all of {@code segment}. */
    public static Buf wrap(MemorySegment segment) {
        Buf b = new Buf();
        b.segment(segment);
        b.last = segment.byteSize();
        b.memory = true;
        return b;
    }

    /** A read-only memory buf holding a native copy of {@code bytes}, allocated by {@code pool}. */
    public static Buf copyOf(Pool pool, byte[] bytes) {
        Buf b = pool.createTempBuf(bytes.length);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, b.segment, 0, bytes.length);
        b.last = bytes.length;
        b.temporary = false;
        b.memory = true;
        return b;
    }

    /** A file buf for {@code [filePos, fileLast)} of {@code file}. */
    public static Buf ofFile(FileRef file, long filePos, long fileLast) {
        if (filePos < 0 || fileLast < filePos) {
            throw new IllegalArgumentException(
                    "file window must satisfy 0 <= filePos <= fileLast: " + filePos + ".." + fileLast);
        }
        Buf b = new Buf();
        b.file = file;
        b.filePos = filePos;
        b.fileLast = fileLast;
        b.inFile = true;
        return b;
    }

    /** A special buf that asks for everything before it to be sent now. */
    public static Buf flushBuf() {
        Buf b = new Buf();
        b.flush = true;
        return b;
    }

    /** A special buf that marks the end of the response. */
    public static Buf lastBufMarker() {
        Buf b = new Buf();
        b.lastBuf = true;
        return b;
    }

    /** A special buf that only synchronises. */
    public static Buf syncBuf() {
        Buf b = new Buf();
        b.sync = true;
        return b;
    }

    // ---------------------------------------------------------------- nginx's ngx_buf_* macros

    /** {@code temporary || memory || mmap}: nginx's {@code ngx_buf_in_memory}. */
    public boolean inMemory() {
        return temporary || memory || mmap;
    }

    /** In memory and not also in a file: nginx's {@code ngx_buf_in_memory_only}. */
    boolean inMemoryOnly() {
        return inMemory() && !inFile;
    }

    /** A signal without data: nginx's {@code ngx_buf_special}. */
    public boolean special() {
        return (flush || lastBuf || sync) && !inMemory() && !inFile;
    }

    /** Only the sync flag, no data: nginx's {@code ngx_buf_sync_only}. */
    boolean syncOnly() {
        return sync && !inMemory() && !inFile && !flush && !lastBuf;
    }

    /** Bytes left: the memory window if in memory, else the file window. May be negative if malformed. */
    public long size() {
        return inMemory() ? last - pos : fileLast - filePos;
    }

    // ---------------------------------------------------------------- memory window

    /** The native memory this buf points into, or {@code null} (a file-only or special buf). */
    public MemorySegment segment() {
        return segment;
    }

    /**
     * Points this buf at {@code segment} (or at nothing) with {@code start = pos = last = 0} and
     * {@code end = segment.byteSize()}.
     *
     * @throws IllegalArgumentException if {@code segment} is on the heap
     */
    Buf segment(MemorySegment segment) {
        if (segment != null && !segment.isNative()) {
            throw new IllegalArgumentException(
                    "segment must be native (off-heap) so it can be passed to the kernel: " + segment);
        }
        this.segment = segment;
        this.nioView = null;
        this.chunk = null;
        this.start = 0;
        this.pos = 0;
        this.last = 0;
        this.end = segment == null ? 0 : segment.byteSize();
        return this;
    }

    /** Points this buf at {@code ch}'s memory, empty, as its owner; the chunk's view is the NIO view. */
    Buf attach(Chunk ch, long size) {
        this.segment = ch.segment;
        this.nioView = ch.view;
        this.chunk = ch;
        this.chunkGeneration = ch.generation;
        ch.ownerBuf = this;
        this.start = 0;
        this.pos = 0;
        this.last = 0;
        this.end = size;
        this.temporary = true;
        return this;
    }

    /**
     * The pool memory this buf owns is being given back: the buf loses its memory window ({@code segment()}
     * becomes {@code null}), so a later use fails here rather than touching memory someone else now has.
     */
    void detach() {
        this.segment = null;
        this.nioView = null;
        this.chunk = null;
        this.start = 0;
        this.pos = 0;
        this.last = 0;
        this.end = 0;
    }

    /** The buf owns memory taken from a {@link Pool} backed by a {@link SlabAllocator}, not yet given back. */
    boolean ownsPoolMemory() {
        return chunk != null && chunk.generation == chunkGeneration && chunk.inUse;
    }

    /**
     * Points this buf at the whole capacity of a direct {@code buffer}, with {@code start = pos = last = 0} and
     * {@code end = capacity}; the buffer becomes the buf's {@link #nioView()}.
     *
     * @throws IllegalArgumentException if {@code buffer} is not direct
     */
    Buf buffer(ByteBuffer buffer) {
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException(
                    "buffer must be direct (off-heap) so it can be passed to the kernel: " + buffer);
        }
        ByteBuffer whole = buffer.duplicate().clear();
        segment(MemorySegment.ofBuffer(whole));
        this.nioView = whole;
        return this;
    }

    /**
     * A {@link ByteBuffer} over the whole segment, cached on the buf so that repeated use allocates nothing.
     * Its position and limit belong to the caller of the moment; set both before use. For a buf made from a
     * direct buffer this is that buffer; otherwise it is a view of the segment.
     */
    public ByteBuffer nioView() {
        ByteBuffer v = nioView;
        if (v == null) {
            if (segment == null) {
                throw new IllegalStateException("buf has no memory: " + this);
            }
            v = segment.asByteBuffer();
            nioView = v;
        }
        return v;
    }

    /** First byte of the memory this buf owns (an offset into {@link #segment()}). */
    public long start() {
        return start;
    }

    Buf start(long start) {
        this.start = checkOffset("start", start);
        return this;
    }

    /** First byte of the memory window not yet consumed. */
    public long pos() {
        return pos;
    }

    /**
     * Sets the first unconsumed byte.
     *
     * @throws IndexOutOfBoundsException if {@code pos} is outside the segment
     */
    public Buf pos(long pos) {
        this.pos = checkOffset("pos", pos);
        return this;
    }

    /** One past the last byte of data in memory. */
    public long last() {
        return last;
    }

    /**
     * Sets one past the last byte of data.
     *
     * @throws IndexOutOfBoundsException if {@code last} is outside the segment
     */
    public Buf last(long last) {
        this.last = checkOffset("last", last);
        return this;
    }

    /** One past the last byte of the memory this buf owns: {@code end - start} is its capacity. */
    public long end() {
        return end;
    }

    Buf end(long end) {
        this.end = checkOffset("end", end);
        return this;
    }

    /** Sets the whole memory window in one call. */
    Buf window(long start, long pos, long last, long end) {
        checkOffset("start", start);
        checkOffset("pos", pos);
        checkOffset("last", last);
        checkOffset("end", end);
        this.start = start;
        this.pos = pos;
        this.last = last;
        this.end = end;
        return this;
    }

    private long checkOffset(String what, long offset) {
        long limit = segment == null ? 0 : segment.byteSize();
        if (offset < 0 || offset > limit) {
            throw new IndexOutOfBoundsException(
                    what + " must be within 0.." + limit + " of the buf's segment: " + offset);
        }
        return offset;
    }

    // ---------------------------------------------------------------- file window

    /** The file this buf points into, or {@code null}. */
    public FileRef file() {
        return file;
    }

    Buf file(FileRef file) {
        this.file = file;
        return this;
    }

    /** First byte of the file window not yet consumed. */
    public long filePos() {
        return filePos;
    }

    /**
     * Sets the first unconsumed byte of the file window.
     *
     * @throws IllegalArgumentException if {@code filePos < 0}
     */
    public Buf filePos(long filePos) {
        if (filePos < 0) {
            throw new IllegalArgumentException("filePos < 0: " + filePos);
        }
        this.filePos = filePos;
        return this;
    }

    /** One past the last byte of the file window. */
    public long fileLast() {
        return fileLast;
    }

    /**
     * Sets one past the last byte of the file window.
     *
     * @throws IllegalArgumentException if {@code fileLast < 0}
     */
    public Buf fileLast(long fileLast) {
        if (fileLast < 0) {
            throw new IllegalArgumentException("fileLast < 0: " + fileLast);
        }
        this.fileLast = fileLast;
        return this;
    }

    // ---------------------------------------------------------------- ownership

    /** The owner's tag, or {@code null}: who may reuse this buf once it is sent. */
    Tag tag() {
        return tag;
    }

    /**
     * Marks this buf as owned by {@code tag}'s owner (nginx's {@code b->tag}); {@link FreeBusy#update} gives an
     * owner back only the bufs with its own tag. Tags come from their owner ({@link FreeBusy#tag()}), never from a
     * value two owners could share.
     */
    public Buf tag(Tag tag) {
        this.tag = tag;
        return this;
    }

    Buf shadow() {
        return shadow;
    }

    Buf shadow(Buf shadow) {
        this.shadow = shadow;
        return this;
    }

    int num() {
        return num;
    }

    Buf num(int num) {
        this.num = num;
        return this;
    }

    // ---------------------------------------------------------------- flags

    /** The memory is writable scratch memory its owner may change (a filter may write into it). */
    public boolean temporary() {
        return temporary;
    }

    Buf temporary(boolean v) {
        this.temporary = v;
        return this;
    }

    boolean memory() {
        return memory;
    }

    Buf memory(boolean v) {
        this.memory = v;
        return this;
    }

    boolean mmap() {
        return mmap;
    }

    Buf mmap(boolean v) {
        this.mmap = v;
        return this;
    }

    boolean recycled() {
        return recycled;
    }

    Buf recycled(boolean v) {
        this.recycled = v;
        return this;
    }

    /** The file window holds data. */
    public boolean inFile() {
        return inFile;
    }

    Buf inFile(boolean v) {
        this.inFile = v;
        return this;
    }

    /** Everything queued up to and including this buf should go out now. */
    public boolean flush() {
        return flush;
    }

    Buf flush(boolean v) {
        this.flush = v;
        return this;
    }

    boolean sync() {
        return sync;
    }

    Buf sync(boolean v) {
        this.sync = v;
        return this;
    }

    /** This is the last buf of the whole response. */
    public boolean lastBuf() {
        return lastBuf;
    }

    /** Marks (or unmarks) this buf as the last of the whole response. */
    public Buf lastBuf(boolean v) {
        this.lastBuf = v;
        return this;
    }

    /** This is the last buf of its chain (a part of the response that ends here). */
    public boolean lastInChain() {
        return lastInChain;
    }

    /** Marks (or unmarks) this buf as the last of its chain. */
    public Buf lastInChain(boolean v) {
        this.lastInChain = v;
        return this;
    }

    boolean lastShadow() {
        return lastShadow;
    }

    Buf lastShadow(boolean v) {
        this.lastShadow = v;
        return this;
    }

    boolean tempFile() {
        return tempFile;
    }

    Buf tempFile(boolean v) {
        this.tempFile = v;
        return this;
    }

    /** Copies every field of {@code other} into this buf (nginx's {@code ngx_memcpy(b, buf, sizeof(ngx_buf_t))}). */
    public Buf copyFrom(Buf other) {
        this.segment = other.segment;
        this.nioView = null;
        this.chunk = null; // a copy never owns pool memory
        this.start = other.start;
        this.pos = other.pos;
        this.last = other.last;
        this.end = other.end;
        this.file = other.file;
        this.filePos = other.filePos;
        this.fileLast = other.fileLast;
        this.tag = other.tag;
        this.shadow = other.shadow;
        this.num = other.num;
        this.temporary = other.temporary;
        this.memory = other.memory;
        this.mmap = other.mmap;
        this.recycled = other.recycled;
        this.inFile = other.inFile;
        this.flush = other.flush;
        this.sync = other.sync;
        this.lastBuf = other.lastBuf;
        this.lastInChain = other.lastInChain;
        this.lastShadow = other.lastShadow;
        this.tempFile = other.tempFile;
        return this;
    }

    /**
     * nginx's diagnostic form ({@code t:%d r:%d f:%d start pos-last file filePos-fileLast}), used in every
     * error message that names a buf.
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(96);
        sb.append("buf t:").append(temporary ? 1 : 0)
                .append(" r:").append(recycled ? 1 : 0)
                .append(" f:").append(inFile ? 1 : 0);
        if (memory) {
            sb.append(" m:1");
        }
        if (mmap) {
            sb.append(" mm:1");
        }
        if (segment != null) {
            sb.append(" mem ").append(start).append(' ').append(pos).append('-').append(last).append(' ').append(end);
        }
        if (file != null) {
            sb.append(" file \"").append(file.name()).append("\" ").append(filePos).append('-').append(fileLast);
        }
        if (flush) {
            sb.append(" flush");
        }
        if (lastBuf) {
            sb.append(" last");
        }
        if (lastInChain) {
            sb.append(" last_in_chain");
        }
        if (sync) {
            sb.append(" sync");
        }
        return sb.toString();
    }
}
