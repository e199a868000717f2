package io.sendchain.pipe;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FreeBusy;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.loop.Timers;
import io.sendchain.internal.BufAccess;
import java.util.Objects;

/**
 * The owner's side of an {@link EventPipe}: set up a response ({@link #input}, {@link #preread}, where raw bufs and
 * the temp file come from), read its outcome (the upstream and downstream flags, bytes read and spilled), reset it
 * for the next response and close it. Behind them are the pipe's fields, nginx's {@code ngx_event_pipe_t} (declared
 * in {@code ngx_event_pipe.h}), and what its input filter does with them; {@link EventPipe}, the only subclass, runs
 * the functions of {@code ngx_event_pipe.c} on them. Only {@link EventPipe} extends it.
 */
public abstract sealed class PipeState implements AutoCloseable permits EventPipe {

    final Pool pool;
    final Timers timers;
    final PipeSettings s;
    /** Where raw bufs come from. */
    final RawBufs rawBufs;
    /** The raw bufs free to read into, and the shadows that keep the others out ({@code p->free_raw_bufs}). */
    final FreeRawBufs freeRawBufs;
    final TempFileSpill tempFile;
    /** What the input filter sees of the pipe. */
    final PipeInput input = new Input();
    Connection upstream;
    Connection downstream;
    InputFilter inputFilter = CopyInputFilter.INSTANCE;

    // one response's state
    /** Shadow bufs the input filter made, not yet passed on or spilled; {@code inTail} is its last link. */
    Chain in;
    Chain inTail;
    /** Temp-file bufs (and shadows of an earlier spill), to pass on before {@link #in}. */
    Chain out;
    /** The pipe's buf headers passed on and not yet sent (busy), and sent ones to reuse (free). */
    final FreeBusy lists = new FreeBusy();
    /** Marks the pipe's own buf headers (shadows, temp-file bufs), which come back to {@link #lists}' free list. */
    final Buf.Tag tag = lists.tag();
    Chain prereadBufs;
    /** {@link #headersMade()}. */
    private int headersMade;
    long prereadSize;
    /** Raw bufs handed to the input filter, numbered for the debug log. */
    int num;
    /** Bytes of response data still expected, {@code -1}: unknown. */
    long length = -1;
    long readLength;
    /** When the response started, for the rate limit. */
    long startMillis;
    boolean read;
    /** Every raw buf is taken and the downstream can take data: write before reading on. */
    boolean upstreamBlocked;
    boolean upstreamEof;
    boolean upstreamError;
    boolean upstreamDone;
    boolean downstreamDone;
    boolean downstreamError;

    PipeState(Pool pool, Connection upstream, Connection downstream, Timers timers, PipeSettings settings) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.upstream = Objects.requireNonNull(upstream, "upstream");
        this.downstream = Objects.requireNonNull(downstream, "downstream");
        this.timers = Objects.requireNonNull(timers, "timers");
        this.s = Objects.requireNonNull(settings, "settings");
        this.rawBufs = new RawBufs(pool, s.bufsNum(), s.bufsSize());
        this.freeRawBufs = new FreeRawBufs(pool);
        this.tempFile = new TempFileSpill(s);
        this.startMillis = timers.now();
    }

    private EventPipe self() {
        return (EventPipe) this; // sealed: the only subclass
    }

    // ---------------------------------------------------------------- the owner's side

    /** {@link #reset(Connection, Connection)} keeping the downstream. */
    EventPipe reset(Connection upstream) {
        return reset(upstream, downstream);
    }

    /** Takes raw bufs from {@code supply} and gives them back on {@link #close()}. */
    public EventPipe bufSupply(EventPipe.BufSupply supply) {
        rawBufs.supply(supply);
        return self();
    }

    /** Where the temp file comes from; without it the pipe never spills. */
    public EventPipe tempFiles(TempFiles factory) {
        tempFile.factory(factory);
        return self();
    }

    /**
     * This response's input: the filter that frames it ({@link InputFilter#copy()} unless set; the pipe calls its
     * {@link InputFilter#reset() reset} first) and the bytes of response data expected, {@code -1} when unknown
     * (read to the end); for a chunked body the least the message takes, nginx's 3.
     *
     * @throws IllegalArgumentException when {@code length < -1}
     */
    public EventPipe input(InputFilter filter, long length) {
        Objects.requireNonNull(filter, "filter").reset();
        inputFilter(filter);
        return length(length);
    }

    /** This response's input filter, as it is (not reset); {@link CopyInputFilter} unless set. */
    EventPipe inputFilter(InputFilter filter) {
        this.inputFilter = Objects.requireNonNull(filter, "filter");
        return self();
    }

    /** Bytes of response data still expected ({@code -1}: unknown, read to the end). */
    EventPipe length(long length) {
        if (length < -1) {
            throw new IllegalArgumentException("length < -1: " + length);
        }
        this.length = length;
        return self();
    }

    /**
     * Bytes already read with the response head: processed before anything is read.
     *
     * @throws IllegalArgumentException when the buf is bigger than the busy size (nginx:
     *                                  {@code proxy_busy_buffers_size >= proxy_buffer_size}): its shadows count
     *                                  with the whole buf, so they could never be passed on
     */
    public EventPipe preread(Buf buf) {
        long size = buf.size();
        if (size > 0 && buf.end() - buf.start() > s.busySize()) {
            throw new IllegalArgumentException("busy size (" + s.busySize()
                    + ") must be at least the preread buffer (" + (buf.end() - buf.start()) + ")");
        }
        FreeRawBufs.untie(buf); // a raw buf entering the pipe: no shadows of an earlier response
        if (size > 0) {
            prereadBufs = pool.allocLink().buf(buf).next(null);
            prereadSize = size;
        }
        return self();
    }

    /** Bytes of response data still expected, {@code -1}: unknown. */
    long length() {
        return length;
    }

    /** The upstream closed the connection (it may not have sent the whole response: see {@link #upstreamDone()}). */
    public boolean upstreamEof() {
        return upstreamEof;
    }

    /** Reading the upstream failed (what was read before is still passed on). */
    public boolean upstreamError() {
        return upstreamError;
    }

    /** The input filter saw the end of the response. */
    public boolean upstreamDone() {
        return upstreamDone;
    }

    /** The response is complete on the pipe's side: everything was passed to the output filter. */
    public boolean downstreamDone() {
        return downstreamDone;
    }

    /** Passing data to the output filter failed: the pipe drained its bufs, the owner closes the downstream. */
    public boolean downstreamError() {
        return downstreamError;
    }

    /** Bytes read from the upstream in this response (preread bytes included). */
    public long readLength() {
        return readLength;
    }

    /** Bytes spilled to the temp file so far (its current offset). */
    public long tempFileOffset() {
        return tempFile.offset();
    }

    /** Whether a temp file was made. */
    boolean spilled() {
        return tempFile.made();
    }

    /** Raw bufs allocated so far (never more than {@code bufs.num}). */
    int allocated() {
        return rawBufs.allocated();
    }

    // ---------------------------------------------------------------- the input filter's side

    /** What input filters see of the pipe: they append to {@code in}, read and set the length, end the response. */
    private final class Input implements PipeInput {
        @Override
        public Buf shadow(Buf raw, long pos, long last) {
            Chain cl = getFreeBuf();
            FreeRawBufs.shadow(cl.buf(), raw, pos, last, tag);
            if (inTail == null) {
                in = cl;
            } else {
                inTail.next(cl);
            }
            inTail = cl;
            return cl.buf();
        }

        @Override
        public long length() {
            return length;
        }

        @Override
        public void length(long remaining) {
            length = remaining;
        }

        @Override
        public boolean upstreamDone() {
            return upstreamDone;
        }

        @Override
        public void markUpstreamDone() {
            upstreamDone = true;
        }
    }

    /** nginx's ngx_chain_get_free_buf over the pipe's free list. */
    Chain getFreeBuf() {
        Chain cl = lists.takeFree();
        if (cl != null) {
            return cl;
        }
        headersMade++;
        return pool.allocLink().buf(new Buf()).next(null);
    }

    /** Buf headers the pipe has made since it was created (they are kept and reused response after response). */
    int headersMade() {
        return headersMade;
    }

    // ---------------------------------------------------------------- response after response

    /**
     * Makes the pipe ready for the next response, read from {@code upstream} and sent to {@code downstream} (the
     * same connection as before, or another); the previous response must be over
     * (everything the pipe passed on was sent, or the downstream is gone). Settings and the input filter are
     * kept; length, preread and counters start afresh; the temp file is closed; raw bufs go back to the
     * {@linkplain #bufSupply(EventPipe.BufSupply) supply} (without one, the pipe keeps them for the next response).
     * The pipe's buf headers and links are kept, so a pipe reused response after response allocates nothing.
     */
    public EventPipe reset(Connection upstream, Connection downstream) {
        this.upstream = Objects.requireNonNull(upstream, "upstream");
        this.downstream = Objects.requireNonNull(downstream, "downstream");
        rawBufs.giveBack();
        rawBufs.reset();
        tempFile.reset();
        freeRawBufs.reset();
        if (prereadBufs != null) {
            pool.freeLink(prereadBufs);
        }
        recycle(in);
        recycle(out);
        recycle(BufAccess.busy(lists));
        BufAccess.busy(lists, null);
        // bufs sent at the very end of the last response went to the free list still marked as the last shadow
        // of their raw buf (the pass that frees raw bufs did not run again); that raw buf has since gone back to
        // the supply or is the owner's head buffer, so the mark must not free it into this response's raw bufs;
        // nor may a stale temp-file window rewind this response's cyclic temp file
        FreeRawBufs.forget(BufAccess.free(lists));
        for (Chain cl = BufAccess.free(lists); cl != null; cl = cl.next()) {
            BufAccess.tempFile(cl.buf(), false);
            BufAccess.inFile(cl.buf(), false);
        }
        prereadBufs = null;
        in = null;
        inTail = null;
        out = null;
        prereadSize = 0;
        num = 0;
        length = -1;
        readLength = 0;
        startMillis = timers.now();
        read = false;
        upstreamBlocked = false;
        upstreamEof = false;
        upstreamError = false;
        upstreamDone = false;
        downstreamDone = false;
        downstreamError = false;
        return self();
    }

    /** Puts the pipe's own bufs of a chain on its free list, empty; other links go back to the pool. */
    private void recycle(Chain cl) {
        while (cl != null) {
            Chain next = cl.next();
            Buf b = cl.buf();
            if (b != null && BufAccess.tag(b) == tag) {
                BufAccess.recycled(b, false);
                b.pos(b.start()).last(b.start());
                cl.next(BufAccess.free(lists));
                BufAccess.free(lists, cl);
            } else {
                pool.freeLink(cl);
            }
            cl = next;
        }
    }

    /**
     * Closes the temp file, if any (it is already unlinked), and gives raw bufs back to the {@linkplain
     * #bufSupply(EventPipe.BufSupply) supply}. Call it once nothing the pipe passed on is still queued for sending.
     */
    @Override
    public void close() {
        rawBufs.giveBack();
        tempFile.close();
    }
}
