package io.sendchain.pipe;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.loop.Timers;
import io.sendchain.internal.BufAccess;
import io.sendchain.output.OutputFilter;
import java.io.IOException;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * nginx's event pipe ({@code ngx_event_pipe.c}): streams an upstream's response to a downstream without letting
 * either stall the other. It reads the upstream into at most {@code bufs.num} raw bufs, lets an
 * {@link InputFilter} turn them into shadow bufs (data only: no framing), hands those to the downstream's output
 * filter as the socket allows, and, when the downstream is slower than the upstream and every raw buf is taken,
 * spills shadow bufs to a temporary file (up to {@code maxTempFileSize}, written {@code tempFileWriteSize} at a
 * time) so their raw bufs can be read into again. The upstream read can be rate-limited, and one {@link #run} reads
 * at most {@link #READ_BURST} bytes: either way the pipe sets the read event's {@code delayed} and arms its timer,
 * and the owner runs the pipe again when that timer fires (clearing {@code delayed}), not on a read timeout.
 *
 * <pre>
 *   upstream ─recv chain─> free raw bufs ──input filter──> in ──(busy size allows)──> output filter ─> downstream
 *                              ^                            │                            │
 *                              │                            └──spill──> temp file ─> out ┘
 *                              └──── shadow sent: its raw buf is free again &lt;── busy/free ┘
 * </pre>
 *
 * This file holds the functions of {@code ngx_event_pipe.c}, in its order; the fields they work on
 * ({@code ngx_event_pipe_t}) and the owner's side (a response's setup, the flags, reset, close) are
 * {@link PipeState}'s. Which raw bufs are free and the shadows made of them are {@link FreeRawBufs}'s to keep, the
 * temp file is {@link TempFileSpill}'s, where raw bufs come from {@link RawBufs}'.
 *
 * <p>Current nginx behaviour: a receive error still processes what was read; data past the announced length is
 * dropped with a warning (in the input filter). Temporary files are unlinked as soon as they are open and closed by
 * {@link #close()}: nothing is ever left behind.
 *
 * <p>Not thread-safe: one pipe per proxied response (or reset per response), on its event loop.
 */
public final class EventPipe extends PipeState {

    private static final Logger log = LoggerFactory.getLogger(EventPipe.class);

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

    private final OutputFilter outputFilter;

    /**
     * A pipe for one response from {@code upstream} to {@code downstream}; {@link #reset(Connection, Connection)}
     * makes it ready for the next.
     *
     * @param pool         where the pipe's links and buf headers (and, without a {@link #bufSupply supply}, its raw
     *                     bufs) come from
     * @param timers       the loop's clock and timers (its {@code EventLoop}): the rate limit's pause, the read and
     *                     send timeouts
     * @param outputFilter where response data goes (the downstream's output chain, chain writer, or a filter such
     *                     as a chunked encoder in front of them)
     * @param settings     checked already: nothing fails for a setting once the pipe runs
     */
    public EventPipe(Pool pool, Connection upstream, Connection downstream, Timers timers, OutputFilter outputFilter,
            PipeSettings settings) {
        super(pool, upstream, downstream, timers, settings);
        this.outputFilter = Objects.requireNonNull(outputFilter, "outputFilter");
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
        readThisRun = 0;
        for (;;) {
            if (doWrite && writeToDownstream() == Rc.BUSY) {
                return;
            }
            if (downstreamError) {
                // nothing read now could reach anyone (this pipe does not cache): the owner ends the response and
                // closes the upstream when run returns. nginx's pipe reads on until the upstream runs dry, and its
                // upstream module closes after: over loopback tens of megabytes read for a client that reset.
                break;
            }
            read = false;
            upstreamBlocked = false;
            readUpstream();
            if (!read && !upstreamBlocked) {
                break;
            }
            doWrite = true;
        }
        // a delayed event keeps the rate limit's timer; otherwise a side still waiting gets its timeout
        Event rev = upstream.read();
        if (!upstream.closed() && !rev.delayed()) {
            if (!rev.ready() && !upstreamEof && !upstreamError && !upstreamDone) {
                timers.addTimer(rev, s.readTimeout());
            } else if (rev.timerSet()) {
                timers.deleteTimer(rev);
            }
        }
        Event wev = downstream.write();
        if (!downstream.closed() && !wev.delayed()) {
            if (!wev.ready()) {
                timers.addTimer(wev, s.sendTimeout());
            } else if (wev.timerSet()) {
                timers.deleteTimer(wev);
            }
        }
    }

    private enum Rc { OK, BUSY }

    /**
     * The most one {@link #run} reads before it yields to the loop (its read event delayed behind a 0 ms timer): a
     * fast upstream whose response goes to a slow client's temp file would otherwise hold the loop until the
     * upstream ran dry, tens of megabytes over loopback, with every other connection of the loop waiting and a
     * client's reset unseen. nginx has no such bound.
     */
    static final long READ_BURST = 1 << 20;
    /** Bytes read since {@link #run} was called. */
    private long readThisRun;

    // ---------------------------------------------------------------- ngx_event_pipe_read_upstream

    private void readUpstream() throws IOException {
        if (upstreamEof || upstreamError || upstreamDone) {
            return; // the end was seen: what is left was passed to the input filter then
        }
        while (!upstreamEof && !upstreamError && !upstreamDone) {
            if (prereadBufs == null && !upstream.read().ready()) {
                break;
            }
            Chain chain;
            long n;
            if (prereadBufs != null) {
                // the preread buf is read into like a raw buf, first (the free raw bufs are empty yet)
                chain = prereadBufs;
                prereadBufs = null;
                freeRawBufs.putBack(chain);
                n = prereadSize;
                if (n > 0) {
                    read = true;
                }
            } else {
                long limit = 0;
                Event rev = upstream.read();
                if (rev.delayed()) {
                    break; // a pause of the rate limit, or a yield, is under way
                }
                if (readThisRun >= READ_BURST && length != 0) {
                    // one run reads at most this much; the loop handles the other connections' events (a client
                    // that reset, whose pipe then reads no more) before this one goes on, at once: a 0 ms timer,
                    // as the rate limit pauses it
                    rev.delayed(true);
                    timers.addTimer(rev, 0);
                    break;
                }
                if (s.limitRate() > 0) {
                    limit = s.limitRate() * ((timers.now() - startMillis) / 1000 + 1) - readLength;
                    if (limit <= 0) {
                        rev.delayed(true);
                        timers.addTimer(rev, -limit * 1000 / s.limitRate() + 1);
                        break;
                    }
                }

                if (!freeRawBufs.isEmpty()) {
                    chain = freeRawBufs.take(s.singleBuf());
                } else if (rawBufs.more()) {
                    chain = pool.allocLink().buf(rawBufs.take()).next(null);
                } else if (downstream.write().ready() && !downstream.write().delayed()) {
                    // every raw buf is taken but the downstream can take data: write first
                    upstreamBlocked = true;
                    break;
                } else if (tempFile.canSpill()) {
                    // the downstream is slow: spill some input to the temp file to free raw bufs
                    if (writeChainToTempFile() == Rc.BUSY) {
                        break;
                    }
                    chain = freeRawBufs.take(s.singleBuf());
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
                freeRawBufs.putBack(chain);
                if (failed) {
                    // current nginx: what was read before the error is still processed, below
                    upstreamError = true;
                    break;
                }
                if (n == Connection.AGAIN) {
                    if (s.singleBuf()) {
                        FreeRawBufs.removeShadowLinks(chain.buf());
                    }
                    break;
                }
                read = true;
                if (n == 0) {
                    upstreamEof = true;
                    break;
                }
            }

            long delay = s.limitRate() > 0 ? n * 1000 / s.limitRate() : 0;
            readLength += n;
            readThisRun += n;
            // a raw buf goes to the input filter once it is full (recvChain and preread advanced its last);
            // a partly filled one waits in the free raw bufs for more, or for the end of the response
            Chain cl = freeRawBufs.takeAll();
            while (cl != null && cl.buf().last() == cl.buf().end()) {
                FreeRawBufs.removeShadowLinks(cl.buf());
                filter(cl.buf());
                Chain done = cl;
                cl = cl.next();
                pool.freeLink(done);
            }
            if (cl != null) {
                FreeRawBufs.removeShadowLinks(cl.buf());
                freeRawBufs.putBack(cl);
            }
            if (delay > 0) {
                upstream.read().delayed(true);
                timers.addTimer(upstream.read(), delay);
                break;
            }
        }

        // the first free raw buf may hold the rest of the response: pass it on without waiting for it to fill
        Buf first = freeRawBufs.first();
        if (first != null && length != -1 && first.last() - first.pos() >= length) {
            filter(freeRawBufs.takeFirst());
        }
        if (length == 0) {
            upstreamDone = true;
            read = true;
        }
        if ((upstreamEof || upstreamError) && !freeRawBufs.isEmpty()) {
            // off the free list before the filter runs: a filter that finds no data gives the buf back to it
            filter(freeRawBufs.takeFirst());
        }
    }

    /** {@code p->input_filter(p, buf)}; a raw buf from which no shadow was made is free at once. */
    private void filter(Buf raw) throws IOException {
        BufAccess.num(raw, num++);
        inputFilter.process(input, raw);
        freeRawBufs.finish(raw);
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
                for (Chain cl = BufAccess.busy(lists); cl != null; cl = cl.next()) {
                    BufAccess.recycled(cl.buf(), false);
                }
                if (out != null) {
                    if (!outputAll(out)) {
                        return Rc.OK;
                    }
                    out = null;
                }
                if (in != null) {
                    Chain all = in;
                    in = null;
                    inTail = null;
                    if (!outputAll(all)) {
                        return Rc.OK;
                    }
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
            for (Chain cl = BufAccess.busy(lists); cl != null; cl = cl.next()) {
                Buf b = cl.buf();
                if (BufAccess.recycled(b) && prev != b.segment()) {
                    bsize += b.end() - b.start();
                    prev = b.segment();
                }
            }

            Chain outChain = null;
            Chain outTail = null;
            boolean flush = bsize >= s.busySize();
            boolean prevLastShadow = true;
            while (!flush) {
                Chain cl;
                if (out != null) {
                    cl = out;
                    if (BufAccess.recycled(cl.buf())) {
                        log.error("recycled buf in pipe out chain");
                    }
                    out = out.next();
                } else if (in != null) {
                    cl = in;
                    Buf b = cl.buf();
                    // a raw buf's shadows go together: the busy size is checked at its first one
                    if (BufAccess.recycled(b) && prevLastShadow) {
                        if (bsize + b.end() - b.start() > s.busySize()) {
                            flush = true;
                            break;
                        }
                        bsize += b.end() - b.start();
                    }
                    prevLastShadow = BufAccess.lastShadow(b);
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
            lists.update(pool, outChain);
            if (!ok) {
                drainChains();
                return Rc.OK;
            }

            for (Chain cl = BufAccess.free(lists); cl != null; cl = cl.next()) {
                Buf b = cl.buf();
                if (BufAccess.tempFile(b)) {
                    if (!s.cyclicTempFile()) {
                        continue;
                    }
                    // everything written to the temp file has been sent: write it again from its start
                    tempFile.sent(b);
                }
                // the last shadow of a raw buf is sent: the raw buf is free to read into again
                freeRawBufs.release(b);
            }
        }
        return Rc.OK;
    }

    /** Passes a whole chain on at the end of the response, nothing recycled; {@code false} after a failure. */
    private boolean outputAll(Chain all) {
        for (Chain cl = all; cl != null; cl = cl.next()) {
            BufAccess.recycled(cl.buf(), false);
        }
        if (!output(all)) {
            drainChains();
            return false;
        }
        lists.update(pool, all);
        return true;
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
    // (nginx's p->buf_to_file, a response head kept for the cache, has no counterpart: this pipe does not cache)

    private Rc writeChainToTempFile() throws IOException {
        // the first shadows of in, whole raw bufs' worth, as much as a write and the file's maximum take
        Chain last = tempFile.lastToWrite(in);
        if (last == null) {
            return Rc.BUSY;
        }
        Chain chain = in;
        in = last.next();
        last.next(null);
        if (in == null) {
            inTail = null;
        }

        long n = tempFile.write(chain);
        Chain tailOut = Chain.tail(out);
        // extend the last temp-file buf of out, or add one
        if (n > 0 && !tempFile.extend(tailOut == null ? null : tailOut.buf(), n)) {
            Chain fl = getFreeBuf();
            tempFile.fill(fl.buf(), n, tag);
            if (tailOut == null) {
                out = fl;
            } else {
                tailOut.next(fl);
            }
        }

        // the raw bufs whose last shadow went to the file are free again, after the other free raw bufs
        for (Chain cl = chain; cl != null; cl = cl.next()) {
            freeRawBufs.spilled(cl.buf());
        }
        // the written links go on the free list with their headers, whose bytes live in the file now, for the next
        // reads' shadows (nginx: cl->next = p->free; p->free = cl), so a spilling pipe makes no header per buffer it
        // reads; the chain holds whole raw bufs' worth, so every header was untied above (one still tied to a raw buf
        // would be reached from it again: its link alone goes back)
        for (Chain cl = chain; cl != null; ) {
            Chain next = cl.next();
            if (BufAccess.shadow(cl.buf()) == null) {
                cl.next(BufAccess.free(lists));
                BufAccess.free(lists, cl);
            } else {
                pool.freeLink(cl);
            }
            cl = next;
        }
        return Rc.OK;
    }

    /** nginx's ngx_event_pipe_drain_chains: after a downstream error, frees everything queued. */
    private void drainChains() {
        for (;;) {
            Chain cl;
            if (BufAccess.busy(lists) != null) {
                cl = BufAccess.busy(lists);
                BufAccess.busy(lists, null);
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
                freeRawBufs.release(cl.buf());
                Chain next = cl.next();
                cl.next(BufAccess.free(lists));
                BufAccess.free(lists, cl);
                cl = next;
            }
        }
    }
}
