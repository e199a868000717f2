package io.sendchain.output;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FreeBusy;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.internal.BufAccess;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * nginx's output chain ({@code ngx_output_chain} and {@code ngx_output_chain_ctx_t}): passes bufs to the next
 * filter as they are when it can, and copies them into a bounded set of its own bufs when it must.
 *
 * <p>A buf goes through <em>as is</em> when it is special, or when its data is where the next filter wants
 * it: a file buf needs {@link #sendfile(boolean) sendfile} (and no direct I/O), a read-only memory buf must
 * not be {@link #needInTemp(boolean) changed}, a file-only buf must not be {@link #needInMemory(boolean) read}.
 * Otherwise its bytes are copied into one of at most {@link #bufs(int, long) bufs.num} bufs of
 * {@code bufs.size} bytes, by memory copy or by a positional file read, possibly through an asynchronous
 * {@link FileReadHook}. Copies stay with the context: after each call to the next filter,
 * {@link FreeBusy#update} moves the ones that were fully sent back to the free list.
 *
 * <pre>
 *   output(in) --add-copy--> in ──┬─ as is ─────────────────────────────┐
 *                                 └─ copy into buf (free / new / aligned)┴─> out ──> next filter
 *                                                       ^                              |
 *                                 free &lt;── update-chains ── busy &lt;─────────────────────┘
 * </pre>
 *
 * <p>Not thread-safe: one context per response, used on its event loop. A pending asynchronous read
 * ({@link #aio()}) blocks the context until its owner clears the flag.
 */
public final class OutputChainContext {

    private static final Logger log = LoggerFactory.getLogger(OutputChainContext.class);

    /** Alignment of buffers for memory copies that carry no direct-I/O requirement. */
    private static final long PLAIN_ALIGNMENT = 64;

    private final Pool pool;
    private final OutputFilter next;
    private final FreeBusy lists = new FreeBusy();
    /** The mark on this context's copies, made by its own free/busy lists: update-chains recycles only those. */
    private final Buf.Tag tag = lists.tag();

    /** The copy being filled; at most one at a time. */
    private Buf buf;
    /** Queued input, in order. */
    private Chain in;
    /** Copies made so far, never more than {@link #bufsNum}. */
    private int allocated;

    private boolean sendfile;
    private boolean needInMemory;
    private boolean needInTemp;
    /** Set once a direct-I/O file buf was seen: later copies are aligned. */
    private boolean directio;
    /** The current copy is unaligned: read it through the file's unaligned channel. */
    private boolean unaligned;
    /** An asynchronous read is in flight. */
    private boolean aio;
    private long alignment = 512;
    private int bufsNum = 2;
    private long bufsSize = 32 * 1024;
    private long sendfileLimit;
    private FileReadHook readHook;
    private Runnable readDone;

    /**
     * A context that tags its copies with a tag of its own ({@link #tag()}), so update-chains recycles only
     * those.
     *
     * @param pool memory for the copies and links
     * @param next the filter the output goes to (a {@link ChainWriter}, or a user filter in front of one)
     * @throws IllegalArgumentException if {@code pool} or {@code next} is {@code null}
     */
    public OutputChainContext(Pool pool, OutputFilter next) {
        if (pool == null || next == null) {
            throw new IllegalArgumentException("pool and next must not be null: pool=" + pool + " next=" + next);
        }
        this.pool = pool;
        this.next = next;
    }

    // ---------------------------------------------------------------- configuration

    /** File bufs may go as is (the send chain can use sendfile); off: file data is read into copies. */
    public OutputChainContext sendfile(boolean on) {
        this.sendfile = on;
        return this;
    }

    /** The next filter reads the bytes: file-only bufs are read into memory. */
    public OutputChainContext needInMemory(boolean on) {
        this.needInMemory = on;
        return this;
    }

    /** The next filter changes the bytes: read-only and mapped memory is copied. */
    public OutputChainContext needInTemp(boolean on) {
        this.needInTemp = on;
        return this;
    }

    /**
     * At most {@code num} copies of {@code size} bytes each: nginx's {@code output_buffers}.
     *
     * @throws IllegalArgumentException if {@code num < 1} or {@code size < 1}
     */
    public OutputChainContext bufs(int num, long size) {
        if (num < 1) {
            throw new IllegalArgumentException("bufs.num < 1: " + num);
        }
        if (size < 1) {
            throw new IllegalArgumentException("bufs.size < 1: " + size);
        }
        this.bufsNum = num;
        this.bufsSize = size;
        return this;
    }

    /** Sector alignment for direct-I/O reads: nginx's {@code directio_alignment} (default 512). */
    public OutputChainContext alignment(long alignment) {
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0) {
            throw new IllegalArgumentException("alignment must be a power of two: " + alignment);
        }
        this.alignment = alignment;
        return this;
    }

    /**
     * Offsets at or beyond {@code limit} are never sent with sendfile, and a file buf that crosses it is
     * split there (nginx's compile-time {@code NGX_SENDFILE_LIMIT}). {@code 0}, the default, means none.
     */
    OutputChainContext sendfileLimit(long limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("sendfile limit < 0: " + limit);
        }
        this.sendfileLimit = limit;
        return this;
    }

    /**
     * Reads file bytes through {@code hook} (for example {@link FileReadHook#threadPool}) instead of on the
     * calling thread; {@code done} runs on the hook's thread when a started read finishes. {@code null}
     * restores synchronous reads.
     */
    public OutputChainContext readHook(FileReadHook hook, Runnable done) {
        if (hook != null && done == null) {
            throw new IllegalArgumentException("a read hook needs a done callback: hook=" + hook + " done=null");
        }
        this.readHook = hook;
        this.readDone = done;
        return this;
    }

    /** An asynchronous read is in flight: {@link #output} returns AGAIN until the owner clears this. */
    public boolean aio() {
        return aio;
    }

    /** Set by the owner when it blocks the context on its own asynchronous work; cleared when that is done. */
    public OutputChainContext aio(boolean on) {
        this.aio = on;
        return this;
    }

    boolean sendfile() {
        return sendfile;
    }

    /** The tag on this context's own copies: a buf with another tag is never recycled by it. */
    Buf.Tag tag() {
        return tag;
    }

    /** Copies allocated so far. */
    int allocated() {
        return allocated;
    }

    /** Queued input not yet passed on. */
    Chain pending() {
        return in;
    }

    /** The context's free and busy lists. */
    FreeBusy lists() {
        return lists;
    }

    /**
     * Prepares the context for the next response on the same connection, so a keep-alive connection reuses its
     * copies instead of allocating new ones (nginx makes a context per request). The previous output must be
     * finished. Copies that are not full-sized ({@code bufs.size}) are dropped: a small copy made for a small last
     * buf would otherwise come back from the free list for every later copy.
     *
     * @throws IllegalStateException if input is queued, copies are still busy, or a read is in flight
     */
    public void reset() {
        if (in != null || BufAccess.busy(lists) != null || aio) {
            throw new IllegalStateException("output still in progress: queued=" + (in != null) + " busy="
                    + (BufAccess.busy(lists) != null) + " aio=" + aio);
        }
        if (buf != null) {
            if (BufAccess.tag(buf) == tag) {
                allocated--;
            }
            buf = null;
        }
        Chain prev = null;
        for (Chain cl = BufAccess.free(lists); cl != null; ) {
            Chain nextLink = cl.next();
            Buf b = cl.buf();
            if (!BufAccess.recycled(b) || b.end() - b.start() != bufsSize) {
                if (prev == null) {
                    BufAccess.free(lists, nextLink);
                } else {
                    prev.next(nextLink);
                }
                pool.freeLink(cl);
                allocated--;
            } else {
                prev = cl;
            }
            cl = nextLink;
        }
        directio = false;
        unaligned = false;
    }

    /**
     * Ends the response in whatever state it is, finished or not (the client went away, the response failed):
     * drops the queued input and gives the memory of the context's copies back to the pool
     * ({@link Pool#free(Buf)}), so an idle context holds none. Full-sized copies keep their buf headers on the
     * free list, without memory; they get fresh memory when next used, so a context reused response after response
     * makes no new bufs. Settings are kept; links go back to the pool. Whatever the next filter still queues must
     * be dropped by its owner too ({@link ChainWriter#abandon()}): it may point into the memory given back here.
     *
     * @throws IllegalStateException if an asynchronous read is in flight: its thread still writes into a copy, so
     *         the owner must wait for the read to complete (and clear {@link #aio(boolean)}) first
     */
    public void abandon() {
        if (aio) {
            throw new IllegalStateException("cannot abandon the output while a read is in flight");
        }
        for (Chain cl = in; cl != null; ) {
            Chain nextLink = cl.next();
            pool.freeLink(cl);
            cl = nextLink;
        }
        in = null;
        Chain keep = null;
        for (Chain list : new Chain[] {BufAccess.busy(lists), BufAccess.free(lists)}) {
            for (Chain cl = list; cl != null; ) {
                Chain nextLink = cl.next();
                if (BufAccess.tag(cl.buf()) == tag && keepHeader(cl.buf())) {
                    cl.next(keep);
                    keep = cl;
                } else {
                    pool.freeLink(cl); // a buf of another owner in busy, or a copy that is not reused
                }
                cl = nextLink;
            }
        }
        BufAccess.busy(lists, null);
        BufAccess.free(lists, keep);
        if (buf != null) {
            if (BufAccess.tag(buf) != tag) {
                pool.free(buf); // the small unaligned copy of a direct-I/O file
            } else if (keepHeader(buf)) {
                BufAccess.free(lists, pool.allocLink().buf(buf).next(BufAccess.free(lists)));
            }
            buf = null;
        }
        allocated = 0;
        for (Chain cl = keep; cl != null; cl = cl.next()) {
            allocated++;
        }
        directio = false;
        unaligned = false;
    }

    /**
     * Gives a copy's memory back; {@code true} if its header is worth keeping (a full-sized recycled copy), so the
     * caller keeps it on the free list. Counts the copy out of {@link #allocated} either way.
     */
    private boolean keepHeader(Buf b) {
        boolean full = BufAccess.recycled(b) && b.end() - b.start() == bufsSize;
        pool.free(b);
        b.pos(0).last(0).lastBuf(false).lastInChain(false);
        BufAccess.inFile(b, false);
        BufAccess.file(b, null);
        BufAccess.flush(b, false);
        return full;
    }

    // ---------------------------------------------------------------- ngx_output_chain

    /**
     * Queues {@code in} (may be {@code null}) and passes on as much as the copies and the next filter allow.
     *
     * @return the next filter's last status, or {@link Status#AGAIN} while input is queued or a read pending
     * @throws IOException for a failed or short file read, or a failure downstream
     * @throws IllegalArgumentException for a buf whose size is negative (misuse), naming it
     */
    public Status output(Chain in) throws IOException {
        if (this.in == null && BufAccess.busy(lists) == null && !aio) {
            // the short path: nothing queued and nothing in flight, and the incoming chain is empty or a
            // single buf that needs no copy
            if (in == null) {
                return next.filter(null);
            }
            if (in.next() == null && !crossesSendfileLimit(requireWellFormed(in.buf())) && asIs(in.buf())) {
                return next.filter(in);
            }
        }

        if (in != null) {
            addCopy(in);
        }

        Chain out = null;
        Chain outTail = null;
        Status last = null; // nginx's NGX_NONE: the next filter was not called yet

        for (;;) {
            if (aio) {
                return Status.AGAIN;
            }

            while (this.in != null) {
                Buf b = this.in.buf();
                long bsize = b.size();

                if (bsize == 0 && !b.special()) {
                    log.warn("zero size buf in output {}", b);
                    Chain cl = this.in;
                    this.in = cl.next();
                    pool.freeLink(cl);
                    continue;
                }
                if (bsize < 0) {
                    throw new IllegalArgumentException("negative size buf in output " + b);
                }

                if (asIs(b)) {
                    Chain cl = this.in;
                    this.in = cl.next();
                    cl.next(null);
                    if (outTail == null) {
                        out = cl;
                    } else {
                        outTail.next(cl);
                    }
                    outTail = cl;
                    continue;
                }

                if (buf == null && !alignFileBuf(bsize)) {
                    Chain cl = lists.takeFree();
                    if (cl != null) {
                        buf = cl.buf();
                        pool.freeLink(cl);
                        if (buf.segment() == null) {
                            // a header kept by abandon(): its memory went back to the loop with the last response
                            BufAccess.tempBuf(pool, buf, bufsSize, directio ? alignment : PLAIN_ALIGNMENT);
                        }
                    } else if (out != null || allocated == bufsNum) {
                        // no copy to fill: send what we have, or wait for a copy to come back
                        break;
                    } else {
                        getBuf(bsize);
                    }
                }

                if (copyBuf() == Status.AGAIN) {
                    if (out != null) {
                        break;
                    }
                    return Status.AGAIN;
                }

                if (this.in.buf().size() == 0) {
                    // the source is used up; nginx leaves this link in the request pool, we reuse it
                    Chain done = this.in;
                    this.in = done.next();
                    pool.freeLink(done);
                }

                Chain cl = pool.allocLink();
                cl.buf(buf);
                cl.next(null);
                if (outTail == null) {
                    out = cl;
                } else {
                    outTail.next(cl);
                }
                outTail = cl;
                buf = null;
            }

            if (out == null && last != null) {
                return this.in != null ? Status.AGAIN : last;
            }

            last = next.filter(out);
            if (last == Status.DONE) {
                return last;
            }

            lists.update(pool, out);
            out = null;
            outTail = null;
        }
    }

    /** Refuses links the pipeline cannot even describe: no buf, or a file buf without a file. */
    private static Buf requireWellFormed(Buf b) {
        if (b == null) {
            throw new IllegalArgumentException("chain link without a buf");
        }
        if (b.inFile() && b.file() == null) {
            throw new IllegalArgumentException("file buf without a file: " + b);
        }
        return b;
    }

    private boolean crossesSendfileLimit(Buf b) {
        return sendfileLimit > 0 && b.inFile() && b.fileLast() > sendfileLimit;
    }

    /** nginx's {@code ngx_output_chain_as_is}: may {@code b} go to the next filter without a copy? */
    private boolean asIs(Buf b) {
        if (b.special()) {
            return true;
        }
        if (b.inFile() && BufAccess.directio(b.file())) {
            return false;
        }
        boolean sf = sendfile;
        if (sendfileLimit > 0 && b.inFile() && b.filePos() >= sendfileLimit) {
            sf = false;
        }
        if (!sf) {
            if (!b.inMemory()) {
                return false;
            }
            // the memory copy is what gets sent; the file window no longer matters
            BufAccess.inFile(b, false);
        }
        if (needInMemory && !b.inMemory()) {
            return false;
        }
        return !(needInTemp && (BufAccess.memory(b) || BufAccess.mmap(b)));
    }

    /** nginx's {@code ngx_output_chain_add_copy}: appends links for {@code chain}'s bufs to the queue. */
    private void addCopy(Chain chain) {
        Chain tail = Chain.tail(this.in);
        while (chain != null) {
            Buf b = requireWellFormed(chain.buf());
            Chain cl = pool.allocLink();
            if (sendfileLimit > 0 && b.inFile() && b.filePos() < sendfileLimit && b.fileLast() > sendfileLimit) {
                // split the buf at the sendfile limit; the tail stays in the input for the next turn
                Buf head = new Buf().copyFrom(b);
                if (b.inMemory()) {
                    b.pos(b.pos() + (sendfileLimit - b.filePos()));
                    head.last(b.pos());
                }
                b.filePos(sendfileLimit);
                head.fileLast(sendfileLimit);
                cl.buf(head);
            } else {
                cl.buf(b);
                chain = chain.next();
            }
            cl.next(null);
            if (tail == null) {
                this.in = cl;
            } else {
                tail.next(cl);
            }
            tail = cl;
        }
    }

    /**
     * nginx's {@code ngx_output_chain_align_file_buf}: for a direct-I/O file, makes a small unaligned copy
     * that reads up to the next sector boundary (or a small whole buf), so later copies read aligned.
     *
     * @return {@code true} if it made {@link #buf}, {@code false} (nginx's DECLINED) otherwise
     */
    private boolean alignFileBuf(long bsize) {
        Buf src = this.in.buf();
        if (src.file() == null || !BufAccess.directio(src.file())) {
            return false;
        }
        directio = true;
        long size = src.filePos() - (src.filePos() & ~(alignment - 1));
        if (size == 0) {
            if (bsize >= bufsSize) {
                return false;
            }
            size = bsize;
        } else {
            size = alignment - size;
            if (size > bsize) {
                size = bsize;
            }
        }
        // untagged on purpose: this odd-sized copy must not be reused through the free list
        buf = pool.createTempBuf(size);
        unaligned = true;
        return true;
    }

    /** nginx's {@code ngx_output_chain_get_buf}: a new copy, sized for a small last buf when that fits. */
    private void getBuf(long bsize) {
        Buf src = this.in.buf();
        long size = bufsSize;
        boolean recycled = true;
        if (src.lastInChain()) {
            if (bsize < size) {
                // a small last buf, or the small last part of one
                size = bsize;
                recycled = false;
            } else if (!directio && bufsNum == 1 && bsize < size + size / 4) {
                // one copy only and a last buf under 1.25 of its size: make the copy exactly that big
                size = bsize;
                recycled = false;
            }
        }
        Buf b = BufAccess.createTempBuf(pool, size, directio ? alignment : PLAIN_ALIGNMENT);
        b.tag(tag);
        BufAccess.recycled(b, recycled);
        buf = b;
        allocated++;
    }

    /** nginx's {@code ngx_output_chain_copy_buf}: copies as much of the head of the input as fits. */
    private Status copyBuf() throws IOException {
        Buf src = this.in.buf();
        Buf dst = buf;
        long size = Math.min(src.size(), dst.end() - dst.pos());
        boolean sf = sendfile && !directio;
        if (sendfileLimit > 0 && src.inFile() && src.filePos() >= sendfileLimit) {
            sf = false;
        }

        if (src.inMemory()) {
            MemorySegment.copy(src.segment(), src.pos(), dst.segment(), dst.pos(), size);
            src.pos(src.pos() + size);
            dst.last(dst.last() + size);
            if (src.inFile()) {
                if (sf) {
                    BufAccess.inFile(dst, true);
                    BufAccess.file(dst, src.file());
                    dst.fileLast(src.filePos() + size).filePos(src.filePos());
                } else {
                    BufAccess.inFile(dst, false);
                }
                src.filePos(src.filePos() + size);
            } else {
                BufAccess.inFile(dst, false);
            }
            copyEndFlags(src, dst, src.pos() == src.last());
            return Status.OK;
        }

        FileChannel ch = unaligned ? BufAccess.unalignedChannel(src.file()) : src.file().channel();
        long n;
        if (readHook != null) {
            n = readHook.read(src.file(), ch, dst, src.filePos(), size, readDone);
            if (n == Connection.AGAIN) {
                aio = true;
                return Status.AGAIN;
            }
        } else {
            n = FileReads.readFully(src.file(), ch, dst.nioView(), dst.pos(), src.filePos(), size);
        }
        unaligned = false;
        if (n != size) {
            throw new IOException("read only " + n + " of " + size + " bytes from \"" + src.file() + "\"");
        }
        dst.last(dst.last() + n);
        if (sf) {
            BufAccess.inFile(dst, true);
            BufAccess.file(dst, src.file());
            dst.fileLast(src.filePos() + n).filePos(src.filePos());
        } else {
            BufAccess.inFile(dst, false);
        }
        src.filePos(src.filePos() + n);
        copyEndFlags(src, dst, src.filePos() == src.fileLast());
        return Status.OK;
    }

    /**
     * The copy inherits the source's end-of-data flags only with its last byte; a recycled copy may carry
     * flags from its previous use, so they are cleared otherwise (current nginx).
     */
    private static void copyEndFlags(Buf src, Buf dst, boolean srcDone) {
        if (srcDone) {
            BufAccess.flush(dst, src.flush());
            dst.lastBuf(src.lastBuf()).lastInChain(src.lastInChain());
        } else {
            dst.lastBuf(false).lastInChain(false);
            BufAccess.flush(dst, false);
        }
    }
}
