package io.sendchain.examples.http;

import io.sendchain.buf.FileRef;
import io.sendchain.spi.NativeFile;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
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
 *   lookup(path, now) ──miss──> FileLookup.stat (root and symlink checks) ──> entry at the head of the LRU list
 *        │                       (an error is kept only with errors on; past max the tail entry is evicted)
 *        ├─ hit, younger than valid ──> the cached result
 *        └─ hit, older than valid ───> FileLookup.stat again; another file (inode, size, mtime, real path) or an
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
        private Entry prev;
        private Entry next;

        Entry(Path key) {
            this.key = key;
        }

        FileLookup.Found found() {
            return found;
        }
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
        /** Responses whose FileRef over this descriptor is not closed yet. */
        private int refs;
        private boolean detached;
        private boolean closed;

        Descriptor(FileRef master, String name) {
            this.master = master;
            this.name = name;
            NativeFile h = NativeFile.of(master);
            this.handle = h != null ? h : JavaOpened.FILE;
            this.channelOpener = () -> new SharedChannel(master.channel());
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
    private final HashMap<Path, Entry> map = new HashMap<>();
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
            e.found = lookup.stat(path, now);
            e.fileKey = fileKey(e.found);
            e.validated = now;
            e.accessed = now;
            e.uses = 1;
            if (e.found.status() == 0 || errors) {
                insert(e);
            }
            return e;
        }
        hits = hits + 1;
        e.accessed = now;
        e.uses++;
        moveToHead(e);
        if (now - e.validated >= validMillis) {
            revalidate(e, now);
        }
        return e;
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

    /** Closes every descriptor no response holds; the others close when their last response is done. */
    void close() {
        closed = true;
        for (Entry e = head; e != null; e = e.next) {
            detachDescriptor(e);
        }
        map.clear();
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

    private void revalidate(Entry e, long now) {
        FileLookup.Found f = lookup.stat(e.key, now);
        Object key = fileKey(f);
        FileLookup.Found old = e.found;
        boolean same = f.status() == old.status() && Objects.equals(f.file(), old.file())
                && Objects.equals(key, e.fileKey)
                && (f.status() != 0 || f.attrs().size() == old.attrs().size()
                        && f.attrs().lastModifiedTime().equals(old.attrs().lastModifiedTime()));
        e.validated = now;
        e.found = f;
        e.fileKey = key;
        if (!same) {
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
        entries = map.size();
    }

    private void detachDescriptor(Entry e) {
        Descriptor d = e.fd;
        if (d != null) {
            e.fd = null;
            d.detach();
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
