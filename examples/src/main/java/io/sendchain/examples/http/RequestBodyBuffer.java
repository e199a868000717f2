package io.sendchain.examples.http;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FileRef;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.output.Status;
import io.sendchain.pipe.ChunkedDecoder;
import io.sendchain.pipe.TempFiles;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A request body read whole before the request goes upstream: nginx's {@code proxy_request_buffering on} with
 * {@code ngx_http_read_client_request_body}, {@code client_body_buffer_size} and {@code client_body_temp_path}. One
 * per proxy session, reused from request to request; it owns the body's memory and temp file from {@link #start}
 * until {@link #release}, which the session calls when the request ends, however it ends.
 *
 * <p>The body goes into one buffer of the session's pool ({@code client_body_buffer_size}, or the body's length
 * when a {@code Content-Length} body is not much longer, as nginx sizes it); when it is full and more is to come,
 * its bytes are appended to a temp file, created on the first spill in the proxy's temp directory and unlinked at
 * once (nginx's temp files that need no name), so nothing is left behind whatever happens to the process. The
 * buffer then takes the next bytes from its start. A finished body is the file's bytes followed by the buffer's:
 * <pre>
 *   temp file [0, spilled)  ─then─  memory [start, last)
 *
 *   memory while a chunked body is read:
 *   start            filled        last           end
 *     │ decoded data  │  raw bytes   │   free      │
 *     └───────────────┴──────────────┴─────────────┘
 *     raw bytes are decoded in place: each chunk's data moves down to filled, the framing is dropped
 * </pre>
 *
 * <p>A chunked body is de-chunked while it is read, so it goes upstream with a {@code Content-Length} (nginx does
 * the same with a buffered body). Reads never take bytes past the body's end: a {@code Content-Length} body is read
 * to its remaining length, a chunked one to the decoder's {@link ChunkedDecoder#lengthHint() least remaining
 * length} (nginx's {@code rb->rest}), so a pipelined request after it stays in the socket for the session.
 *
 * <p>Sending ({@link #send}) puts the upstream request head, the file region (a file buf: {@code sendfile} where
 * the platform has it) and the memory in one chain on the upstream connection. The bufs keep the body, so
 * {@link #rewind()} makes it ready to go again to another server (nginx can pass a buffered body to the next
 * upstream; whether it may is the session's rule).
 */
final class RequestBodyBuffer {

    private static final Logger log = LoggerFactory.getLogger(RequestBodyBuffer.class);

    /** {@link #start}/{@link #read}: the whole body is in. */
    static final int DONE = 0;
    /** {@link #start}/{@link #read}: more is to come; wait for the client's next read event. */
    static final int AGAIN = 1;
    /** {@link #read}: the client closed the connection or its read failed (logged): close without an answer. */
    static final int CLOSE = -1;

    private final Pool pool;
    private final long bufferSize;
    private final long maxBodySize;
    private final Path tempDir;
    private final TempFiles.FileOpener opener;
    private final ChunkedDecoder decoder = new ChunkedDecoder("client sent invalid chunked body");
    /** The body's memory: {@code [start, last)} is body data (and raw chunked bytes while they are decoded). */
    private final Buf mem = new Buf();
    private final Chain readLink = new Chain();
    private final Chain headLink = new Chain();
    private final Chain fileLink = new Chain();
    private final Chain memLink = new Chain();

    /** A body is held: from {@link #start} to {@link #release}. */
    private boolean active;
    private boolean chunked;
    /** Content-Length bytes still to read. */
    private long rest;
    /** The whole body is in. */
    private boolean done;
    /** Body bytes read so far (decoded, for a chunked body). */
    private long length;
    /** Where the temp file is written ({@code null} before the first spill); positional writes. */
    private FileChannel writer;
    /** The temp file opened for sending (the platform's own handle, for sendfile). */
    private FileRef file;
    /** Bytes in the temp file. */
    private long spilled;
    /** The file region's buf, made when the body is complete. */
    private Buf fileBuf;
    /** What of the request is still to send on the current attempt, or {@code null} when all went. */
    private Chain pending;
    /** The current attempt's chain was built. */
    private boolean sending;

    /**
     * @param pool        the session's pool: the body's memory comes from it
     * @param bufferSize  nginx's {@code client_body_buffer_size}
     * @param maxBodySize nginx's {@code client_max_body_size} (0: no limit)
     * @param tempDir     where temp files are made
     * @param opener      opens a temp file for sending (the platform's {@code openFile})
     */
    RequestBodyBuffer(Pool pool, long bufferSize, long maxBodySize, Path tempDir, TempFiles.FileOpener opener) {
        this.pool = pool;
        this.bufferSize = bufferSize;
        this.maxBodySize = maxBodySize;
        this.tempDir = tempDir;
        this.opener = opener;
    }

    /** A body is held (between {@link #start} and {@link #release}). */
    boolean active() {
        return active;
    }

    /** The body is complete. */
    boolean done() {
        return done;
    }

    /** Body bytes read so far; once {@link #done()}, the {@code Content-Length} the upstream gets. */
    long length() {
        return length;
    }

    /** Bytes of the body in its temp file. */
    long spilled() {
        return spilled;
    }

    /**
     * Starts a body ({@code contentLength} bytes, or chunked) and takes what of it came with the head from
     * {@code in}'s unread bytes, leaving a pipelined request behind it there.
     *
     * @return {@link #DONE}, {@link #AGAIN}, or the status to answer before closing: 400 (broken chunked framing),
     *         413 (over {@code client_max_body_size}), 500 (the temp file could not be written)
     */
    int start(boolean chunked, long contentLength, Buf in) {
        release();
        active = true;
        this.chunked = chunked;
        rest = chunked ? 0 : contentLength;
        length = 0;
        done = false;
        decoder.reset();
        // nginx's ngx_http_read_client_request_body: a Content-Length body up to a quarter over the buffer size gets
        // a buffer of its own size, so it is never written to a file
        long size = !chunked && contentLength <= bufferSize + (bufferSize >> 2) ? contentLength : bufferSize;
        pool.tempBuf(mem, size);
        mem.pos(mem.start()).last(mem.start());
        try {
            if (!chunked) {
                long n = Math.min(rest, in.last() - in.pos());
                append(in.segment(), in.pos(), in.pos() + n);
                in.pos(in.pos() + n);
                rest -= n;
                done = rest == 0;
                return done ? DONE : AGAIN;
            }
            while (!done && in.pos() < in.last()) {
                Status rc;
                try {
                    rc = decoder.parse(in);
                } catch (IOException e) {
                    log.info("{}", e.getMessage());
                    return 400;
                }
                if (rc == Status.AGAIN) {
                    break;
                }
                if (rc == Status.DONE) {
                    done = true;
                    break;
                }
                long n = decoder.dataEnd() - decoder.dataStart();
                if (tooLarge(n)) {
                    return 413;
                }
                append(in.segment(), decoder.dataStart(), decoder.dataEnd());
            }
        } catch (IOException e) {
            log.error("{} while buffering the request body", e.getMessage());
            return 500;
        }
        return done ? DONE : AGAIN;
    }

    /**
     * Reads from {@code c} until the body is complete or the socket has nothing more: nginx's
     * ngx_http_do_read_client_request_body.
     *
     * @return {@link #DONE}, {@link #AGAIN}, {@link #CLOSE}, or the status to answer before closing: 400, 413, 500
     */
    int read(Connection c) {
        while (!done) {
            if (mem.last() == mem.end()) {
                // the buffer is full and more is to come: its bytes go to the temp file (nginx's
                // ngx_http_write_request_body), the buffer starts over
                try {
                    spill();
                } catch (IOException e) {
                    log.error("{} while buffering the request body", e.getMessage());
                    return 500;
                }
            }
            long from = mem.last();
            long n;
            try {
                // never past the body's end: what follows it is the next request, the session reads it
                n = c.recvChain(readLink.buf(mem).next(null), chunked ? decoder.lengthHint() : rest);
            } catch (IOException e) {
                log.info("{} while reading client request body", e.getMessage());
                return CLOSE;
            }
            if (n == Connection.AGAIN) {
                return AGAIN;
            }
            if (n == 0) {
                log.info("client prematurely closed connection while reading client request body");
                return CLOSE;
            }
            if (!chunked) {
                rest -= n;
                length += n;
                done = rest == 0;
                continue;
            }
            int rc = decodeInPlace(from);
            if (rc != DONE) {
                return rc;
            }
        }
        return DONE;
    }

    /**
     * Decodes the raw chunked bytes {@code [from, last)} of the buffer in place: each run of data moves down to
     * the end of the data before it, the framing is dropped, and {@code last} ends up at the end of the data.
     *
     * @return {@link #DONE} (decoded, whether or not the body ended), 400 or 413
     */
    private int decodeInPlace(long from) {
        MemorySegment s = mem.segment();
        long filled = from;
        mem.pos(from);
        try {
            while (mem.pos() < mem.last()) {
                Status rc = decoder.parse(mem);
                if (rc == Status.AGAIN) {
                    break;
                }
                if (rc == Status.DONE) {
                    done = true;
                    break;
                }
                long n = decoder.dataEnd() - decoder.dataStart();
                if (tooLarge(n)) {
                    return 413;
                }
                // the data lies at or after filled: an overlapping move down
                MemorySegment.copy(s, decoder.dataStart(), s, filled, n);
                filled += n;
            }
        } catch (IOException e) {
            log.info("{}", e.getMessage());
            return 400;
        } finally {
            mem.pos(mem.start()).last(filled);
        }
        return DONE;
    }

    /** Counts {@code n} more body bytes; {@code true} (logged) when they take the body over the limit. */
    private boolean tooLarge(long n) {
        length += n;
        if (maxBodySize > 0 && length > maxBodySize) {
            log.error("client intended to send too large chunked body: {}+ bytes", length);
            return true;
        }
        return false;
    }

    /** Copies {@code [from, to)} of {@code src} into the buffer, spilling it whenever it is full. */
    private void append(MemorySegment src, long from, long to) throws IOException {
        while (from < to) {
            if (mem.last() == mem.end()) {
                spill();
            }
            long n = Math.min(to - from, mem.end() - mem.last());
            MemorySegment.copy(src, from, mem.segment(), mem.last(), n);
            mem.last(mem.last() + n);
            from += n;
            if (!chunked) {
                length += n;
            }
        }
    }

    /** Appends the buffer's bytes to the temp file (made on the first spill) and empties the buffer. */
    private void spill() throws IOException {
        if (writer == null) {
            createTempFile();
        }
        ByteBuffer v = mem.nioView();
        v.clear().position((int) mem.start()).limit((int) mem.last());
        while (v.hasRemaining()) {
            int w = writer.write(v, spilled);
            if (w <= 0) {
                throw new IOException("pwrite() to the request body's temp file wrote nothing");
            }
            spilled += w;
        }
        mem.pos(mem.start()).last(mem.start());
    }

    /**
     * A temp file in the temp directory, opened for writing and for sending, then unlinked at once: it lives as
     * long as its descriptors (nginx's ngx_create_temp_file for a file that needs no name).
     */
    private void createTempFile() throws IOException {
        Path path;
        try {
            path = Files.createTempFile(tempDir, "sendchain-body-", ".tmp");
        } catch (IOException e) {
            throw new IOException("cannot create a temp file in " + tempDir + ": " + e, e);
        }
        try {
            writer = FileChannel.open(path, StandardOpenOption.WRITE);
            file = opener.open(path);
        } catch (IOException | RuntimeException e) {
            closeFile();
            throw e;
        } finally {
            Files.deleteIfExists(path);
        }
    }

    /**
     * Sends the request on {@code u}: {@code head} (its unsent part), then the body, the file part as a file buf,
     * as far as the socket takes them; once all went, lets out what the send chain corked (nginx's
     * ngx_http_upstream_send_request pushes the same way).
     *
     * @return {@code true} when the whole request went; {@code false}: wait for the upstream's write event
     * @throws IOException naming the call that failed
     */
    boolean send(Connection u, Buf head) throws IOException {
        if (!sending) {
            if (fileBuf == null && spilled > 0) {
                fileBuf = Buf.ofFile(file, 0, spilled);
            }
            Chain tail = headLink.buf(head);
            if (fileBuf != null) {
                tail.next(fileLink.buf(fileBuf));
                tail = fileLink;
            }
            if (mem.last() > mem.pos()) {
                tail.next(memLink.buf(mem));
                tail = memLink;
            }
            tail.next(null);
            pending = head.pos() < head.last() ? headLink : headLink.next();
            sending = true;
        }
        if (pending != null) {
            pending = u.sendChain(pending, 0);
            if (pending != null) {
                return false;
            }
            u.push();
        }
        return true;
    }

    /** Body bytes sent on the current attempt. */
    long sent() {
        long n = fileBuf != null ? fileBuf.filePos() : 0;
        return n + (mem.segment() != null ? mem.pos() - mem.start() : 0);
    }

    /** Makes the whole body ready to be sent again (to the next server, or on a new connection). */
    void rewind() {
        sending = false;
        pending = null;
        if (fileBuf != null) {
            fileBuf.filePos(0);
        }
        if (mem.segment() != null) {
            mem.pos(mem.start());
        }
    }

    /** The request is over: the temp file closed (its bytes vanish with it), the memory back to the pool. */
    void release() {
        active = false;
        done = false;
        sending = false;
        pending = null;
        fileBuf = null;
        spilled = 0;
        headLink.buf(null).next(null);
        fileLink.buf(null).next(null);
        memLink.buf(null).next(null);
        readLink.buf(null);
        closeFile();
        pool.free(mem);
    }

    private void closeFile() {
        try {
            if (writer != null) {
                writer.close();
            }
        } catch (IOException e) {
            log.warn("closing a request body's temp file: {}", e.getMessage());
        }
        try {
            if (file != null) {
                file.close();
            }
        } catch (IOException e) {
            log.warn("closing a request body's temp file: {}", e.getMessage());
        }
        writer = null;
        file = null;
    }
}
