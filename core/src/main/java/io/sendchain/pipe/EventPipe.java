package io.sendchain.pipe;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FileRef;
import io.sendchain.buf.FreeBusy;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.NetSocket;
import io.sendchain.loop.EventLoop;
import io.sendchain.output.OutputFilter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * nginx's event pipe ({@code ngx_event_pipe.c}): streams an upstream's response to a downstream without letting
 * either stall the other. It reads the upstream into at most {@code bufs.num} raw bufs, lets an
 * {@link InputFilter} turn them into shadow bufs (data only: no framing), hands those to the downstream's output
 * filter as the socket allows, and, when the downstream is slower than the upstream and every raw buf is taken,
 * spills shadow bufs to a temporary file (up to {@code maxTempFileSize}, written {@code tempFileWriteSize} at a
 * time) so their raw bufs can be read into again. The upstream read can be rate-limited.
 *
 * <pre>
 *   upstream ─recv chain─> free raw bufs ──input filter──> in ──(busy size allows)──> output filter ─> downstream
 *                              ^                            │                            │
 *                              │                            └──spill──> temp file ─> out ┘
 *                              └──── shadow sent: its raw buf is free again <── busy/free ┘
 * </pre>
 *
 * Current nginx behaviour: a receive error still processes what was read; data past the announced length is
 * dropped with a warning (in the input filter). Temporary files are created in a directory of the caller's
 * choice, unlinked as soon as they are open, and closed by {@link #close()}: nothing is ever left behind.
 *
 * <p>Not thread-safe: one pipe per proxied response, on its event loop.
 */
public final class EventPipe implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EventPipe.class);
    /** What a temp-file buf starts from (only read). */
    private static final Buf BLANK = new Buf();

    /** Turns a raw buf into shadow bufs of response data: nginx's {@code p->input_filter}. */
    @FunctionalInterface
    public interface InputFilter {
        /**
         * Processes {@code raw} (its {@code [pos, last)}): adds shadow bufs of its data to the pipe's input with
         * {@link EventPipe#shadow(Buf, long, long)}, then calls {@link EventPipe#finishRaw(Buf)}.
         *
         * @throws IOException if the upstream's framing is malformed (the pipe aborts)
         */
        void process(EventPipe p, Buf raw) throws IOException;
    }

    /** Creates the temporary file when the pipe first spills. */
    @FunctionalInterface
    public interface TempFiles {
        TempFile create() throws IOException;
    }

    /** Opens a file for sending (a platform's {@code openFile}, or {@link FileRef#open}). */
    @FunctionalInterface
    public interface FileOpener {
        FileRef open(java.nio.file.Path path) throws IOException;
    }

    /**
     * Temp files in {@code dir}: created with a unique name, opened for writing and (through {@code opener}) for
     * sending, then unlinked at once, so they vanish when closed or when the process dies.
     *
     * @throws IOException naming the directory when it is missing, not writable or full
     */
    public static TempFiles inDirectory(java.nio.file.Path dir, FileOpener opener) {
        return () -> {
            java.nio.file.Path path;
            try {
                path = java.nio.file.Files.createTempFile(dir, "sendchain-", ".tmp");
            } catch (IOException e) {
                throw new IOException("cannot create a temp file in " + dir + ": " + e, e);
            }
            java.nio.channels.FileChannel writer = null;
            try {
                writer = java.nio.channels.FileChannel.open(path, java.nio.file.StandardOpenOption.WRITE);
                FileRef ref = opener.open(path);
                return new TempFile(writer, ref);
            } catch (IOException | RuntimeException e) {
                if (writer != null) {
                    writer.close();
                }
                throw e;
            } finally {
                java.nio.file.Files.deleteIfExists(path);
            }
        };
    }

    /**
     * Where raw bufs come from and go back to. By default the pipe takes fresh memory from its pool (kept until
     * the pool closes); a server that runs one pipe per response hands out recycled bufs instead, so a
     * keep-alive connection does not grow with every response.
     */
    public interface BufSupply {
        /** An empty temporary buf of {@code size} bytes. */
        Buf take(long size);

        /** A buf taken earlier, no longer used by the pipe. */
        void give(Buf b);
    }

    /** A temporary file: a channel to write it and a ref to send it (already unlinked, so nothing is left behind). */
    public record TempFile(java.nio.channels.FileChannel writer, FileRef ref) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            try {
                writer.close();
            } finally {
                ref.close();
            }
        }
    }

    private final Pool pool;
    private final Object tag;
    private Connection upstream;
    private Connection downstream;
    private final EventLoop loop;
    private final OutputFilter outputFilter;
    private InputFilter inputFilter = EventPipe::copyInputFilter;
    private TempFiles tempFiles;
    private BufSupply bufSupply;
    /** Raw bufs taken from {@link #bufSupply}, given back on {@link #close()}. */
    private Buf[] taken;

    // configuration, nginx's names
    private int bufsNum = 8;
    private long bufsSize = 4096;
    /** -1 until set: then two buffers (nginx's default), at most all buffers minus one. */
    private long busySize = -1;
    private long maxTempFileSize = 1L << 30;
    private long tempFileWriteSize = 8192;
    private boolean cyclicTempFile;
    private boolean singleBuf;
    private long limitRate;
    private long readTimeout = 60_000;
    private long sendTimeout = 60_000;

    // state
    private Chain freeRawBufs;
    private Chain in;
    private Chain inTail;
    private Chain out;
    private final FreeBusy lists = new FreeBusy();
    private Chain prereadBufs;
    private long prereadSize;
    private Buf bufToFile;
    private TempFile tempFile;
    private long tempOffset;
    private int allocated;
    private int num;
    private long length = -1;
    private long readLength;
    private long startMillis;

    private boolean read;
    private boolean upstreamBlocked;
    private boolean upstreamEof;
    private boolean upstreamError;
    private boolean upstreamDone;
    private boolean downstreamDone;
    private boolean downstreamError;

    /**
     * @param outputFilter where response data goes (the downstream's output chain, chain writer, or a filter such
     *                     as a chunked encoder in front of them)
     */
    public EventPipe(Pool pool, Connection upstream, Connection downstream, EventLoop loop, OutputFilter outputFilter) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.upstream = Objects.requireNonNull(upstream, "upstream");
        this.downstream = Objects.requireNonNull(downstream, "downstream");
        this.loop = loop;
        this.outputFilter = Objects.requireNonNull(outputFilter, "outputFilter");
        this.tag = this;
        this.startMillis = loop != null ? loop.now() : System.currentTimeMillis();
    }

    // ---------------------------------------------------------------- configuration

    /** {@code proxy_buffers N SIZE}: raw bufs to read into; at least two, as nginx requires. */
    public EventPipe bufs(int num, long size) {
        if (num < 2 || size < 1) {
            throw new IllegalArgumentException("bufs must be at least 2 x 1 byte: " + num + " x " + size);
        }
        this.bufsNum = num;
        this.bufsSize = size;
        return this;
    }

    /** {@code proxy_busy_buffers_size}: most recycled bytes in flight to the downstream. */
    public EventPipe busySize(long size) {
        this.busySize = requireNonNegative("busy size", size);
        return this;
    }

    /** {@code proxy_max_temp_file_size}: 0 disables spilling. */
    public EventPipe maxTempFileSize(long size) {
        this.maxTempFileSize = requireNonNegative("max temp file size", size);
        return this;
    }

    /** {@code proxy_temp_file_write_size}: most bytes written to the temp file at once. */
    public EventPipe tempFileWriteSize(long size) {
        this.tempFileWriteSize = requireNonNegative("temp file write size", size);
        return this;
    }

    /** Reuse the temp file from offset 0 once everything in it has been sent. */
    public EventPipe cyclicTempFile(boolean on) {
        this.cyclicTempFile = on;
        return this;
    }

    /** Read into one raw buf at a time. */
    public EventPipe singleBuf(boolean on) {
        this.singleBuf = on;
        return this;
    }

    /** {@code proxy_limit_rate}: bytes per second read from the upstream, 0 for no limit. */
    public EventPipe limitRate(long bytesPerSecond) {
        this.limitRate = requireNonNegative("limit rate", bytesPerSecond);
        return this;
    }

    public EventPipe timeouts(long readMillis, long sendMillis) {
        this.readTimeout = requireNonNegative("read timeout", readMillis);
        this.sendTimeout = requireNonNegative("send timeout", sendMillis);
        return this;
    }

    public EventPipe inputFilter(InputFilter filter) {
        this.inputFilter = Objects.requireNonNull(filter, "filter");
        return this;
    }

    /** Takes raw bufs from {@code supply} and gives them back on {@link #close()}. */
    public EventPipe bufSupply(BufSupply supply) {
        this.bufSupply = supply;
        return this;
    }

    public EventPipe tempFiles(TempFiles factory) {
        this.tempFiles = factory;
        return this;
    }

    /** Bytes of response data still expected ({@code -1}: unknown, read to the end). */
    public EventPipe length(long length) {
        if (length < -1) {
            throw new IllegalArgumentException("length < -1: " + length);
        }
        this.length = length;
        return this;
    }

    /** Bytes already read with the response head: processed before anything is read. */
    public EventPipe preread(Buf buf) {
        long size = buf.size();
        buf.shadow(null).lastShadow(false); // a raw buf entering the pipe: no shadows of an earlier response
        if (size > 0) {
            prereadBufs = pool.allocLink().buf(buf).next(null);
            prereadSize = size;
        }
        return this;
    }

    private static long requireNonNegative(String what, long v) {
        if (v < 0) {
            throw new IllegalArgumentException(what + " < 0: " + v);
        }
        return v;
    }

    // ---------------------------------------------------------------- state, for the owner and input filters

    public long length() {
        return length;
    }

    public void setLength(long length) {
        this.length = length;
    }

    public boolean upstreamEof() {
        return upstreamEof;
    }

    public boolean upstreamError() {
        return upstreamError;
    }

    public boolean upstreamDone() {
        return upstreamDone;
    }

    /** The response is complete on the pipe's side: everything was passed to the output filter. */
    public boolean downstreamDone() {
        return downstreamDone;
    }

    public boolean downstreamError() {
        return downstreamError;
    }

    /** The upstream says it is done (an input filter saw the end of the body). */
    public void upstreamDone(boolean done) {
        this.upstreamDone = done;
    }

    public long readLength() {
        return readLength;
    }

    /** Bytes spilled to the temp file so far (its current offset). */
    public long tempFileOffset() {
        return tempOffset;
    }

    /** Whether a temp file was made. */
    public boolean spilled() {
        return tempFile != null;
    }

    /** Raw bufs allocated so far (never more than {@code bufs.num}). */
    public int allocated() {
        return allocated;
    }

    // ---------------------------------------------------------------- ngx_event_pipe

    /**
     * One turn of the pipe: writes to the downstream (if {@code doWrite}), reads the upstream, and repeats while
     * reading made progress; then arms the read and send timeouts. nginx's {@code ngx_event_pipe}.
     *
     * @throws IOException when the pipe must be aborted (a temp file failure, an input filter's framing error);
     *                     upstream and downstream errors are flags, not exceptions
     */
    public void run(boolean doWrite) throws IOException {
        if (busySize < 0) {
            busySize = Math.min(2 * bufsSize, (bufsNum - 1) * bufsSize);
        }
        // nginx refuses these configurations: with less, a recycled buf could never be sent; with more, every
        // raw buf could be busy without the busy size forcing a flush, and the pipe would stall
        if (busySize < bufsSize) {
            throw new IllegalStateException("busy size (" + busySize + ") must be at least one buffer ("
                    + bufsSize + ")");
        }
        if (busySize > (bufsNum - 1) * bufsSize) {
            throw new IllegalStateException("busy size (" + busySize + ") must be less than all buffers minus one ("
                    + (bufsNum - 1) * bufsSize + ")");
        }
        // the same for the preread buf (nginx: proxy_busy_buffers_size >= proxy_buffer_size): its shadows count
        // with the whole buf, so a bigger one could never be passed on
        if (prereadBufs != null && prereadBufs.buf().end() - prereadBufs.buf().start() > busySize) {
            throw new IllegalStateException("busy size (" + busySize + ") must be at least the preread buffer ("
                    + (prereadBufs.buf().end() - prereadBufs.buf().start()) + ")");
        }
        for (;;) {
            if (doWrite) {
                if (writeToDownstream() == Rc.BUSY) {
                    return;
                }
            }
            read = false;
            upstreamBlocked = false;
            readUpstream();
            if (!read && !upstreamBlocked) {
                break;
            }
            doWrite = true;
        }
        if (loop == null) {
            return;
        }
        Event rev = upstream.read();
        if (!upstream.closed() && !rev.delayed()) {
            if (!rev.ready() && !upstreamEof && !upstreamError && !upstreamDone) {
                loop.addTimer(rev, readTimeout);
            } else if (rev.timerSet()) {
                loop.deleteTimer(rev);
            }
        }
        Event wev = downstream.write();
        if (!downstream.closed() && !wev.delayed()) {
            if (!wev.ready()) {
                loop.addTimer(wev, sendTimeout);
            } else if (wev.timerSet()) {
                loop.deleteTimer(wev);
            }
        }
    }

    private enum Rc { OK, BUSY }

    // ---------------------------------------------------------------- ngx_event_pipe_read_upstream

    private void readUpstream() throws IOException {
        if (upstreamEof || upstreamError || upstreamDone) {
            return;
        }
        for (;;) {
            if (upstreamEof || upstreamError || upstreamDone) {
                break;
            }
            if (prereadBufs == null && !upstream.read().ready()) {
                break;
            }
            Chain chain;
            long n;
            if (prereadBufs != null) {
                chain = prereadBufs;
                prereadBufs = null;
                n = prereadSize;
                if (n > 0) {
                    read = true;
                }
            } else {
                long limit = 0;
                Event rev = upstream.read();
                if (limitRate > 0) {
                    if (rev.delayed()) {
                        break;
                    }
                    limit = limitRate * ((now() - startMillis) / 1000 + 1) - readLength;
                    if (limit <= 0) {
                        rev.delayed(true);
                        addTimer(rev, -limit * 1000 / limitRate + 1);
                        break;
                    }
                }

                if (freeRawBufs != null) {
                    chain = freeRawBufs;
                    if (singleBuf) {
                        freeRawBufs = freeRawBufs.next();
                        chain.next(null);
                    } else {
                        freeRawBufs = null;
                    }
                } else if (allocated < bufsNum) {
                    Buf b = newRawBuf();
                    allocated++;
                    chain = pool.allocLink().buf(b).next(null);
                } else if (downstream.write().ready() && !downstream.write().delayed()) {
                    // every raw buf is taken but the downstream can take data: write first
                    upstreamBlocked = true;
                    break;
                } else if (tempFiles != null && tempOffset < maxTempFileSize) {
                    // the downstream is slow: spill some input to the temp file to free raw bufs
                    if (writeChainToTempFile() == Rc.BUSY) {
                        break;
                    }
                    chain = freeRawBufs;
                    if (singleBuf) {
                        freeRawBufs = freeRawBufs.next();
                        chain.next(null);
                    } else {
                        freeRawBufs = null;
                    }
                } else {
                    break; // no buf to read into
                }

                boolean failed = false;
                try {
                    n = upstream.recvChain(chain, limit);
                } catch (IOException e) {
                    log.error("upstream read failed: {}", e.getMessage());
                    n = -1;
                    failed = true;
                }
                // the bufs read into go back at the head of the free raw bufs (filled part first)
                Chain t = Chain.tail(chain);
                t.next(freeRawBufs);
                freeRawBufs = chain;
                if (failed) {
                    // current nginx: what was read before the error is still processed, below
                    upstreamError = true;
                    break;
                }
                if (n == NetSocket.AGAIN) {
                    if (singleBuf) {
                        removeShadowLinks(chain.buf());
                    }
                    break;
                }
                read = true;
                if (n == 0) {
                    upstreamEof = true;
                    break;
                }
            }

            long delay = limitRate > 0 ? n * 1000 / limitRate : 0;
            readLength += n;
            // a raw buf goes to the input filter once it is full (recvChain and preread advanced its last);
            // a partly filled one waits in the free raw bufs for more, or for the end of the response
            Chain cl = chain;
            freeRawBufs = null;
            while (cl != null && cl.buf().last() == cl.buf().end()) {
                Buf b = cl.buf();
                removeShadowLinks(b);
                b.num(num++);
                inputFilter.process(this, b);
                Chain done = cl;
                cl = cl.next();
                pool.freeLink(done);
            }
            if (cl != null) {
                removeShadowLinks(cl.buf());
                Chain.tail(cl).next(freeRawBufs);
                freeRawBufs = cl;
            }
            if (delay > 0) {
                upstream.read().delayed(true);
                addTimer(upstream.read(), delay);
                break;
            }
        }

        if (freeRawBufs != null && length != -1) {
            Chain cl = freeRawBufs;
            if (cl.buf().last() - cl.buf().pos() >= length) {
                freeRawBufs = cl.next();
                cl.buf().num(num++);
                inputFilter.process(this, cl.buf());
                pool.freeLink(cl);
            }
        }
        if (length == 0) {
            upstreamDone = true;
            read = true;
        }
        if ((upstreamEof || upstreamError) && freeRawBufs != null) {
            // off the free list before the filter runs: a filter that finds no data gives the buf back to it
            Chain cl = freeRawBufs;
            freeRawBufs = cl.next();
            cl.buf().num(num++);
            inputFilter.process(this, cl.buf());
            pool.freeLink(cl);
        }
    }

    private Buf newRawBuf() {
        if (taken == null || taken.length < bufsNum) {
            taken = taken == null ? new Buf[bufsNum] : java.util.Arrays.copyOf(taken, bufsNum);
        }
        Buf b = taken[allocated];
        if (b != null && b.end() - b.start() != bufsSize) {
            b = null; // a buf of an earlier size setting: the pool keeps it
        }
        if (b == null) {
            b = bufSupply == null ? pool.createTempBuf(bufsSize) : bufSupply.take(bufsSize);
            if (b.end() - b.start() != bufsSize) {
                throw new IllegalStateException("buf supply gave " + (b.end() - b.start()) + " bytes for " + bufsSize);
            }
        }
        b.pos(b.start()).last(b.start());
        b.shadow(null).lastShadow(false).temporary(true).recycled(false).memory(false).inFile(false);
        taken[allocated] = b;
        return b;
    }

    private long now() {
        return loop != null ? loop.now() : System.currentTimeMillis();
    }

    private void addTimer(Event ev, long delay) {
        if (loop != null) {
            loop.addTimer(ev, delay);
        }
    }

    // ---------------------------------------------------------------- ngx_event_pipe_write_to_downstream

    private Rc writeToDownstream() throws IOException {
        int flushed = 0;
        for (;;) {
            if (downstreamError) {
                drainChains();
                return Rc.OK;
            }
            if (upstreamEof || upstreamError || upstreamDone) {
                // pass the out and in chains to the output filter
                for (Chain cl = lists.busy(); cl != null; cl = cl.next()) {
                    cl.buf().recycled(false);
                }
                if (out != null) {
                    for (Chain cl = out; cl != null; cl = cl.next()) {
                        cl.buf().recycled(false);
                    }
                    if (!output(out)) {
                        drainChains();
                        return Rc.OK;
                    }
                    lists.update(pool, out, tag);
                    out = null;
                }
                if (in != null) {
                    for (Chain cl = in; cl != null; cl = cl.next()) {
                        cl.buf().recycled(false);
                    }
                    Chain all = in;
                    in = null;
                    inTail = null;
                    if (!output(all)) {
                        drainChains();
                        return Rc.OK;
                    }
                    lists.update(pool, all, tag);
                }
                downstreamDone = true;
                break;
            }

            Event wev = downstream.write();
            if (!wev.ready() || wev.delayed()) {
                break;
            }

            // bsize is the size of the busy recycled bufs
            long bsize = 0;
            Object prev = null;
            for (Chain cl = lists.busy(); cl != null; cl = cl.next()) {
                Buf b = cl.buf();
                if (b.recycled()) {
                    if (prev == b.segment()) {
                        continue;
                    }
                    bsize += b.end() - b.start();
                    prev = b.segment();
                }
            }

            Chain outChain = null;
            Chain outTail = null;
            boolean flush;
            if (bsize >= busySize) {
                flush = true;
            } else {
                flush = false;
                boolean prevLastShadow = true;
                for (;;) {
                    Chain cl;
                    if (out != null) {
                        cl = out;
                        if (cl.buf().recycled()) {
                            log.error("recycled buf in pipe out chain");
                        }
                        out = out.next();
                    } else if (in != null) {
                        cl = in;
                        Buf b = cl.buf();
                        if (b.recycled() && prevLastShadow) {
                            if (bsize + b.end() - b.start() > busySize) {
                                flush = true;
                                break;
                            }
                            bsize += b.end() - b.start();
                        }
                        prevLastShadow = b.lastShadow();
                        in = in.next();
                        if (in == null) {
                            inTail = null;
                        }
                    } else {
                        break;
                    }
                    cl.next(null);
                    if (outTail == null) {
                        outChain = cl;
                    } else {
                        outTail.next(cl);
                    }
                    outTail = cl;
                }
            }

            if (outChain == null) {
                if (!flush) {
                    break;
                }
                // nginx's workaround for AIO: do not spin on an empty flush
                if (flushed++ > 10) {
                    return Rc.BUSY;
                }
            }

            boolean ok = output(outChain);
            lists.update(pool, outChain, tag);
            if (!ok) {
                drainChains();
                return Rc.OK;
            }

            for (Chain cl = lists.free(); cl != null; cl = cl.next()) {
                Buf b = cl.buf();
                if (b.tempFile()) {
                    if (!cyclicTempFile) {
                        continue;
                    }
                    // everything written to the temp file has been sent: write it again from its start
                    if (b.fileLast() == tempOffset) {
                        tempOffset = 0;
                    }
                }
                // the last shadow of a raw buf is sent: the raw buf is free to read into again
                if (b.lastShadow()) {
                    addFreeBuf(b.shadow());
                    b.lastShadow(false);
                }
                b.shadow(null);
            }
        }
        return Rc.OK;
    }

    /** Calls the output filter; a failure marks the downstream in error (the pipe drains, the owner closes). */
    private boolean output(Chain chain) {
        try {
            outputFilter.filter(chain);
            return true;
        } catch (IOException e) {
            log.info("sending to the client failed: {}", e.getMessage());
            downstreamError = true;
            return false;
        }
    }

    // ---------------------------------------------------------------- ngx_event_pipe_write_chain_to_temp_file

    private Rc writeChainToTempFile() throws IOException {
        Chain chain;
        if (bufToFile != null) {
            chain = pool.allocLink().buf(bufToFile).next(in);
        } else {
            chain = in;
        }

        long size = 0;
        Chain cl = chain;
        Chain last = null;
        boolean prevLastShadow = true;
        while (cl != null) {
            long bsize = cl.buf().last() - cl.buf().pos();
            if (prevLastShadow && (size + bsize > tempFileWriteSize || tempOffset + size + bsize > maxTempFileSize)) {
                break;
            }
            prevLastShadow = cl.buf().lastShadow();
            size += bsize;
            last = cl;
            cl = cl.next();
        }
        if (last == null) {
            return Rc.BUSY;
        }
        if (cl != null) {
            in = cl;
            last.next(null);
        } else {
            in = null;
            inTail = null;
        }

        long n = writeToTempFile(chain);

        Chain toFree = chain;
        if (bufToFile != null) {
            tempOffset = bufToFile.last() - bufToFile.pos();
            n -= bufToFile.last() - bufToFile.pos();
            bufToFile = null;
            Chain first = toFree;
            toFree = toFree.next();
            pool.freeLink(first);
        }

        if (n > 0) {
            // extend the last temp-file buf of out, or add one
            Chain tailOut = Chain.tail(out);
            if (tailOut != null && tailOut.buf().fileLast() == tempOffset && tailOut.buf().tempFile()) {
                tempOffset += n;
                tailOut.buf().fileLast(tempOffset);
            } else {
                Chain fl = getFreeBuf();
                Buf b = fl.buf();
                b.copyFrom(BLANK);
                b.tag(tag);
                b.file(tempFile.ref());
                b.filePos(tempOffset);
                tempOffset += n;
                b.fileLast(tempOffset);
                b.inFile(true);
                b.tempFile(true);
                if (tailOut == null) {
                    out = fl;
                } else {
                    tailOut.next(fl);
                }
            }
        }

        // the raw bufs whose last shadow went to the file are free again
        Chain lastFree = Chain.tail(freeRawBufs);
        for (Chain c = toFree; c != null; ) {
            Chain nextLink = c.next();
            c.next(null);
            Buf b = c.buf();
            if (b.lastShadow()) {
                Buf raw = b.shadow();
                Chain tl = pool.allocLink().buf(raw).next(null);
                if (lastFree == null) {
                    freeRawBufs = tl;
                } else {
                    lastFree.next(tl);
                }
                lastFree = tl;
                raw.pos(raw.start()).last(raw.start());
                removeShadowLinks(raw);
            }
            pool.freeLink(c);
            c = nextLink;
        }
        return Rc.OK;
    }

    /** nginx's ngx_write_chain_to_temp_file: writes the bufs' memory at the temp file's offset. */
    private long writeToTempFile(Chain chain) throws IOException {
        if (tempFile == null) {
            if (tempFiles == null) {
                throw new IOException("the pipe has no temp file directory to spill to");
            }
            tempFile = tempFiles.create();
        }
        long written = 0;
        long at = tempOffset;
        for (Chain cl = chain; cl != null; cl = cl.next()) {
            Buf b = cl.buf();
            long len = b.last() - b.pos();
            if (len <= 0) {
                continue;
            }
            ByteBuffer v = b.nioView();
            v.clear().position((int) b.pos()).limit((int) b.last());
            while (v.hasRemaining()) {
                int w = tempFile.writer().write(v, at + written);
                if (w <= 0) {
                    throw new IOException("pwrite() to the temp file wrote nothing");
                }
                written += w;
            }
        }
        return written;
    }

    // ---------------------------------------------------------------- shadow bufs

    /**
     * nginx's copy input filter ({@code ngx_event_pipe_copy_input_filter}) with the proxy's Content-Length rule: the
     * whole raw buf becomes one shadow buf; data past {@link #length()} is dropped with a warning.
     */
    public static void copyInputFilter(EventPipe p, Buf raw) {
        if (raw.pos() == raw.last()) {
            p.finishRaw(raw);
            return;
        }
        if (p.upstreamDone) {
            log.debug("input data after the end of the response");
            p.finishRaw(raw);
            return;
        }
        if (p.length == 0) {
            p.upstreamDone = true;
            log.warn("upstream sent more data than specified in \"Content-Length\" header");
            p.finishRaw(raw);
            return;
        }
        Buf b = p.shadow(raw, raw.pos(), raw.last());
        p.finishRaw(raw);
        if (p.length == -1) {
            return;
        }
        if (b.last() - b.pos() > p.length) {
            log.warn("upstream sent more data than specified in \"Content-Length\" header");
            b.last(b.pos() + p.length);
            p.length = 0;
            p.upstreamDone = true;
            return;
        }
        p.length -= b.last() - b.pos();
    }

    /**
     * Adds a shadow buf over {@code raw}'s bytes {@code [pos, last)} to the pipe's input and returns it; the shadows
     * of one raw buf are linked in order from {@code raw.shadow()}. For input filters, which end each raw buf with
     * {@link #finishRaw(Buf)}.
     */
    public Buf shadow(Buf raw, long pos, long last) {
        Chain cl = getFreeBuf();
        Buf b = cl.buf();
        b.copyFrom(raw);
        b.pos(pos).last(last);
        b.shadow(null);
        b.tag(tag);
        b.lastShadow(false);
        b.recycled(true);
        b.temporary(true);
        b.memory(false);
        b.inFile(false);
        b.flush(false).lastBuf(false).lastInChain(false);
        if (raw.shadow() == null) {
            raw.shadow(b);
        } else {
            Buf t = raw.shadow();
            while (t.shadow() != null) {
                t = t.shadow();
            }
            t.shadow(b);
        }
        if (inTail == null) {
            in = cl;
        } else {
            inTail.next(cl);
        }
        inTail = cl;
        return b;
    }

    /**
     * Ends the processing of a raw buf: its last shadow points back to it and is marked, so the raw buf is free again
     * once that shadow is sent; a raw buf without data (only framing) is free at once.
     */
    public void finishRaw(Buf raw) {
        Buf t = raw.shadow();
        if (t == null) {
            addFreeBuf(raw);
            return;
        }
        while (t.shadow() != null) {
            t = t.shadow();
        }
        t.shadow(raw);
        t.lastShadow(true);
    }

    /** nginx's ngx_chain_get_free_buf over the pipe's free list. */
    private Chain getFreeBuf() {
        Chain cl = lists.takeFree();
        if (cl != null) {
            return cl;
        }
        return pool.allocLink().buf(new Buf()).next(null);
    }

    /** nginx's ngx_event_pipe_remove_shadow_links: unties a raw buf from the shadows made of it. */
    private static void removeShadowLinks(Buf buf) {
        Buf b = buf.shadow();
        if (b == null) {
            return;
        }
        while (!b.lastShadow()) {
            Buf next = b.shadow();
            b.temporary(false).recycled(false).shadow(null);
            b = next;
        }
        b.temporary(false).recycled(false).lastShadow(false).shadow(null);
        buf.shadow(null);
    }

    /** nginx's ngx_event_pipe_add_free_buf: a raw buf is free to read into again. */
    private void addFreeBuf(Buf b) {
        Chain cl = pool.allocLink();
        if (bufToFile != null && b.segment() == bufToFile.segment()) {
            b.pos(bufToFile.last()).last(bufToFile.last());
        } else {
            b.pos(b.start()).last(b.start());
        }
        b.shadow(null);
        cl.buf(b);
        if (freeRawBufs == null) {
            freeRawBufs = cl.next(null);
            return;
        }
        if (freeRawBufs.buf().pos() == freeRawBufs.buf().last()) {
            cl.next(freeRawBufs);
            freeRawBufs = cl;
            return;
        }
        // the first free buf is partly filled: keep it first
        cl.next(freeRawBufs.next());
        freeRawBufs.next(cl);
    }

    /** nginx's ngx_event_pipe_drain_chains: after a downstream error, frees everything queued. */
    private void drainChains() {
        for (;;) {
            Chain cl;
            if (lists.busy() != null) {
                cl = lists.busy();
                lists.busy(null);
            } else if (out != null) {
                cl = out;
                out = null;
            } else if (in != null) {
                cl = in;
                in = null;
                inTail = null;
            } else {
                return;
            }
            while (cl != null) {
                Buf b = cl.buf();
                if (b.lastShadow()) {
                    addFreeBuf(b.shadow());
                    b.lastShadow(false);
                }
                b.shadow(null);
                Chain next = cl.next();
                cl.next(lists.free());
                lists.free(cl);
                cl = next;
            }
        }
    }

    /**
     * Makes the pipe ready for the next response, read from {@code upstream}; the previous response must be over
     * (everything the pipe passed on was sent, or the downstream is gone). Settings and the input filter are
     * kept; length, preread and counters start afresh; the temp file is closed; raw bufs go back to the
     * {@linkplain #bufSupply(BufSupply) supply} (without one, the pipe keeps them for the next response). The
     * pipe's buf headers and links are kept, so a pipe reused response after response allocates nothing.
     */
    public EventPipe reset(Connection upstream) {
        return reset(upstream, downstream);
    }

    /** {@link #reset(Connection)} for a pipe that serves another downstream connection from now on. */
    public EventPipe reset(Connection upstream, Connection downstream) {
        this.upstream = Objects.requireNonNull(upstream, "upstream");
        this.downstream = Objects.requireNonNull(downstream, "downstream");
        close();
        freeLinks(prereadBufs);
        freeLinks(freeRawBufs);
        recycle(in);
        recycle(out);
        recycle(lists.busy());
        lists.busy(null);
        // bufs sent at the very end of the last response went to the free list still marked as the last shadow
        // of their raw buf (the pass that frees raw bufs did not run again); that raw buf has since gone back to
        // the supply or is the owner's head buffer, so the mark must not free it into this response's raw bufs;
        // nor may a stale temp-file window rewind this response's cyclic temp file
        for (Chain cl = lists.free(); cl != null; cl = cl.next()) {
            cl.buf().shadow(null).lastShadow(false).tempFile(false).inFile(false);
        }
        prereadBufs = null;
        freeRawBufs = null;
        in = null;
        inTail = null;
        out = null;
        prereadSize = 0;
        bufToFile = null;
        tempOffset = 0;
        allocated = 0;
        num = 0;
        length = -1;
        readLength = 0;
        startMillis = now();
        read = false;
        upstreamBlocked = false;
        upstreamEof = false;
        upstreamError = false;
        upstreamDone = false;
        downstreamDone = false;
        downstreamError = false;
        return this;
    }

    private void freeLinks(Chain cl) {
        while (cl != null) {
            Chain next = cl.next();
            pool.freeLink(cl);
            cl = next;
        }
    }

    /** Puts the pipe's own bufs of a chain on its free list, blank; other links go back to the pool. */
    private void recycle(Chain cl) {
        while (cl != null) {
            Chain next = cl.next();
            Buf b = cl.buf();
            if (b != null && b.tag() == tag) {
                b.shadow(null).lastShadow(false).recycled(false).tempFile(false).inFile(false);
                b.pos(b.start()).last(b.start());
                cl.next(lists.free());
                lists.free(cl);
            } else {
                pool.freeLink(cl);
            }
            cl = next;
        }
    }

    /**
     * Closes the temp file, if any (it is already unlinked), and gives raw bufs back to the {@linkplain
     * #bufSupply(BufSupply) supply}. Call it once nothing the pipe passed on is still queued for sending.
     */
    @Override
    public void close() {
        if (taken != null && bufSupply != null) {
            for (int i = 0; i < taken.length; i++) {
                Buf b = taken[i];
                if (b != null) {
                    taken[i] = null;
                    b.shadow(null).lastShadow(false);
                    b.pos(b.start()).last(b.start());
                    bufSupply.give(b);
                }
            }
        }
        if (tempFile != null) {
            try {
                tempFile.close();
            } catch (IOException e) {
                log.warn("closing the temp file failed: {}", e.getMessage());
            }
            tempFile = null;
        }
    }
}
