package io.sendchain.examples.http;

import io.sendchain.buf.Buf;
import io.sendchain.buf.FileRef;
import io.sendchain.spi.NativeFile;
import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * nginx's {@code open_file_cache} (ngx_open_file_cache.c) for one worker: the lookup result of a request path
 * (its {@code stat}, or its error with {@code errors} on) and, once the path was asked for {@code min_uses} times,
 * one open descriptor that every response of the worker sends from. Loop thread only: no locks.
 *
 * <pre>
 *   lookup(path, now) ──miss──> FileLookup.keep (root and symlink checks) ──> entry at the head of the LRU list
 *        │                       (an error is kept only with errors on; past max the tail entry is evicted)
 *        ├─ hit, younger than valid ──> the cached result
 *        └─ hit, older than valid ───> FileLookup.keep again; another file (inode, size, mtime, real path) or an
 *                                      error detaches the entry's descriptor
 *   open(entry): uses &gt;= min_uses ──> a FileRef of the response's own over the entry's shared descriptor
 *   that FileRef closed ──> refs - 1; a detached descriptor (evicted, expired, changed) closes at refs == 0
 * </pre>
 *
 * <p>As nginx shares the descriptor and not the {@code ngx_file_t}, each response gets its own {@link FileRef}
 * (its own thread-pool read slot) over the shared {@link Descriptor}; closing that ref releases one reference. A
 * thread-pool sendfile still running when the last reference goes holds the platform's handle itself (linux's
 * {@code LinuxFile} defers its close until the task is done).
 */
final class OpenFileCache {

    private static final Logger log = LoggerFactory.getLogger(OpenFileCache.class);

    /** Inactive entries expired per lookup, as nginx's ngx_expire_old_cached_files does from its lookup. */
    private static final int EXPIRE_PER_LOOKUP = 2;

    /** How a descriptor is opened: the platform's {@code openFile} (sendfile) or {@link FileRef#open}. */
    @FunctionalInterface
    interface Opener {
        FileRef open(Path path) throws IOException;
    }

    /** What a lookup found for one request path (nginx's {@code ngx_cached_open_file_t}). */
    static final class Entry {
        /** The request path, the map's key. */
        final Path key;
        /** The lookup's result: status 0 with the file and its attributes, or the error status. */
        FileLookup.Found found;
        /** The file's identity when it was looked at (inode and device where the file system has them). */
        private Object fileKey;
        /** When {@link #found} was last checked against the file system. */
        private long validated;
        /** When a request last asked for it, for {@code inactive}. */
        private long accessed;
        /** Requests that asked for it, for {@code min_uses}. */
        private int uses;
        /** The shared descriptor, or {@code null} until a GET with enough uses opens it. */
        private Descriptor fd;
        /** In the map and the LRU list; a result not kept (an error with errors off) is not. */
        private boolean cached;
        /** The response head's bytes for the file, made at the first response; dropped when the file changes. */
        private FileMeta meta;
        /** The file's bytes in memory ({@code --open-file-cache-memory}), or {@code null}. */
        private Content content;
        /** Reading the content failed or found another size: not tried again until the file is looked at again. */
        private boolean noContent;
        private Entry prev;
        private Entry next;

        Entry(Path key) {
            this.key = key;
        }

        FileLookup.Found found() {
            return found;
        }

        /** Still in the cache (a route to an entry that was not is a miss). */
        boolean cached() {
            return cached;
        }

        /** The head bytes of the file found (status 0, a regular file), made once per version of the file. */
        FileMeta meta() {
            FileMeta m = meta;
            if (m == null) {
                m = FileMeta.of(found);
                meta = m;
            }
            return m;
        }
    }

    /**
     * A request target's way to its entry: a hit skips URI decoding, {@code Path} building and the map of paths
     * (the target string is the worker's repeated one, see {@link AsciiStrings}). {@code status} 400 is a target
     * that never maps to a file; otherwise {@code entry} is the file, and {@code dir} the directory whose index it
     * is, if it is one. A route whose entry left the cache is a miss.
     */
    record Route(int status, Entry entry, Entry dir) {
    }

    /**
     * One open file shared by responses. Owns {@link #master}; closes it when it is detached from its entry
     * (evicted, expired, the file changed, the cache closed) and no response holds a reference.
     */
    final class Descriptor implements Closeable {
        private final FileRef master;
        private final String name;
        private final NativeFile handle;
        /** Makes a response's channel over the master's when Java code reads the file (copies, thread reads). */
        private final NativeFile.ChannelOpener channelOpener;
        /** A file buf over the master, copied into a response's own buf when it sends from the master itself. */
        private final Buf template;
        /** Responses whose FileRef over this descriptor is not closed yet, or that send from the master. */
        private int refs;
        private boolean detached;
        private boolean closed;

        Descriptor(FileRef master, String name) {
            this.master = master;
            this.name = name;
            NativeFile h = NativeFile.of(master);
            this.handle = h != null ? h : JavaOpened.FILE;
            this.channelOpener = () -> new SharedChannel(master.channel());
            this.template = Buf.ofFile(master, 0, 0);
        }

        /**
         * Points {@code body} at {@code [from, to)} of the shared file (the master ref itself: nothing is made per
         * response); the response holds a reference until it calls {@link #close()}.
         */
        Buf body(Buf body, long from, long to) {
            return body.copyFrom(template).filePos(from).fileLast(to);
        }

        FileRef share() {
            refs++;
            return NativeFile.fileRef(name, handle, this, channelOpener);
        }

        /** A response's FileRef is closed: one reference less. */
        @Override
        public void close() {
            refs--;
            closeIfUnused();
        }

        void detach() {
            detached = true;
            closeIfUnused();
        }

        int refs() {
            return refs;
        }

        private void closeIfUnused() {
            if (refs > 0 || !detached || closed) {
                return;
            }
            closed = true;
            descriptors--;
            try {
                master.close();
            } catch (IOException e) {
                log.warn("open file cache: {}", e.getMessage());
            }
        }
    }

    /**
     * A small file's bytes in native memory of their own (an explicit shared arena: the cache may be closed from
     * another thread than its loop's once the loop stopped), sent by responses as a read-only memory buf. Freed
     * when it is detached from its entry (evicted for room, the entry gone, the file changed, the cache closed) and
     * no response still sends from it: never left to the garbage collector. Counted against the memory bound until
     * freed.
     */
    final class Content implements Closeable {
        private final Arena arena;
        private final MemorySegment bytes;
        private final Buf template;
        /** Responses sending from it now. */
        private int refs;
        private boolean detached;
        private boolean freed;

        Content(Arena arena, MemorySegment bytes) {
            this.arena = arena;
            this.bytes = bytes;
            this.template = Buf.wrap(bytes);
        }

        /** Points {@code body} at bytes {@code [from, to)} of the content (nothing is made per response). */
        Buf body(Buf body, long from, long to) {
            return body.copyFrom(template).pos(from).last(to);
        }

        /** A response is done with it. */
        @Override
        public void close() {
            refs--;
            freeIfUnused();
        }

        void detach() {
            detached = true;
            freeIfUnused();
        }

        MemorySegment bytes() {
            return bytes;
        }

        private void freeIfUnused() {
            if (refs > 0 || !detached || freed) {
                return;
            }
            freed = true;
            memoryBytes = memoryBytes - bytes.byteSize();
            memoryFiles = memoryFiles - 1;
            arena.close();
        }
    }

    /** The handle of a file Java code opened ({@link FileRef#open}): it has no descriptor for a platform. */
    private enum JavaOpened implements NativeFile {
        FILE
    }

    private final FileLookup lookup;
    private final Opener opener;
    private final int max;
    private final long inactiveMillis;
    private final long validMillis;
    private final int minUses;
    private final boolean errors;
    /** Bytes of contents kept in memory at most ({@code 0}: none are). */
    private final long memoryBound;
    private final long memoryMaxFile;
    private final HashMap<Path, Entry> map = new HashMap<>();
    /** Request targets to entries: at most {@link #maxRoutes}, then all are dropped and made again. */
    private final HashMap<String, Route> routes = new HashMap<>();
    private final int maxRoutes;
    /** Most recently used first. */
    private Entry head;
    private Entry tail;
    private boolean closed;

    // counters: written by the loop thread only, read by the status page
    private volatile int entries;
    private volatile int descriptors;
    private volatile long hits;
    private volatile long misses;
    private volatile long evictions;
    private volatile long expirations;
    private volatile long invalidations;
    private volatile long memoryBytes;
    private volatile int memoryFiles;
    private volatile long memoryHits;
    private volatile long memoryEvictions;

    OpenFileCache(FileLookup lookup, Opener opener, StaticConfig.FileCache settings) {
        this.lookup = Objects.requireNonNull(lookup, "lookup");
        this.opener = Objects.requireNonNull(opener, "opener");
        if (settings.max() <= 0) {
            throw new IllegalArgumentException("open file cache max <= 0: " + settings.max());
        }
        this.max = settings.max();
        this.inactiveMillis = settings.inactiveMillis();
        this.validMillis = settings.validMillis();
        this.minUses = settings.minUses();
        this.errors = settings.errors();
        this.maxRoutes = (int) Math.min(2L * max, 1 << 20);
        this.memoryBound = settings.memory();
        this.memoryMaxFile = settings.memoryMaxFile();
    }

    /**
     * The result for {@code path} at {@code now} (the worker's clock): from the cache while it is younger than
     * {@code valid}, else from the file system (nginx's ngx_open_cached_file).
     */
    Entry lookup(Path path, long now) {
        expireInactive(now);
        Entry e = map.get(path);
        if (e == null) {
            misses = misses + 1;
            e = new Entry(path);
            e.found = lookup.keep(path, now);
            e.fileKey = fileKey(e.found);
            e.validated = now;
            e.accessed = now;
            e.uses = 1;
            if (e.found.status() == 0 || errors) {
                insert(e);
            }
            return e;
        }
        touch(e, now);
        return e;
    }

    /** The route kept for {@code target}, or {@code null}: see {@link Route}. */
    Route route(String target) {
        return routes.get(target);
    }

    /** Keeps the way from {@code target} to what the slow path found for it. */
    void route(String target, Route r) {
        if (closed) {
            return;
        }
        if (routes.size() >= maxRoutes && !routes.containsKey(target)) {
            routes.clear(); // bounded: the next requests make their routes again
        }
        routes.put(target, r);
    }

    /**
     * A request for the cached entry {@code e} through a route: as {@link #lookup} on a hit, without the map of
     * paths (counted, moved to the head, revalidated after valid). The caller checked {@link Entry#cached()}.
     */
    void hit(Entry e, long now) {
        expireInactive(now);
        if (e.cached) {
            touch(e, now); // else it expired just now: the caller finds it out of the cache
        }
    }

    private void touch(Entry e, long now) {
        hits = hits + 1;
        e.accessed = now;
        e.uses++;
        moveToHead(e);
        if (now - e.validated >= validMillis) {
            revalidate(e, now);
        }
    }

    /**
     * A reference to {@code e}'s shared descriptor for a response that sends from its master ref itself (no thread
     * pool reads the file for it: a {@link FileRef} holds one such read at a time), or {@code null} when the entry
     * does not share one yet ({@link #open} then). Release it with {@link Descriptor#close()}.
     *
     * @throws IOException naming the file and the error, from the opener
     */
    Descriptor acquire(Entry e) throws IOException {
        if (!e.cached || e.uses < minUses || closed) {
            return null;
        }
        if (e.fd == null) {
            Path file = e.found.file();
            e.fd = new Descriptor(opener.open(file), file.toString());
            descriptors++;
        }
        e.fd.refs++;
        return e.fd;
    }

    /**
     * A file ref for the response to {@code e} (a regular file): over the shared descriptor once the path was
     * asked for {@code min_uses} times, else of the response's own. Closing it releases what it holds.
     *
     * @throws IOException naming the file and the error, from the opener
     */
    FileRef open(Entry e) throws IOException {
        Path file = e.found.file();
        if (!e.cached || e.uses < minUses || closed) {
            return opener.open(file);
        }
        if (e.fd == null) {
            e.fd = new Descriptor(opener.open(file), file.toString());
            descriptors++;
        }
        return e.fd.share();
    }

    /**
     * The content of {@code e} in memory for a response (released with {@link Content#close()}), read now if the
     * file qualifies ({@code --open-file-cache-memory} on, a regular file of at most the per-file limit, asked for
     * {@code min_uses} times, room within the bound after dropping the least recently used contents); or
     * {@code null}: the response sends from the descriptor.
     */
    Content content(Entry e) {
        if (memoryBound <= 0 || !e.cached || e.uses < minUses || closed) {
            return null;
        }
        Content ct = e.content;
        if (ct == null) {
            FileLookup.Found f = e.found;
            if (e.noContent || f.status() != 0 || !f.attrs().isRegularFile()) {
                return null;
            }
            long size = f.attrs().size();
            if (size == 0 || size > memoryMaxFile || !makeRoom(size, e)) {
                return null;
            }
            ct = read(f.file(), size);
            if (ct == null) {
                e.noContent = true;
                return null;
            }
            e.content = ct;
        }
        memoryHits = memoryHits + 1;
        ct.refs++;
        return ct;
    }

    /** Drops the least recently used contents (not {@code keep}'s) until {@code size} more bytes fit the bound. */
    private boolean makeRoom(long size, Entry keep) {
        for (Entry x = tail; x != null && memoryBytes + size > memoryBound; x = x.prev) {
            if (x != keep && x.content != null) {
                memoryEvictions = memoryEvictions + 1;
                detachContent(x);
            }
        }
        return memoryBytes + size <= memoryBound;
    }

    /** The file's {@code size} bytes in memory of their own, or {@code null} if it now has another size. */
    private Content read(Path file, long size) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment bytes = arena.allocate(size, 64);
            ByteBuffer b = bytes.asByteBuffer();
            while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
                // positional reads until the end
            }
            if (b.hasRemaining() || ch.size() != size) {
                arena.close(); // changed since its stat: the descriptor serves it until it is looked at again
                return null;
            }
            memoryBytes = memoryBytes + size;
            memoryFiles = memoryFiles + 1;
            return new Content(arena, bytes);
        } catch (IOException e) {
            arena.close();
            log.debug("open file cache: reading {} into memory: {}", file, e.getMessage());
            return null;
        }
    }

    /** Closes every descriptor no response holds; the others close when their last response is done. */
    void close() {
        closed = true;
        for (Entry e = head; e != null; e = e.next) {
            detachDescriptor(e);
            detachContent(e);
        }
        map.clear();
        routes.clear();
        head = null;
        tail = null;
        entries = 0;
    }

    // the status page's counters
    int entries() {
        return entries;
    }

    int descriptors() {
        return descriptors;
    }

    long hits() {
        return hits;
    }

    long misses() {
        return misses;
    }

    long evictions() {
        return evictions;
    }

    long expirations() {
        return expirations;
    }

    long invalidations() {
        return invalidations;
    }

    long memoryBytes() {
        return memoryBytes;
    }

    int memoryFiles() {
        return memoryFiles;
    }

    long memoryHits() {
        return memoryHits;
    }

    long memoryEvictions() {
        return memoryEvictions;
    }

    private void revalidate(Entry e, long now) {
        FileLookup.Found f = lookup.keep(e.key, now);
        Object key = fileKey(f);
        FileLookup.Found old = e.found;
        boolean same = f.status() == old.status() && Objects.equals(f.file(), old.file())
                && Objects.equals(key, e.fileKey)
                && (f.status() != 0 || f.attrs().size() == old.attrs().size()
                        && f.attrs().lastModifiedTime().equals(old.attrs().lastModifiedTime()));
        e.validated = now;
        e.found = f;
        e.fileKey = key;
        e.noContent = false;
        if (!same) {
            e.meta = null;
            detachContent(e);
            // nginx's ngx_open_cached_file: another file (or none) now; responses still sending finish from the
            // descriptor they hold, the next one opens the new file
            invalidations = invalidations + 1;
            detachDescriptor(e);
            e.uses = 1;
        }
        if (f.status() != 0 && !errors) {
            remove(e);
        }
    }

    private static Object fileKey(FileLookup.Found f) {
        return f.status() == 0 ? f.attrs().fileKey() : null;
    }

    private void insert(Entry e) {
        if (map.size() >= max) {
            evictions = evictions + 1;
            remove(tail); // nginx's ngx_expire_old_cached_files(cache, 1, log): the least recently used goes
        }
        map.put(e.key, e);
        e.cached = true;
        e.next = head;
        if (head != null) {
            head.prev = e;
        }
        head = e;
        if (tail == null) {
            tail = e;
        }
        entries = map.size();
    }

    private void expireInactive(long now) {
        for (int i = 0; i < EXPIRE_PER_LOOKUP && tail != null && now - tail.accessed >= inactiveMillis; i++) {
            expirations = expirations + 1;
            remove(tail);
        }
    }

    private void remove(Entry e) {
        map.remove(e.key);
        unlink(e);
        e.cached = false;
        detachDescriptor(e);
        detachContent(e);
        entries = map.size();
    }

    private void detachDescriptor(Entry e) {
        Descriptor d = e.fd;
        if (d != null) {
            e.fd = null;
            d.detach();
        }
    }

    private void detachContent(Entry e) {
        Content ct = e.content;
        if (ct != null) {
            e.content = null;
            ct.detach();
        }
    }

    private void moveToHead(Entry e) {
        if (head == e) {
            return;
        }
        unlink(e);
        e.next = head;
        head.prev = e;
        head = e;
    }

    private void unlink(Entry e) {
        if (e.prev != null) {
            e.prev.next = e.next;
        } else if (head == e) {
            head = e.next;
        }
        if (e.next != null) {
            e.next.prev = e.prev;
        } else if (tail == e) {
            tail = e.prev;
        }
        e.prev = null;
        e.next = null;
    }

    /** The entry's content in memory, for tests. */
    static Content memoryContent(Entry e) {
        return e.content;
    }

    /** The entry's shared descriptor, for tests. */
    static Descriptor descriptor(Entry e) {
        return e.fd;
    }

    /**
     * A response's view of the shared channel: reads and transfers go to it, closing it leaves it open (the
     * descriptor owns it). Only positional access is meant: the shared position is not the response's.
     */
    private static final class SharedChannel extends FileChannel {
        private final FileChannel ch;

        SharedChannel(FileChannel ch) {
            this.ch = ch;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return ch.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return ch.read(dsts, offset, length);
        }

        @Override
        public int write(ByteBuffer src) {
            throw new NonWritableChannelException();
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            throw new NonWritableChannelException();
        }

        @Override
        public long position() throws IOException {
            return ch.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            ch.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return ch.size();
        }

        @Override
        public FileChannel truncate(long size) {
            throw new NonWritableChannelException();
        }

        @Override
        public void force(boolean metaData) throws IOException {
            ch.force(metaData);
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return ch.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) {
            throw new NonWritableChannelException();
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return ch.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) {
            throw new NonWritableChannelException();
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return ch.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return ch.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return ch.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() {
            // the descriptor owns the channel: a response lets go of its view only
        }
    }
}
