package io.sendchain.examples.http;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.MemoryLimitException;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.EventHandler;
import io.sendchain.event.NetSocket;
import io.sendchain.loop.EventLoop;
import io.sendchain.output.ChainWriter;
import io.sendchain.output.WriteFilter;
import io.sendchain.pipe.ChunkedDecoder;
import io.sendchain.output.Status;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a client connection of the static server and of the proxy share while it is <em>active</em>: reading
 * request heads (keep-alive and pipelining, nginx's header and keep-alive timeouts), answering with a head (and an
 * error page when there is nothing better), keep-alive or close after each response, the access log. Runs on its
 * worker's loop only.
 *
 * <p>nginx's keep-alive economy ({@code ngx_http_set_keepalive}): a session is bound to a connection only while
 * the connection has something going on. When a response is done and no pipelined bytes wait, everything the
 * session holds goes back to the loop ({@link Pool#release()}: header buffer, response head, copies, pipe
 * buffers), the connection is handed to its worker's idle handlers and the session to the worker's spare list,
 * for whichever connection wakes next. An idle keep-alive connection is then only its {@link Connection}, its
 * socket and its timer. Memory is taken when bytes arrive: a small header buffer first
 * ({@code client_header_buffer_size}), a large one only for a long head ({@code large_client_header_buffers}).
 *
 * <pre>
 *   idle ──readable──> bound: reading head ──(complete)──> handle() ... responseFinished()
 *    ^                    │  nothing came: idle again         │ keep-alive, nothing pipelined: release, idle
 *    │                    │  header timeout: 408              │ pipelined bytes: read the next head at once
 *    │                    │  bad head: 400/414/431/501/505,   │ a body still to discard: stay bound, drop it,
 *    │                    │  close                            │   then read the next head
 *    └────────────────────┘                                   └─ no keep-alive: close
 * </pre>
 *
 * <p>A request body the session does not use is discarded (nginx's {@code ngx_http_discard_request_body}): what
 * came with the head is dropped before the answer, the rest as it arrives, during the response and after it, before
 * the next head is parsed. Content-Length bodies are counted off; chunked ones go through a {@link ChunkedDecoder}
 * with all its strictness, so the next request starts exactly where the body's framing says it does. A body over
 * {@link Limits#maxBodySize} is a 413; malformed framing is a 400 before the answer, a close after it; a discard
 * still under way after the answer gets {@link Limits#lingeringTimeMillis} in all and
 * {@link Limits#lingeringTimeoutMillis} between reads (nginx's {@code lingering_time}, {@code lingering_timeout}).
 * While it lasts the session stays bound and keeps {@link #in}: the body's state is the session's.
 *
 * <p>Closing always goes through the loop ({@link EventLoop#close(Connection)}), which calls back
 * {@link #connectionClosed}: whoever closes the connection (the session, a handler that threw, the loop stopping),
 * the response is ended, its memory and files are given back, and the server's count drops, each step even when
 * an earlier one fails. Memory a thread-pool read still writes into is given back when the read comes home
 * ({@link #releasePending}).
 */
abstract class AbstractHttpSession<S extends AbstractHttpServer, W extends AbstractHttpServer.Worker> {

    private static final Logger log = LoggerFactory.getLogger(AbstractHttpSession.class);
    private static final Logger access = LoggerFactory.getLogger("sendchain.access");

    /** Bytes for a response head besides an echoed path or copied headers. */
    static final int HEAD_SIZE = 512;
    /** The status page ({@code --status on}). */
    static final String STATUS_PATH = "/.sendchain/status";

    /**
     * The settings every session reads.
     *
     * @param headerBufferSize      nginx's {@code client_header_buffer_size}: the first buffer for a request head
     * @param largeHeaderBuffers    nginx's {@code large_client_header_buffers} number: a head grows to at most
     *                              this many large buffers' bytes
     * @param largeHeaderBufferSize nginx's {@code large_client_header_buffers} size: a request line longer than
     *                              this is a 414
     * @param maxBodySize           nginx's {@code client_max_body_size}: a longer body is a 413 (0: no limit)
     * @param lingeringTimeMillis   nginx's {@code lingering_time}: the most time to discard a body after the answer
     * @param lingeringTimeoutMillis nginx's {@code lingering_timeout}: the longest wait for more of such a body
     */
    record Limits(int headerBufferSize, int largeHeaderBuffers, int largeHeaderBufferSize, int maxHeaders,
            long headerTimeoutMillis, long keepaliveTimeoutMillis, boolean accessLog, boolean status,
            long maxBodySize, long lingeringTimeMillis, long lingeringTimeoutMillis) {

        /** The longest request head accepted. */
        long maxHead() {
            return Math.max(headerBufferSize, (long) largeHeaderBuffers * largeHeaderBufferSize);
        }
    }

    final S server;
    final W worker;
    final EventLoop loop;
    final Limits limits;
    /** The session's memory: borrowed from the loop while active, all given back when idle. */
    final Pool pool;
    /** The request head buffer; memory only while bytes of a head (or pipelined heads, or a body) are in it. */
    Buf in = new Buf();
    /** Where a growing head moves to; then the two swap. */
    private Buf grown = new Buf();
    /** The response head; memory only while a response is under way. */
    final Buf head = new Buf();
    final AsciiWriter w = new AsciiWriter();
    final HttpRequest req = new HttpRequest();
    final ChainWriter writer;
    /** The write policy over {@link #writer} (nginx's write filter): rate limit, per-call limit, push after the last buf. */
    final WriteFilter filter;
    final Chain headLink = new Chain();
    final Chain bodyLink = new Chain();
    private final EventHandler readHandler = this::onReadGuarded;
    private final EventHandler writeHandler = this::onWriteGuarded;
    private final Consumer<Connection> closeHandler = this::connectionClosed;

    /** The connection the session serves, or {@code null} while it waits on its worker's spare list. */
    Connection c;
    boolean responding;
    boolean keepAlive;
    boolean closed;
    /**
     * The connection closed while work on another thread (a thread-pool read) still used the session's memory;
     * the subclass calls {@link #finishRelease()} when that work is back.
     */
    boolean releasePending;
    /** Content-Length request body bytes still to skip before the next head. */
    long discard;
    /** A chunked request body is being discarded: {@link #discardDecoder} knows where its end is. */
    private boolean discardChunked;
    private final ChunkedDecoder discardDecoder = new ChunkedDecoder("client sent invalid chunked body");
    /** Chunk data bytes discarded so far, held against {@link Limits#maxBodySize}. */
    private long discarded;
    /** When a discard still under way after the answer gives up ({@link Limits#lingeringTimeMillis}). */
    private long discardDeadline;
    /** The answer is out and the FIN sent; what the client still sends is read and dropped ({@link #linger}). */
    private boolean lingering;
    private long lingerDeadline;
    long requestStart;
    int status;
    long bodyBytes;

    AbstractHttpSession(S server, W worker) {
        this.server = server;
        this.worker = worker;
        this.loop = worker.loop;
        this.limits = server.limits();
        this.pool = new Pool(loop.memory());
        this.writer = new ChainWriter(pool);
        this.filter = new WriteFilter(writer, loop);
        req.strings(worker.strings);
    }

    /** Binds the session to {@code conn}, which has bytes to read (or is about to): from now on its events come here. */
    final void bind(Connection conn) {
        this.c = conn;
        closed = false;
        lingering = false;
        responding = false;
        keepAlive = false;
        discard = 0;
        discardChunked = false;
        status = 0;
        writer.connection(conn);
        conn.read().handler(readHandler);
        conn.write().handler(writeHandler);
        conn.onClose(closeHandler);
        bound();
    }

    /** The session was bound to {@link #c}; subclasses point their own per-connection parts at it. */
    void bound() {
    }

    /** A complete request head is in {@link #req}; {@link #in}'s pos is past it. */
    abstract void handle();

    /** The client's read event while a response is under way. */
    abstract void readWhileResponding(Event ev);

    /** The client's write event. */
    abstract void onWrite(Event ev);

    /** The methods a 405 names in its {@code Allow} header, or {@code null} for none. */
    String allowed() {
        return null;
    }

    /** Sends a response built by {@link #startHead} and {@link #endHead}: {@code chain} is its head and body. */
    abstract void send(Chain chain);

    /** The response head's capacity: {@link #HEAD_SIZE} plus what the response copies into it. */
    abstract long headCapacity();

    /**
     * Ends what the response holds (files, upstream, output state) so that its memory can be given back; called
     * after every response and on close, so it must do nothing the second time. A subclass whose memory is still
     * in use on another thread sets {@link #releasePending} instead and calls {@link #finishRelease()} later.
     */
    abstract void responseDone();

    // ---------------------------------------------------------------- guarded entry points

    /** The bound connection's read event woke the session (its worker's idle handler passes it on). */
    final void wake(Event ev) {
        onReadGuarded(ev);
    }

    private void onReadGuarded(Event ev) {
        try {
            onRead(ev);
        } catch (MemoryLimitException e) {
            memoryRefused(e);
        }
    }

    private void onWriteGuarded(Event ev) {
        try {
            onWrite(ev);
        } catch (MemoryLimitException e) {
            memoryRefused(e);
        }
    }

    /** The loop's memory bound was reached: this connection is closed with the reason; others go on. */
    final void memoryRefused(MemoryLimitException e) {
        worker.memoryRefused(e);
        close();
    }

    // ---------------------------------------------------------------- reading requests

    private void onRead(Event ev) {
        if (closed) {
            return;
        }
        if (lingering) {
            if (ev.timedOut()) {
                close(); // the client went quiet (lingering_timeout) or lingering_time is over
            } else {
                drain();
            }
            return;
        }
        if (responding) {
            readWhileResponding(ev);
            return;
        }
        if (ev.timedOut()) {
            if (discarding()) {
                // nginx's lingering_timeout or lingering_time: the answer went out, nothing more to say
                log.info("client timed out while its request body was being discarded; closing");
                close();
            } else if (in.segment() != null && in.pos() < in.last()) {
                // a head was started and not finished in time: nginx's client_header_timeout
                error(408, true);
            } else {
                close(); // idle keep-alive connection
            }
            return;
        }
        readRequest();
    }

    private void readRequest() {
        for (;;) {
            if (in.segment() != null) {
                if (discarding()) {
                    if (discardIn() != 0) {
                        close(); // the answer went out already: a body that breaks its framing ends the connection
                        return;
                    }
                    if (!discarding()) {
                        loop.deleteTimer(c.read()); // the lingering timer; the next head gets its own
                    }
                }
                if (!discarding() && in.pos() < in.last()) {
                    int rc = req.parse(in, limits.maxHeaders());
                    if (rc == HttpRequest.DONE) {
                        loop.deleteTimer(c.read());
                        requestStart = loop.now();
                        filter.start();
                        keepAlive = req.keepAlive();
                        bodyBytes = 0;
                        status = 0;
                        worker.requests++;
                        if (limits.status() && STATUS_PATH.equals(req.target)) {
                            status();
                        } else {
                            handle();
                        }
                        return;
                    }
                    if (rc != HttpRequest.NEED_MORE) {
                        loop.deleteTimer(c.read());
                        error(rc, true);
                        return;
                    }
                }
            }
            if (!makeRoom()) {
                return;
            }
            long n;
            try {
                n = c.recv(in);
            } catch (IOException e) {
                log.debug("{}", e.getMessage());
                close();
                return;
            }
            if (n == Connection.AGAIN) {
                if (discarding()) {
                    // the session stays bound with its buffer until the body is gone; the timer is re-armed after
                    // every read (lingering_timeout) within the discard's overall time (lingering_time)
                    long left = discardDeadline - loop.now();
                    if (left <= 0) {
                        log.info("lingering time is over while discarding a request body; closing");
                        close();
                        return;
                    }
                    loop.addTimer(c.read(), Math.min(limits.lingeringTimeoutMillis(), left));
                    return;
                }
                boolean partial = in.pos() < in.last();
                if (!c.read().timerSet()) {
                    loop.addTimer(c.read(), partial ? limits.headerTimeoutMillis() : limits.keepaliveTimeoutMillis());
                }
                if (!partial) {
                    idle(); // nothing came after all: give the buffer back at once
                }
                return;
            }
            if (n == 0) {
                close(); // the client closed the connection
                return;
            }
        }
    }

    /**
     * Makes room in {@link #in} for the next read: memory for it when it has none (a small buffer), unread bytes
     * moved to the front, or a larger buffer; answers 414/431 when a head does not fit the largest.
     */
    private boolean makeRoom() {
        if (in.segment() == null) {
            pool.tempBuf(in, limits.headerBufferSize());
            return true;
        }
        if (in.pos() == in.last()) {
            in.pos(in.start()).last(in.start());
            return true;
        }
        if (in.last() < in.end()) {
            return true;
        }
        if (in.pos() > in.start()) {
            compactIn();
            return true;
        }
        long capacity = in.end() - in.start();
        long large = limits.largeHeaderBufferSize();
        boolean requestLine = HttpRequest.noLineEnd(in);
        if (capacity < limits.maxHead() && !(requestLine && capacity >= large)) {
            // nginx's ngx_http_alloc_large_header_buffer: the unfinished head moves to a bigger buffer
            long size = Math.min(limits.maxHead(), capacity < large ? large : capacity + large);
            pool.tempBuf(grown, size);
            long len = in.last() - in.pos();
            MemorySegment.copy(in.segment(), in.pos(), grown.segment(), grown.start(), len);
            grown.last(grown.start() + len);
            pool.free(in);
            Buf t = in;
            in = grown;
            grown = t;
            return true;
        }
        loop.deleteTimer(c.read());
        error(requestLine ? 414 : 431, true);
        return false;
    }

    /** Moves {@link #in}'s unread bytes to its start. */
    final void compactIn() {
        long len = in.last() - in.pos();
        MemorySegment.copy(in.segment(), in.pos(), in.segment(), in.start(), len);
        in.pos(in.start()).last(in.start() + len);
    }

    /** Gives the header buffer back when nothing in it is still to be read (nginx frees it once a head is parsed). */
    final void freeHeaderBufferIfDone() {
        if (in.segment() != null && in.pos() == in.last() && !discarding()) {
            pool.free(in);
        }
    }

    // ---------------------------------------------------------------- discarding request bodies

    /** Whether request body bytes are still to be read and dropped before the next head. */
    final boolean discarding() {
        return discard > 0 || discardChunked;
    }

    /**
     * Starts discarding the request's body and drops what of it came with the head or waits in the socket (nginx's
     * {@code ngx_http_discard_request_body} reads until EAGAIN too); the rest goes as it arrives.
     *
     * @return 0; or the status to answer before closing: 413 for a body over the limit, 400 for chunked framing
     *         that is already broken; or -1 when the connection failed and is closed
     */
    final int discardBody() {
        discard = 0;
        discardChunked = false;
        if (req.chunked) {
            discardChunked = true;
            discardDecoder.reset();
            discarded = 0;
        } else if (req.contentLength > 0) {
            long max = limits.maxBodySize();
            if (max > 0 && req.contentLength > max) {
                log.info("client intended to send too large body: {} bytes", req.contentLength);
                return 413;
            }
            discard = req.contentLength;
        }
        int rc = discardIn();
        if (rc == 0 && discarding() && c.read().ready()) {
            // read now: an edge-triggered loop reports no new edge for bytes already waiting in the socket
            rc = discardRead();
            if (rc < 0) {
                close();
                return -1;
            }
        }
        if (rc == 0 && discarding() && req.expectContinue) {
            // the client waits for a 100 (Continue) that does not come, and may send the rest of the body or its next
            // request: answer, then close rather than guess which (RFC 9110 10.1.1)
            keepAlive = false;
        }
        return rc;
    }

    /**
     * Drops body bytes from {@link #in}'s unread bytes, stopping where the body ends.
     *
     * @return 0, or 400 (malformed chunked framing) or 413 (over the limit), after which nothing more is discarded
     */
    private int discardIn() {
        if (discard > 0) {
            long n = Math.min(discard, in.last() - in.pos());
            in.pos(in.pos() + n);
            discard -= n;
        }
        while (discardChunked && in.pos() < in.last()) {
            Status rc;
            try {
                rc = discardDecoder.parse(in);
            } catch (IOException e) {
                log.info("{}", e.getMessage());
                discardChunked = false;
                return 400;
            }
            if (rc == Status.OK) {
                discarded += discardDecoder.dataEnd() - discardDecoder.dataStart();
                long max = limits.maxBodySize();
                if (max > 0 && discarded > max) {
                    log.info("client intended to send too large chunked body: {}+ bytes", discarded);
                    discardChunked = false;
                    return 413;
                }
            } else if (rc == Status.DONE) {
                discardChunked = false;
            }
        }
        return 0;
    }

    /**
     * Reads and drops body bytes while the answer is under way, so that a client still sending a body nobody asked
     * for never stalls against an answer it does not read meanwhile (nginx reads a discarded body whenever the
     * connection is readable). Stops where the body ends: what follows is the next request and waits in the socket.
     */
    final void discardWhileResponding() {
        if (discarding() && discardRead() != 0) {
            close();
        }
    }

    /**
     * Reads into {@link #in} and drops body bytes until the socket has no more or the body has ended.
     *
     * @return 0; 400 or 413 from {@link #discardIn()}; -1 when the read failed
     */
    private int discardRead() {
        while (discarding()) {
            if (in.segment() == null) {
                pool.tempBuf(in, limits.headerBufferSize());
            } else if (in.pos() == in.last()) {
                in.pos(in.start()).last(in.start());
            }
            long n;
            try {
                n = c.recv(in);
            } catch (IOException e) {
                log.debug("{}", e.getMessage());
                return -1;
            }
            if (n == Connection.AGAIN) {
                return 0;
            }
            if (n == 0) {
                // the client will send nothing more, no next request either: finish the answer, then close
                keepAlive = false;
                discard = 0;
                discardChunked = false;
                return 0;
            }
            int rc = discardIn();
            if (rc != 0) {
                return rc;
            }
        }
        return 0;
    }

    // ---------------------------------------------------------------- answering

    static String reason(int code) {
        return switch (code) {
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Not Allowed";
            case 408 -> "Request Time-out";
            case 411 -> "Length Required";
            case 413 -> "Request Entity Too Large";
            case 414 -> "Request-URI Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 504 -> "Gateway Time-out";
            case 505 -> "HTTP Version Not Supported";
            default -> "Internal Server Error";
        };
    }

    /** Answers with an error page; {@code close}: then close the connection. */
    final void error(int code, boolean close) {
        if (close) {
            keepAlive = false;
        }
        String reason = reason(code);
        if (req.method == null || req.target == null) {
            req.method = "-"; // a request line that did not parse: the access log and the head size need something
            req.target = "-";
        }
        startHead(code, reason);
        if (code == 405 && allowed() != null) {
            w.header("Allow", allowed());
        }
        w.header("Content-Type", "text/html");
        errorBody(code, reason);
    }

    final void errorBody(int code, String reason) {
        byte[] page = Heads.page(code, reason);
        textBody(page != null ? page : Heads.pageBytes(code, reason));
    }

    /** Ends the head with a Content-Length for {@code text} and sends both (no body for HEAD). */
    private void textBody(String text) {
        textBody(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * Ends the head with a Content-Length for {@code bytes} and sends both (no body for HEAD). A body that fits
     * goes in the head's own buffer (one buf, no copy of its own).
     */
    private void textBody(byte[] bytes) {
        w.header("Content-Length", bytes.length);
        boolean sendBody = !"HEAD".equals(req.method);
        bodyBytes = sendBody ? bytes.length : 0;
        if (sendBody && w.room() >= bytes.length + Heads.CONNECTION_MAX) {
            if (endHead(bytes)) {
                sendHead(null);
            }
            return;
        }
        Buf body = null;
        if (sendBody) {
            body = Buf.copyOf(pool, bytes);
            body.lastBuf(true).lastInChain(true);
        }
        endHeadAndSend(body);
    }

    /** The status page: the server's counters as {@code key value} lines (nginx's stub_status, for benchmarks). */
    private void status() {
        int rc = discardBody();
        if (rc != 0) {
            if (rc > 0) {
                error(rc, true);
            }
            return;
        }
        responding = true;
        startHead(200, "OK");
        w.header("Content-Type", "text/plain");
        textBody(server.statusText());
    }

    /** Starts a response head in {@link #head} (taking its memory): status line, Server, Date. */
    final void startHead(int code, String reason) {
        status = code;
        byte[] line = Heads.statusLine(code, reason);
        AsciiWriter hw = startHeadBuffer();
        if (line != null) {
            hw.put(line); // the status line, Server and "Date: ", preformatted
        } else {
            hw.put("HTTP/1.1 ").put(code).put(" ").put(reason).crlf().put("Server: sendchain\r\nDate: ");
        }
        hw.put(worker.date.nowBytes(System.currentTimeMillis())).crlf();
    }

    /** Makes {@link #head} empty (taking its memory first) and starts the writer on it. */
    final AsciiWriter startHeadBuffer() {
        if (head.segment() == null) {
            pool.tempBuf(head, headCapacity());
        }
        head.pos(head.start()).last(head.start());
        return w.start(head);
    }

    /** Adds Connection and the blank line; {@code false} (after closing) if the head did not fit. */
    final boolean endHead() {
        return endHead(null);
    }

    /**
     * Ends the head and copies bytes {@code [from, to)} of {@code body} right after it, in the head's buffer (sized
     * for it by {@link #headCapacity()}), and sends the two as one buf: one {@code send} for a small body.
     */
    final void endHeadAndSendInline(MemorySegment body, long from, long to) {
        keepAlive &= !worker.stopping; // the server stops gracefully: this is the connection's last response
        w.put(keepAlive ? Heads.KEEP_ALIVE : Heads.CLOSE).put(body, from, to);
        if (endHeadWritten()) {
            sendHead(null);
        }
    }

    /** {@link #endHead()}, then {@code inlineBody} (if not {@code null}) right after the head in its buffer. */
    private boolean endHead(byte[] inlineBody) {
        keepAlive &= !worker.stopping; // the server stops gracefully: this is the connection's last response
        w.put(keepAlive ? Heads.KEEP_ALIVE : Heads.CLOSE);
        if (inlineBody != null) {
            w.put(inlineBody);
        }
        return endHeadWritten();
    }

    /** Finishes a head whose last line is written: false (after closing) if it did not fit. */
    private boolean endHeadWritten() {
        c.closeAfterOutput(!keepAlive);
        if (!w.finish()) {
            log.error("response head for {} does not fit {} bytes; closing", req.target, head.end());
            close();
            return false;
        }
        return true;
    }

    final void endHeadAndSend(Buf body) {
        if (!endHead()) {
            return;
        }
        sendHead(body);
    }

    /** Sends the ended head and {@code body} (or the head alone, which may hold its body inline). */
    private void sendHead(Buf body) {
        responding = true;
        if (body == null) {
            head.lastBuf(true).lastInChain(true);
            headLink.buf(head).next(null);
        } else {
            head.lastBuf(false).lastInChain(false);
            headLink.buf(head).next(bodyLink.buf(body).next(null));
        }
        send(headLink);
    }

    /** The response is sent: log it, then wait for the next request (idle) or close. */
    final void responseFinished() {
        responding = false;
        loop.deleteTimer(c.write());
        c.write().delayed(false);
        responseDone();
        writer.abandon();
        if (limits.accessLog()) {
            accessLog();
        }
        boolean unread = discarding() || in.segment() != null && in.pos() < in.last();
        if (!keepAlive) {
            if (unread || c.read().ready()) {
                linger();
            } else {
                close();
            }
            return;
        }
        if (server.tcpNodelay()) {
            // nginx's ngx_http_set_keepalive: TCP_NODELAY once a connection is kept alive, so the tail of the next
            // response is not held back by Nagle; a connection closed after one response never pays for it. The
            // socket keeps the option's state: a socket that has it on makes no system call
            try {
                c.stream().setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            } catch (IOException e) {
                log.debug("{}", e.getMessage());
            }
        }
        boolean pipelined = unread;
        if (discarding()) {
            discardDeadline = loop.now() + limits.lingeringTimeMillis();
        }
        if (pipelined || c.read().ready()) {
            // pipelined requests, or data that arrived meanwhile: go on in a posted event, not by recursion; the
            // response's memory goes back now, the header buffer with the next heads stays
            pool.releaseExcept(pipelined ? in : null);
            c.read().post();
        } else {
            loop.addTimer(c.read(), limits.keepaliveTimeoutMillis());
            idle();
        }
    }

    /**
     * nginx's lingering close ({@code ngx_http_set_lingering_close}): the answer is out but the client may still be
     * sending (a body that was refused, more pipelined requests); closing now would make the kernel reset the
     * connection, which can destroy the answer before the client has read it. So the FIN goes first, and what still
     * comes is read and dropped until the client closes, goes quiet for {@code lingering_timeout} or
     * {@code lingering_time} is over. Only the header buffer is kept, to read into.
     */
    private void linger() {
        try {
            c.stream().shutdownOutput();
        } catch (IOException e) {
            log.debug("{}", e.getMessage());
            close();
            return;
        }
        lingering = true;
        lingerDeadline = loop.now() + limits.lingeringTimeMillis();
        pool.releaseExcept(in);
        drain();
    }

    /** Reads and drops what the client sends while lingering; closes at its end, an error, or the deadline. */
    private void drain() {
        if (in.segment() == null) {
            pool.tempBuf(in, limits.headerBufferSize());
        }
        for (;;) {
            in.pos(in.start()).last(in.start());
            long n;
            try {
                n = c.recv(in);
            } catch (IOException e) {
                log.debug("{}", e.getMessage());
                close();
                return;
            }
            if (n == 0) {
                close(); // the client has read the answer and closed: the close is clean
                return;
            }
            if (n == Connection.AGAIN) {
                long left = lingerDeadline - loop.now();
                if (left <= 0) {
                    close();
                } else {
                    loop.addTimer(c.read(), Math.min(limits.lingeringTimeoutMillis(), left));
                }
                return;
            }
        }
    }

    /** Back to idle: memory to the loop, the connection to the worker's idle handlers, the session to spare. */
    private void idle() {
        if (worker.stopping) {
            close(); // the server stops gracefully: no connection goes idle
            return;
        }
        Connection conn = c;
        pool.release();
        conn.read().handler(worker.idleRead);
        conn.write().handler(worker.idleWrite);
        conn.onClose(worker.idleClosed);
        c = null;
        worker.giveSession(this);
    }

    private void accessLog() {
        String who;
        try {
            who = c.stream().remoteAddress().getAddress().getHostAddress();
        } catch (IOException e) {
            who = "-";
        }
        access.info("{} \"{} {} HTTP/{}.{}\" {} {} {}ms", who, req.method, req.target, req.major, req.minor, status,
                bodyBytes, loop.now() - requestStart);
    }

    /**
     * Ends the response (so whoever watches sees it end before the client sees the close), then closes the
     * connection; {@link #connectionClosed} then releases everything.
     */
    final void close() {
        if (c != null && !closed) {
            closed = true;
            try {
                responseDone();
            } catch (RuntimeException e) {
                log.error("ending the response before a close failed", e);
            }
            loop.close(c);
        }
    }

    /** The loop closed the connection (see the class comment): end the response, give everything back. */
    private void connectionClosed(Connection conn) {
        closed = true;
        try {
            responseDone();
        } catch (RuntimeException e) {
            log.error("ending the response of a closed connection failed", e);
        }
        worker.connectionClosed(conn);
        if (!releasePending) {
            finishRelease();
        }
    }

    /** Gives the session's memory back and the session to the worker's spare list (after a close). */
    final void finishRelease() {
        releasePending = false;
        try {
            writer.abandon();
            pool.release();
        } finally {
            c = null;
            worker.giveSession(this);
        }
    }
}
