package io.sendchain.examples.http;

import io.sendchain.buf.Buf;
import io.sendchain.output.Status;
import io.sendchain.pipe.ChunkedDecoder;
import io.sendchain.pipe.InputFilter;
import io.sendchain.pipe.PipeInput;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a chunked body passed on as the upstream framed it stands, when some of its chunk data does not pass
 * through user memory (spliced): a {@link ChunkedDecoder} checks the framing, and the data it does not see is
 * counted here ({@link #skip}), followed by the CRLF this class checks before the decoder takes the next size line.
 * {@link SpliceRelay} steps through the bytes it reads with {@link #step}; if the client falls behind, the event pipe
 * takes the rest of the body with this object as its {@link InputFilter}, which passes every byte on (framing
 * included) up to the end of the last chunk, so the client keeps getting the framing it started with. Without
 * splice, the event pipe uses it from the start of a chunked body passed on to an HTTP/1.1 client.
 *
 * <pre>
 *   decoder ──OK, the rest of the chunk skipped──> own data (skipped or stepped over) ──> CRLF ──> decoder (reset)
 * </pre>
 *
 * <p>One per {@link SpliceRelay}, {@link #begin() begun} again for each response; {@link #reset()}, which the event
 * pipe calls when it takes the filter, keeps the state (the body is under way).
 */
final class ChunkedPassthrough implements InputFilter {

    private static final Logger log = LoggerFactory.getLogger(ChunkedPassthrough.class);

    private final ChunkedDecoder decoder = new ChunkedDecoder("upstream sent invalid chunked response");
    /** Data bytes of the current chunk the decoder will not see: skipped, or stepped over here. */
    private long own;
    /** Bytes of the CRLF after that data still to check. */
    private int crlfLeft;
    private long dataStart;
    private long dataEnd;
    /**
     * The bytes at the end of the last buf {@link #scan scanned} were (or may be: a size of zeros so far) the start
     * of the last chunk, and may not go on yet.
     */
    private boolean holding;
    /** As the event pipe's input: the last chunk's first bytes were held back, so the body ends with a new one. */
    private boolean lastChunkOwed;
    /** The last {@link #scan} reached the end of the body. */
    private boolean ended;
    /** ... and the last chunk had begun before that scan, its first bytes held back then. */
    private boolean endedHeld;

    /** Starts a new body. */
    void begin() {
        decoder.reset();
        own = 0;
        crlfLeft = 0;
        holding = false;
        lastChunkOwed = false;
        ended = false;
        endedHeld = false;
    }

    /**
     * Whether the body must end with a last chunk of the writer's own ({@code 0} CRLF CRLF): the event pipe's input
     * held back the first bytes of the upstream's, in an earlier raw buf than its end, and dropped them.
     */
    boolean lastChunkOwed() {
        return lastChunkOwed;
    }

    /** The body is under way when the event pipe takes this filter: the state stays. */
    @Override
    public void reset() {
        // the state is begin()'s to reset
    }

    /**
     * Steps from {@code b.pos()} to the end of the next run of chunk data, the end of the body or {@code b.last()}.
     *
     * @return {@link Status#OK}: {@code [dataStart(), dataEnd())} is data, {@code pos} is past it; {@link Status#DONE}:
     *         the last chunk and its trailers are complete, {@code pos} past them; {@link Status#AGAIN}: {@code b} is
     *         used up
     * @throws IOException for malformed framing
     */
    Status step(Buf b) throws IOException {
        if (own > 0) {
            long n = Math.min(own, b.last() - b.pos());
            if (n == 0) {
                return Status.AGAIN;
            }
            dataStart = b.pos();
            dataEnd = dataStart + n;
            b.pos(dataEnd);
            own -= n;
            if (own == 0) {
                crlfLeft = 2;
            }
            return Status.OK;
        }
        while (crlfLeft > 0) {
            if (b.pos() == b.last()) {
                return Status.AGAIN;
            }
            byte ch = b.segment().get(ValueLayout.JAVA_BYTE, b.pos());
            if (ch != (crlfLeft == 2 ? '\r' : '\n')) {
                throw new IOException("upstream sent invalid chunked response: "
                        + (crlfLeft == 2 ? "chunk data is longer than its size" : "CR without LF after chunk data"));
            }
            b.pos(b.pos() + 1);
            if (--crlfLeft == 0) {
                decoder.reset(); // it did not see the data: it starts again at the next size line
            }
        }
        Status rc = decoder.parse(b);
        if (rc == Status.OK) {
            dataStart = decoder.dataStart();
            dataEnd = decoder.dataEnd();
        }
        return rc;
    }

    long dataStart() {
        return dataStart;
    }

    long dataEnd() {
        return dataEnd;
    }

    /**
     * After {@link Status#OK}: the current chunk's data bytes still to come after {@link #dataEnd()}. For the
     * decoder's chunks that is its hint less 4: with the chunk's data unread the hint is the data left + 4 (nginx's
     * {@code ctx->length}: the data, its CRLF and "0" LF LF at least), and 4 once the data is complete.
     */
    long rest() {
        if (own > 0 || crlfLeft > 0) {
            return own;
        }
        return Math.max(0, decoder.lengthHint() - 4);
    }

    /** {@code n} bytes of the current chunk's data, at most {@link #rest()}, were moved past user memory. */
    void skip(long n) {
        long rest = rest();
        if (n <= 0 || n > rest) {
            throw new IllegalArgumentException("skipping " + n + " of " + rest + " bytes of chunk data left");
        }
        own = rest - n;
        if (own == 0) {
            crlfLeft = 2;
        }
    }

    /** The least number of bytes the body still needs (the event pipe's length for a chunked body). */
    long lengthHint() {
        if (own > 0) {
            return own + 2 + 5;
        }
        if (crlfLeft > 0) {
            return crlfLeft + 5;
        }
        return decoder.lengthHint();
    }

    /**
     * The event pipe's input: every byte of the raw buf up to the end of the last chunk, framing included, becomes a
     * shadow buf, except the last chunk itself while it is not complete: a raw buf that ends inside it (or inside a
     * size of zeros, which may be its start) passes on only what comes before it, so an upstream cut off there leaves
     * the client no byte of it. If it then completes within the next bufs, its first bytes are gone: the body ends
     * with a last chunk of the writer's own ({@link #lastChunkOwed()}; the upstream's extensions and trailers of the
     * last chunk are then dropped). Zeros held back that turn out to begin a data chunk's size change nothing (the
     * size means the same without them). Bytes after the last chunk are dropped with a warning.
     */
    /**
     * Steps through {@code b} from its pos to its last byte or the end of the body (then {@link #ended()}, pos past
     * the last chunk) and tells where the bytes that may not go on yet begin: a last chunk not complete, or a size of
     * zeros so far (which may begin one). Returns {@code b.pos()} when every byte stepped over may go on, a position
     * in {@code b} where the held bytes begin, or {@link #HELD_BEFORE} when they began before {@code b} (all of
     * {@code b} is held, and so is what was held before).
     */
    long scan(Buf b) throws IOException {
        Status rc;
        long call;
        boolean lineStart;
        ended = false;
        for (;;) {
            call = b.pos();
            // does this call begin at the start of a size line (the CRLF before it included)? hints: 3 at a chunk's
            // start, 4 after its data (its CRLF to come); anything else is inside a line begun before
            long hint = decoder.lengthHint();
            lineStart = own == 0 && (crlfLeft > 0 || hint == 3 || hint == 4);
            rc = step(b);
            if (rc != Status.OK) {
                break;
            }
            holding = false; // a data chunk came: what was held was zeros of its size
        }
        if (rc == Status.DONE) {
            ended = true;
            endedHeld = !lineStart && holding; // its first bytes were held before this call
            holding = false;
            return b.pos();
        }
        if (own == 0 && crlfLeft == 0 && decoder.lengthHint() <= 2) {
            long from = lineStart ? skipCrlf(b, call) : holding ? HELD_BEFORE : call;
            holding = true;
            return from;
        }
        holding = false;
        return b.pos();
    }

    /** {@link #scan} result: the held bytes began before the buf scanned. */
    static final long HELD_BEFORE = -1;

    /** The last {@link #scan} reached the end of the body. */
    boolean ended() {
        return ended;
    }

    /**
     * The event pipe's input: every byte of the raw buf up to the end of the last chunk, framing included, becomes a
     * shadow buf, except the last chunk itself while it is not complete: a raw buf that ends inside it (or inside a
     * size of zeros, which may be its start) passes on only what comes before it, so an upstream cut off there leaves
     * the client no byte of it. If it then completes within the next bufs, its first bytes are gone: the body ends
     * with a last chunk of the writer's own ({@link #lastChunkOwed()}; the upstream's extensions and trailers of the
     * last chunk are then dropped). Zeros held back that turn out to begin a data chunk's size change nothing (the
     * size means the same without them). Bytes after the last chunk are dropped with a warning.
     */
    @Override
    public void process(PipeInput p, Buf raw) throws IOException {
        if (p.upstreamDone()) {
            if (raw.pos() < raw.last()) {
                log.warn("upstream sent data after final chunk");
            }
            return;
        }
        long from = raw.pos();
        long hold = scan(raw);
        long keep;
        if (ended && endedHeld) {
            keep = from; // the rest of a last chunk whose start is gone: the writer ends the body instead
            lastChunkOwed = true;
        } else {
            keep = hold == HELD_BEFORE ? from : hold;
        }
        if (keep > from) {
            p.shadow(raw, from, keep);
        }
        if (ended) {
            p.markUpstreamDone(); // sees the bytes after the last chunk, if any, before they are dropped
            p.length(0);
            if (raw.pos() < raw.last()) {
                log.warn("upstream sent data after final chunk");
                raw.pos(raw.last());
            }
            return;
        }
        p.length(lengthHint());
    }

    /** Past the CR and LF that end the previous chunk's data, from {@code at} (a size line never starts with them). */
    private static long skipCrlf(Buf b, long at) {
        long p = at;
        while (p < b.last() && p < at + 2) {
            byte ch = b.segment().get(ValueLayout.JAVA_BYTE, p);
            if (ch != '\r' && ch != '\n') {
                break;
            }
            p++;
        }
        return p;
    }
}
