package io.sendchain.pipe;

import io.sendchain.buf.Buf;
import io.sendchain.output.Status;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * An incremental decoder of HTTP/1.1 chunked framing (RFC 9112 7.1), nginx's {@code ngx_http_parse_chunked}: it
 * walks a buf's bytes, steps over chunk-size lines, extensions and trailers, and reports each run of data in place
 * so the caller can shadow it without copying. Chunk sizes that overflow and bytes that break the grammar are
 * errors. After each call {@link #lengthHint()} says how many more bytes the message needs at least (nginx's
 * {@code ctx->length}), which lets a pipe process a partly filled buffer that may hold the rest.
 *
 * <p>Stricter than nginx where a laxer reading lets two parsers disagree on where a body ends (request smuggling):
 * every line of the framing ends in CRLF (RFC 9112 2.2 lets a recipient take a bare LF as the end of a head's line,
 * not of a chunk's), only spaces and tabs may follow a chunk size before {@code ;} or the CRLF, and extensions and
 * trailer lines hold no control characters but tab. A recipient that takes a bare LF in an extension as the end of
 * the line reads different chunk data from one that waits for the CRLF.
 */
public final class ChunkedDecoder {

    private enum State {
        CHUNK_START, CHUNK_SIZE, SIZE_SPACE, EXTENSION, EXTENSION_ALMOST_DONE, DATA, AFTER_DATA,
        AFTER_DATA_ALMOST_DONE, TRAILER, TRAILER_ALMOST_DONE, TRAILER_HEADER, TRAILER_HEADER_ALMOST_DONE
    }

    /** The largest chunk size that still leaves room for framing in a 64-bit offset (nginx's limit). */
    private static final long MAX_SIZE = (Long.MAX_VALUE - 15) / 16;

    private final String who;
    private State state = State.CHUNK_START;
    private long size;
    private long dataStart;
    private long dataEnd;

    /**
     * A decoder at the start of a message.
     *
     * @param who how errors begin, e.g. {@code "client sent invalid chunked body"} or {@code "upstream sent invalid
     *            chunked response"}
     */
    public ChunkedDecoder(String who) {
        this.who = who;
    }

    /** Starts a new message. */
    public void reset() {
        state = State.CHUNK_START;
        size = 0;
    }

    /** After {@link Status#OK}: where the data starts in the buf. */
    public long dataStart() {
        return dataStart;
    }

    /** After {@link Status#OK}: where the data ends in the buf (its pos). */
    public long dataEnd() {
        return dataEnd;
    }

    /**
     * Parses from {@code b.pos()} to {@code b.last()}, advancing {@code pos}.
     *
     * @return {@link Status#OK}: {@code [dataStart(), dataEnd())} of the buf is body data and the buf's pos is past
     *         it; {@link Status#DONE}: the last chunk and its trailers are complete, the buf's pos past them;
     *         {@link Status#AGAIN}: the buf is used up, give more bytes (nginx's {@code ngx_http_parse_chunked}
     *         answers the same three)
     * @throws IOException for a malformed message (the decoder's prefix and what was wrong)
     */
    public Status parse(Buf b) throws IOException {
        MemorySegment s = b.segment();
        long p = b.pos();
        long end = b.last();
        while (p < end) {
            byte ch = s.get(ValueLayout.JAVA_BYTE, p);
            switch (state) {
                case CHUNK_START -> {
                    int d = hex(ch);
                    if (d < 0) {
                        throw invalid("a chunk size starts with 0x" + Integer.toHexString(ch & 0xff));
                    }
                    size = d;
                    state = State.CHUNK_SIZE;
                }
                case CHUNK_SIZE -> {
                    int d = hex(ch);
                    if (d >= 0) {
                        if (size > MAX_SIZE) {
                            throw invalid("a chunk size overflows");
                        }
                        size = size * 16 + d;
                    } else if (ch == '\r') {
                        state = State.EXTENSION_ALMOST_DONE;
                    } else if (ch == ';') {
                        state = State.EXTENSION;
                    } else if (ch == ' ' || ch == '\t') {
                        state = State.SIZE_SPACE;
                    } else {
                        throw invalid(what(ch) + " in a chunk size");
                    }
                }
                case SIZE_SPACE -> {
                    // chunk-ext's BWS: spaces may come before ";" or the CRLF, nothing else
                    if (ch == ';') {
                        state = State.EXTENSION;
                    } else if (ch == '\r') {
                        state = State.EXTENSION_ALMOST_DONE;
                    } else if (ch != ' ' && ch != '\t') {
                        throw invalid(what(ch) + " after a chunk size");
                    }
                }
                case EXTENSION -> {
                    if (ch == '\r') {
                        state = State.EXTENSION_ALMOST_DONE;
                    } else if (control(ch)) {
                        throw invalid(what(ch) + " in a chunk extension");
                    }
                }
                case EXTENSION_ALMOST_DONE -> {
                    if (ch != '\n') {
                        throw invalid("CR without LF after a chunk size");
                    }
                    sizeLineDone();
                }
                case DATA -> {
                    long n = Math.min(size, end - p);
                    dataStart = p;
                    dataEnd = p + n;
                    size -= n;
                    if (size == 0) {
                        state = State.AFTER_DATA;
                    }
                    b.pos(dataEnd);
                    return Status.OK;
                }
                case AFTER_DATA -> {
                    if (ch != '\r') {
                        throw invalid(ch == '\n' ? "a bare LF after chunk data" : "chunk data is longer than its size");
                    }
                    state = State.AFTER_DATA_ALMOST_DONE;
                }
                case AFTER_DATA_ALMOST_DONE -> {
                    if (ch != '\n') {
                        throw invalid("CR without LF after chunk data");
                    }
                    state = State.CHUNK_START;
                }
                case TRAILER -> {
                    if (ch == '\r') {
                        state = State.TRAILER_ALMOST_DONE;
                    } else if (ch == ' ' || ch == '\t' || control(ch)) {
                        throw invalid(what(ch) + " at the start of a trailer line");
                    } else {
                        state = State.TRAILER_HEADER;
                    }
                }
                case TRAILER_ALMOST_DONE -> {
                    if (ch != '\n') {
                        throw invalid("CR without LF after the last chunk");
                    }
                    b.pos(p + 1);
                    return done();
                }
                case TRAILER_HEADER -> {
                    if (ch == '\r') {
                        state = State.TRAILER_HEADER_ALMOST_DONE;
                    } else if (control(ch)) {
                        throw invalid(what(ch) + " in a trailer");
                    }
                }
                case TRAILER_HEADER_ALMOST_DONE -> {
                    if (ch != '\n') {
                        throw invalid("CR without LF in a trailer");
                    }
                    state = State.TRAILER;
                }
                default -> throw new IllegalStateException(state.toString());
            }
            p++;
        }
        b.pos(end);
        return Status.AGAIN;
    }

    private void sizeLineDone() {
        if (size == 0) {
            state = State.TRAILER;
        } else {
            state = State.DATA;
        }
    }

    private Status done() {
        state = State.CHUNK_START;
        size = 0;
        return Status.DONE;
    }

    /** The least number of bytes the message still needs (nginx's {@code ctx->length}). */
    public long lengthHint() {
        return switch (state) {
            case CHUNK_START -> 3;
            case CHUNK_SIZE -> 1 + (size != 0 ? size + 4 : 1);
            case SIZE_SPACE, EXTENSION, EXTENSION_ALMOST_DONE -> size == 0 ? 2 : 1 + size + 4;
            case DATA -> size + 4;
            case AFTER_DATA, AFTER_DATA_ALMOST_DONE -> 4;
            case TRAILER, TRAILER_ALMOST_DONE -> 1;
            case TRAILER_HEADER, TRAILER_HEADER_ALMOST_DONE -> 2;
        };
    }

    /** A control character other than tab (a bare LF or CR included): never inside a framing line. */
    private static boolean control(byte ch) {
        return (ch >= 0 && ch < 0x20 && ch != '\t') || ch == 0x7f;
    }

    private static String what(byte ch) {
        return ch == '\n' ? "a bare LF" : ch == '\r' ? "a bare CR" : "0x" + Integer.toHexString(ch & 0xff);
    }

    private static int hex(byte ch) {
        if (ch >= '0' && ch <= '9') {
            return ch - '0';
        }
        int c = ch | 0x20;
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }

    private IOException invalid(String why) {
        return new IOException(who + ": " + why);
    }
}
