package io.sendchain.examples.http;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.MemoryLimitException;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.EventHandler;
import io.sendchain.event.NetSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.output.OutputFilter;
import io.sendchain.output.Status;
import io.sendchain.pipe.ChunkedDecoder;
import io.sendchain.pipe.EventPipe;
import io.sendchain.pipe.InputFilter;
import io.sendchain.pipe.PipeSettings;
import io.sendchain.pipe.TempFiles;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection of the reverse proxy: nginx's upstream module with the proxy handler, for one request at
 * a time (keep-alive and pipelining on the client side; upstream, a connection from the worker's
 * {@link UpstreamKeepalive} cache or a new one, given back there when the response ended cleanly).
 *
 * <pre>
 *   head ─> connecting ─> sending request ─> reading response head ─┬─ buffering on ─> pipe ──┐
 *            │ refused: 502   │ (streams the body,   │ timeout: 504     └─ buffering off ─> relay ─┴─> finishing
 *            │ timeout: 504   │  re-chunked)         │ bad head: 502                                (last chunk)
 * </pre>
 *
 * <p>A request sent on a kept-alive connection that fails before any byte of the answer came back (the upstream
 * closed the connection as the request went out) is sent once more on a new connection to the same server when
 * that is safe ({@code retry}), as nginx's ngx_http_upstream_next does for a cached connection; that is not the
 * server's failure. Any other failure before the answer's head (connect error or timeout, reset, timeout, early
 * close) counts against the server ({@link UpstreamPeers#free}) and passes the request on to the next server
 * ({@code next}, nginx's ngx_http_upstream_next with {@code proxy_next_upstream error timeout}) while servers and
 * tries are left, the request can be sent again (no body byte went) and it is idempotent or was not sent yet.
 *
 * <p>Before the response head goes to the client, a failure is answered with an error page (502, 504); after it,
 * the client connection is closed, so a truncated body is never mistaken for a complete one (nginx does the
 * same). A request body with {@code Content-Length} or {@code Transfer-Encoding: chunked} is read whole first
 * ({@link RequestBodyBuffer}, nginx's default {@code proxy_request_buffering on}: memory, then a temp file), and only
 * then is a server chosen and the request sent, with a {@code Content-Length}; a slow client holds no upstream
 * connection meanwhile, and the kept body can go again to the next server. With request buffering off, bodies stream
 * to the upstream as they arrive, chunked ones decoded and framed again, so what reaches the upstream is always
 * well-formed.
 */
final class ProxySession extends AbstractHttpSession<ReverseProxy, ReverseProxy.ProxyWorker> {

    private static final Logger log = LoggerFactory.getLogger(ProxySession.class);

    /** nginx's default postpone_output: less than this waits in the write filter for more, a flush or the end. */
    private static final long POSTPONE_OUTPUT = 1460;
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    /** Request headers the proxy sets itself or that end at the hop. */
    static final FieldNames REQUEST_HOP = new FieldNames("host", "connection", "keep-alive", "proxy-connection",
            "te", "trailer", "transfer-encoding", "upgrade", "content-length", "expect");
    /** Response headers the proxy sets itself or that end at the hop (nginx hides Server and Date too). */
    static final FieldNames RESPONSE_HOP = new FieldNames("server", "date", "connection", "keep-alive",
            "proxy-connection", "transfer-encoding", "trailer", "upgrade", "te");

    /**
     * Copies the header lines of the client's head {@code [headStart, headEnd)} (request line first) that go to the
     * upstream: all but the hop-by-hop ones and those the proxy sets itself.
     */
    static void copyRequestHeaders(MemorySegment s, long headStart, long headEnd, AsciiWriter w) {
        long headers = HttpSyntax.indexOf(s, (byte) '\n', headStart, headEnd) + 1;
        UpstreamHead.copyHeaders(s, headers, headEnd, w, REQUEST_HOP);
    }

    private enum State { IDLE, BODY, CONNECTING, SENDING, READING_HEAD, PIPE, RELAY, SPLICE, FINISHING }

    private final ProxyConfig config;
    private final String hostHeader;
    /** The worker's upstream servers. */
    private final UpstreamPeers peers;
    /** The servers this request tried: one bit each (reused from request to request). */
    private final long[] tried;
    /** The upstream's response head; then the pipe's preread buf, or the relay's buffer. */
    private final Buf ub = new Buf();
    /**
     * {@link #ub}'s size: with buffering on, room for a {@code proxy_buffer_size} head (the limit stays that) and
     * one of the pipe's buffers more, within {@code proxy_busy_buffers_size} (the pipe takes no bigger preread buf),
     * so the head and a small body come in one read: nginx reads a 4 KiB file's answer in two, the second into a
     * pipe buffer. With buffering off it is {@code proxy_buffer_size}, the relay's one buffer, as in nginx.
     */
    private final long ubSize;
    /** The request head for the upstream. */
    private final Buf uhead = new Buf();
    /** Request body bytes on their way to the upstream (copied from {@link #in}; chunked: framed again). */
    private final Buf body = new Buf();
    private final Supply supply = new Supply();
    private final EventHandler upstreamRead = this::onUpstreamReadGuarded;
    private final EventHandler upstreamWrite = this::onUpstreamWriteGuarded;
    private final ChunkedDecoder bodyDecoder = new ChunkedDecoder("client sent invalid chunked body");
    private final ChunkedDecoder relayDecoder = new ChunkedDecoder("upstream sent invalid chunked response");
    private final InputFilter chunkedInput = InputFilter.chunked();
    /** A chunked body passed on to an HTTP/1.1 client through memory (event pipe or relay), framed as it came. */
    private final ChunkedPassthrough framing = new ChunkedPassthrough();
    private final ChunkedEncoder encoder;
    private final UpstreamHead uh = new UpstreamHead();
    private final Buf lastBuf = Buf.lastBufMarker();
    private final Chain lastLink = new Chain();
    private final Buf view = new Buf();
    private final Chain viewLink = new Chain();
    /** Ends each relayed piece: the non-buffered relay lets nothing wait in the write filter (nginx's b->flush). */
    private final Chain flushLink = new Chain().buf(Buf.flushBuf());
    private Buf continueBuf;
    /** The worker's idle upstream connections, or {@code null} when upstream keep-alive is off. */
    private final UpstreamKeepalive keepalive;
    /** Tells whether a piped response ended with bytes past its end (the connection is then not kept). */
    private final ResponseEndWatch endWatch = new ResponseEndWatch();
    /** The request body read whole before the upstream is chosen ({@code proxy_request_buffering on}). */
    private final RequestBodyBuffer bodyBuffer;

    private State state = State.IDLE;
    private Connection u;
    /** The server of this attempt ({@link UpstreamPeers}' index), or {@code -1} before one is chosen. */
    private int peer = -1;
    /** Its {@code HOST:PORT}, for logs. */
    private String peerName = "";
    /** Servers this request may still try (nginx's {@code u->peer.tries}). */
    private int triesLeft;
    /** Some of the request went out to the current or an earlier server (nginx's {@code u->request_sent}). */
    private boolean requestSent;
    private EventPipe pipe;
    /** The piped body has neither a length nor chunks: it ends when the upstream closes. */
    private boolean pipeToEof;
    /** The pipe serves the current response (it is closed, not dropped, after each). */
    private boolean pipeActive;
    /** Where the response body goes: the chunked encoder or straight to the writer. */
    private OutputFilter out;
    /**
     * The connection's {@link Connection#sent()} when this response's head was handed to the write filter, or
     * {@code -1} before: while nothing more was sent, the head (held by the filter's postponing until body bytes
     * join it) can still be replaced by an error page.
     */
    private long sentBeforeHead = -1;
    // request body
    /** Where the request head ends in {@link #in} (a buffered body's first bytes may have followed it there). */
    private long headEnd;
    private boolean bodyChunked;
    private long bodyLeft;
    private long bodyRead;
    private boolean bodyDone;
    // response body (relay)
    private boolean chunkedIn;
    private long relayLeft;
    private boolean relayDone;
    private boolean relayEof;
    private boolean writerBusy;
    private long upstreamHeadStart;
    // upstream keep-alive
    /** {@link #u} came from the keep-alive cache: the upstream may have closed it just as the request went out. */
    private boolean reused;
    /** Requests {@link #u} has carried, this one included (nginx's {@code c->requests}). */
    private int uRequests;
    /** This request was already sent again on a new connection after its kept-alive one failed. */
    private boolean retried;
    /** Request body bytes sent to the upstream (a body streams through: once sent it cannot be sent again). */
    private long bodySent;
    /** Bytes of the response came back from the upstream. */
    private boolean upstreamAnswered;
    /** The relayed response had bytes past its end. */
    private boolean relayExtra;
    /** The relay passes a chunked body on framed as it came ({@link #framing} checks it). */
    private boolean relayPassthrough;
    /** Parsed bytes the relay holds back at the front of {@link #ub} (a last chunk not complete yet). */
    private long relayHeld;
    /** After {@link #relayData}: {@code [relayHoldFrom, relayHoldTo)} of {@link #ub} is held back for later. */
    private long relayHoldFrom;
    private long relayHoldTo;
    /**
     * Zero-copy relay of Content-Length bodies and of chunked ones passed on as they came, or {@code null} without
     * splice (off, or not on this platform).
     */
    private final SpliceRelay splice;

    ProxySession(ReverseProxy proxy, ReverseProxy.ProxyWorker worker) {
        super(proxy, worker);
        this.config = proxy.config();
        this.hostHeader = config.upstreamName();
        this.ubSize = !config.buffering() ? config.bufferSize() : Math.max(config.bufferSize(),
                Math.min(config.busyBuffersSize(), config.bufferSize() + config.buffersSize()));
        this.peers = worker.peers;
        this.tried = peers.newTried();
        this.encoder = new ChunkedEncoder(pool, filter);
        this.keepalive = worker.keepalive;
        this.bodyBuffer = new RequestBodyBuffer(pool, config.clientBodyBufferSize(), config.clientMaxBodySize(),
                config.tempPath(), server.platform()::openFile);
        this.splice = worker.splicer == null ? null : new SpliceRelay(loop, pool, worker.splicer, worker);
        // nginx's postpone_output 1460: the head waits for the first body bytes, so both leave in one write
        filter.postpone(POSTPONE_OUTPUT);
    }

    @Override
    long headCapacity() {
        return HEAD_SIZE + config.bufferSize(); // the upstream's head is copied into it
    }

    /** Gives {@code b} fresh memory of {@code size} bytes unless it still has some (memory comes per request). */
    private void ensure(Buf b, long size) {
        if (b.segment() == null) {
            pool.tempBuf(b, size);
        }
    }

    /** The pipe's raw bufs: headers kept by the session, memory from the loop for one response at a time. */
    private final class Supply implements EventPipe.BufSupply {
        private final ArrayDeque<Buf> headers = new ArrayDeque<>();

        @Override
        public Buf take(long size) {
            Buf b = headers.poll();
            return pool.tempBuf(b != null ? b : new Buf(), size);
        }

        @Override
        public void give(Buf b) {
            pool.free(b);
            headers.push(b);
        }
    }

    // ---------------------------------------------------------------- the request

    @Override
    void handle() {
        if (req.method.equals("CONNECT")) {
            // tunnels are not proxied, and a 2xx to CONNECT would make the upstream connection one: refused as nginx
            // refuses it, and closed, since a tunnel's bytes may follow
            error(405, true);
            return;
        }
        responding = true;
        retried = false;
        bodySent = 0;
        requestSent = false;
        java.util.Arrays.fill(tried, 0L);
        int tries = config.nextUpstreamTries();
        triesLeft = tries == 0 ? peers.size() : Math.min(tries, peers.size());
        ensure(ub, ubSize);
        bodyChunked = req.chunked;
        bodyLeft = bodyChunked ? -1 : Math.max(0, req.contentLength);
        bodyRead = 0;
        bodyDone = !bodyChunked && bodyLeft == 0;
        bodyDecoder.reset();
        long max = config.clientMaxBodySize();
        if (max > 0 && bodyLeft > max) {
            log.error("client intended to send too large body: {} bytes", bodyLeft);
            error(413, true);
            return;
        }
        // proxy_request_buffering on: the body is read whole first, the upstream request is made after it
        boolean buffer = config.requestBuffering() && !bodyDone;
        if (buffer) {
            headEnd = in.pos();
        } else if (!upstreamRequestHead()) {
            return;
        }
        if (buffer) {
            int rc = bodyBuffer.start(bodyChunked, bodyLeft, in);
            if (rc > RequestBodyBuffer.AGAIN) {
                error(rc, true);
                return;
            }
            bodyDone = rc == RequestBodyBuffer.DONE;
        } else if (!bodyDone) {
            // the body is copied out of in's unread bytes, framed again when chunked: room for them and framing
            ensure(body, in.end() - in.start() + 64);
            body.pos(body.start()).last(body.start());
            // what of the body came with the head is taken now, so framing already broken there is a 400 before the
            // upstream is connected (nginx reads the whole body first; this proxy streams it, so a break further on
            // can only end the upstream request unfinished)
            if (in.pos() < in.last() && !takeBodyChecked()) {
                return;
            }
        }
        if (req.expectContinue && req.minor >= 1 && !bodyDone) {
            if (continueBuf == null || continueBuf.segment() == null) {
                continueBuf = Buf.copyOf(pool, CONTINUE);
            }
            continueBuf.pos(continueBuf.start());
            try {
                // flushed past the postponing; queued ahead of the response if not sent
                filter.filter(headLink.buf(continueBuf).next(flushLink));
            } catch (IOException e) {
                log.info("{}: closing", e.getMessage());
                close();
                return;
            }
        }
        if (buffer) {
            state = State.BODY;
            readBody();
            return;
        }
        connect();
    }

    /**
     * Reads the buffered request body on (nginx's ngx_http_read_client_request_body); once it is whole, the
     * upstream request is made with its {@code Content-Length} and a server is chosen.
     */
    private void readBody() {
        int rc = bodyBuffer.done() ? RequestBodyBuffer.DONE : bodyBuffer.read(c);
        server.probe().requestBodyRead(bodyBuffer.length(), bodyBuffer.spilled());
        if (rc == RequestBodyBuffer.AGAIN) {
            loop.addTimer(c.read(), config.clientBodyTimeoutMillis()); // client_body_timeout: between two reads
            return;
        }
        loop.deleteTimer(c.read());
        if (rc == RequestBodyBuffer.CLOSE) {
            close();
            return;
        }
        if (rc != RequestBodyBuffer.DONE) {
            error(rc, true);
            return;
        }
        bodyDone = true;
        bodyRead = bodyBuffer.length();
        if (!upstreamRequestHead()) {
            return;
        }
        connect();
    }

    /**
     * Writes the request head for the upstream: nginx's ngx_http_proxy_create_request with HTTP/1.1. A buffered
     * body goes with its length, however the client framed it.
     */
    private boolean upstreamRequestHead() {
        if (!bodyBuffer.active()) {
            headEnd = in.pos();
        }
        // the client's head, less what is dropped, plus the request line's version and what the proxy adds
        ensure(uhead, HEAD_SIZE + hostHeader.length() + (headEnd - req.headStart));
        uhead.pos(uhead.start()).last(uhead.start());
        w.start(uhead).put(req.method).put(" ").put(req.target).put(" HTTP/1.1").crlf()
                .header("Host", hostHeader);
        if (keepalive == null) {
            // without upstream keep-alive each request ends its connection; with it, no Connection header at all
            // (nginx needs proxy_set_header Connection "" for that)
            w.header("Connection", "close");
        }
        if (bodyBuffer.active()) {
            w.header("Content-Length", bodyBuffer.length());
        } else if (bodyChunked) {
            w.header("Transfer-Encoding", "chunked");
        } else if (req.contentLength >= 0) {
            w.header("Content-Length", req.contentLength);
        }
        copyRequestHeaders(in.segment(), req.headStart, headEnd, w);
        w.crlf();
        if (!w.finish()) {
            // cannot happen: the buffer holds a whole request head plus what the proxy adds
            log.error("request head for the upstream does not fit {} bytes", uhead.end());
            error(500, true);
            return false;
        }
        return true;
    }

    /**
     * Chooses the server for the next attempt (round robin, skipping those taken out and those this request tried)
     * and connects to it; none left: nginx's "no live upstreams", a 502.
     */
    private void connect() {
        peer = peers.get(tried);
        if (peer < 0) {
            log.error("no live upstreams while connecting to upstream {}", hostHeader);
            fail(502);
            return;
        }
        peerName = peers.name(peer);
        connectPeer(false);
    }

    /**
     * Sends the request on an idle kept-alive connection to the chosen server if the worker has one (not when
     * {@code fresh}), else on a new connection: nginx's ngx_http_upstream_connect with
     * ngx_http_upstream_get_keepalive_peer.
     */
    private void connectPeer(boolean fresh) {
        state = State.CONNECTING;
        upstreamAnswered = false;
        if (keepalive != null && !fresh) {
            Connection k = keepalive.take(peer);
            if (k != null) {
                u = k;
                reused = true;
                uRequests = keepalive.takenRequests() + 1;
                u.read().handler(upstreamRead);
                u.write().handler(upstreamWrite);
                state = State.SENDING;
                sendRequest();
                return;
            }
        }
        reused = false;
        uRequests = 1;
        StreamSocket s;
        try {
            s = server.platform().connect(peers.address(peer));
        } catch (IOException e) {
            next(ProxyConfig.NEXT_ERROR, 502, e.getMessage(), "connecting to");
            return;
        }
        u = new Connection("upstream", s);
        u.read().handler(upstreamRead);
        u.write().handler(upstreamWrite);
        try {
            loop.add(u);
        } catch (IOException e) {
            next(ProxyConfig.NEXT_ERROR, 502, e.getMessage(), "connecting to");
            return;
        }
        if (s.connectPending()) {
            loop.addTimer(u.write(), config.connectTimeoutMillis());
        } else {
            state = State.SENDING;
            sendRequest();
        }
    }

    private void onUpstreamReadGuarded(Event ev) {
        try {
            onUpstreamRead(ev);
        } catch (MemoryLimitException e) {
            memoryRefused(e);
        }
    }

    private void onUpstreamWriteGuarded(Event ev) {
        try {
            onUpstreamWrite(ev);
        } catch (MemoryLimitException e) {
            memoryRefused(e);
        }
    }

    private void onUpstreamWrite(Event ev) {
        if (closed || u == null || ev.connection() != u) {
            return;
        }
        if (state == State.CONNECTING) {
            if (ev.timedOut()) {
                next(ProxyConfig.NEXT_TIMEOUT, 504, "upstream timed out (connect)", "connecting to");
                return;
            }
            try {
                if (!u.stream().finishConnect(u)) {
                    return;
                }
            } catch (IOException e) {
                next(ProxyConfig.NEXT_ERROR, 502, e.getMessage(), "connecting to");
                return;
            }
            loop.deleteTimer(u.write());
            state = State.SENDING;
            sendRequest();
        } else if (state == State.SENDING) {
            if (ev.timedOut()) {
                next(ProxyConfig.NEXT_TIMEOUT, 504, "upstream timed out", "sending request to");
                return;
            }
            sendRequest();
        }
    }

    /**
     * Sends the head, then the body as it arrives from the client (or, buffered, the head and the whole body in one
     * chain); then waits for the response head.
     */
    private void sendRequest() {
        requestSent = true;
        if (bodyBuffer.active()) {
            boolean all;
            try {
                all = bodyBuffer.send(u, uhead);
            } catch (IOException e) {
                bodySent = bodyBuffer.sent();
                next(ProxyConfig.NEXT_ERROR, 502, e.getMessage(), "sending request to");
                return;
            }
            bodySent = bodyBuffer.sent();
            if (!all) {
                loop.addTimer(u.write(), config.sendTimeoutMillis());
                return;
            }
            loop.deleteTimer(u.write());
            awaitResponseHead();
            return;
        }
        if ((req.chunked || req.contentLength > 0) && uhead.pos() == uhead.start()) {
            // a streamed body leaves in writes of its own behind the head: Nagle would hold each until the one before
            // it is acknowledged, a delayed ACK each time (nginx sets tcp_nodelay on the upstream connection when
            // the request body is not buffered, in ngx_http_upstream_send_request_body)
            try {
                u.stream().setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            } catch (IOException e) {
                next(ProxyConfig.NEXT_ERROR, 502, e.getMessage(), "sending request to");
                return;
            }
        }
        for (;;) {
            Buf pending = uhead.pos() < uhead.last() ? uhead : body.pos() < body.last() ? body : null;
            if (pending != null) {
                long n;
                try {
                    n = u.send(pending);
                } catch (IOException e) {
                    next(ProxyConfig.NEXT_ERROR, 502, e.getMessage(), "sending request to");
                    return;
                }
                if (n == Connection.AGAIN) {
                    loop.addTimer(u.write(), config.sendTimeoutMillis());
                    return;
                }
                if (pending == body) {
                    bodySent += n;
                }
                continue;
            }
            body.pos(body.start()).last(body.start());
            loop.deleteTimer(u.write());
            if (bodyDone) {
                awaitResponseHead();
                return;
            }
            if (in.pos() < in.last()) {
                if (!takeBodyChecked()) {
                    return;
                }
                continue;
            }
            in.pos(in.start()).last(in.start());
            long n;
            try {
                n = c.recv(in);
            } catch (IOException e) {
                log.info("{} while reading client request body", e.getMessage());
                close();
                return;
            }
            if (n == Connection.AGAIN) {
                if (!c.read().timerSet()) {
                    loop.addTimer(c.read(), config.clientBodyTimeoutMillis());
                }
                return;
            }
            if (n == 0) {
                log.info("client prematurely closed connection while sending request body");
                close();
                return;
            }
            loop.deleteTimer(c.read());
        }
    }

    /** The whole request went: the response head is read next. */
    private void awaitResponseHead() {
        loop.deleteTimer(c.read());
        state = State.READING_HEAD;
        ub.pos(ub.start()).last(ub.start());
        upstreamHeadStart = ub.start();
        if (u.read().ready()) {
            readResponseHead();
        } else {
            loop.addTimer(u.read(), config.readTimeoutMillis()); // the answer takes a round trip
        }
    }

    /** {@link #takeBody()}, answering 400 for broken chunked framing and 413 past the limit ({@code false} then). */
    private boolean takeBodyChecked() {
        try {
            takeBody();
        } catch (IOException e) {
            log.info("{}", e.getMessage());
            error(400, true);
            return false;
        }
        long max = config.clientMaxBodySize();
        if (max > 0 && bodyRead > max) {
            log.error("client intended to send too large chunked body: {}+ bytes", bodyRead);
            error(413, true);
            return false;
        }
        return true;
    }

    /** Moves request body bytes from {@link #in} to {@link #body}: as they are, or decoded and chunked again. */
    private void takeBody() throws IOException {
        MemorySegment dst = body.segment();
        if (!bodyChunked) {
            long n = Math.min(bodyLeft, Math.min(in.last() - in.pos(), body.end() - body.last()));
            MemorySegment.copy(in.segment(), in.pos(), dst, body.last(), n);
            in.pos(in.pos() + n);
            body.last(body.last() + n);
            bodyLeft -= n;
            bodyRead += n;
            bodyDone = bodyLeft == 0;
            return;
        }
        // a step's data lies within in's unread bytes, so it fits once body has their size plus framing
        while (in.pos() < in.last() && body.end() - body.last() >= in.last() - in.pos() + 24) {
            Status rc = bodyDecoder.parse(in);
            if (rc == Status.AGAIN) {
                return;
            }
            w.start(body);
            if (rc == Status.DONE) {
                w.put("0").crlf().crlf().finish();
                bodyDone = true;
                return;
            }
            long len = bodyDecoder.dataEnd() - bodyDecoder.dataStart();
            w.hex(len).crlf().put(in.segment(), bodyDecoder.dataStart(), bodyDecoder.dataEnd())
                    .crlf().finish();
            bodyRead += len;
        }
    }

    @Override
    void readWhileResponding(Event ev) {
        if (state == State.BODY) {
            if (ev.timedOut()) {
                log.info("client timed out while reading client request body");
                fail(408);
                return;
            }
            readBody();
            return;
        }
        if (state == State.SENDING && !bodyBuffer.active()) {
            if (ev.timedOut()) {
                log.info("client timed out while reading client request body");
                fail(408);
                return;
            }
            sendRequest();
            return;
        }
        checkBrokenConnection();
    }

    /**
     * nginx's ngx_http_upstream_check_broken_connection: a readable client during a response has either sent a
     * pipelined request (kept in {@link #in} for later) or gone away (then the upstream is dropped too).
     */
    private void checkBrokenConnection() {
        if (in.pos() == in.last()) {
            in.pos(in.start()).last(in.start());
        } else if (in.last() == in.end() && in.pos() > in.start()) {
            compactIn();
        }
        if (in.last() == in.end()) {
            return; // a full buffer of pipelined requests: the next response reads them
        }
        long n;
        try {
            n = c.recv(in);
        } catch (IOException e) {
            log.info("{}: client gone while proxying", e.getMessage());
            close();
            return;
        }
        if (n == 0) {
            log.info("client prematurely closed connection while proxying the response");
            close();
        }
    }

    // ---------------------------------------------------------------- the response head

    private void onUpstreamRead(Event ev) {
        if (closed || u == null || ev.connection() != u) {
            return;
        }
        switch (state) {
            case READING_HEAD -> {
                if (ev.timedOut()) {
                    next(ProxyConfig.NEXT_TIMEOUT, 504, "upstream timed out", "reading response header from");
                    return;
                }
                readResponseHead();
            }
            case PIPE -> {
                if (ev.timedOut()) {
                    if (!ev.delayed()) {
                        log.error("upstream timed out while reading upstream {}", peerName);
                        fail(504);
                        return;
                    }
                    ev.delayed(false); // the rate limit's pause is over
                } else if (ev.delayed()) {
                    return;
                }
                runPipe(false);
            }
            case RELAY -> {
                if (ev.timedOut()) {
                    log.error("upstream timed out while reading upstream {}", peerName);
                    fail(504);
                    return;
                }
                if (!writerBusy) {
                    relay();
                }
            }
            case SPLICE -> {
                if (ev.timedOut()) {
                    log.error("upstream timed out while reading upstream {}", peerName);
                    fail(504);
                    return;
                }
                afterSplice(splice.run());
            }
            default -> {
                // while the request is sent, an early answer waits in the socket
            }
        }
    }

    private void readResponseHead() {
        for (;;) {
            ub.pos(upstreamHeadStart);
            int rc = uh.parse(ub);
            if (rc == UpstreamHead.DONE) {
                if (uh.status == 101) {
                    log.error("upstream sent 101 Switching Protocols, which the proxy does not support");
                    fail(502);
                    return;
                }
                if (uh.status < 200) {
                    upstreamHeadStart = ub.pos(); // an interim response (100 Continue): the real one follows
                    continue;
                }
                if (ub.pos() - upstreamHeadStart > config.bufferSize()) {
                    // a head longer than proxy_buffer_size is refused as if the buffer were that size
                    next(ProxyConfig.NEXT_INVALID_HEADER, 502, "upstream sent too big header",
                            "reading response header from");
                    return;
                }
                loop.deleteTimer(u.read());
                int kind = ProxyConfig.nextUpstreamStatus(uh.status);
                if (kind != 0 && (config.nextUpstream() & kind) != 0 && triesLeft > 1) {
                    // nginx's ngx_http_upstream_test_next: with a try left, an answer proxy_next_upstream names
                    // is a failure and goes no further; the last try's answer is passed on as it is
                    next(kind, uh.status, "upstream answered " + uh.status, "reading response header from");
                    return;
                }
                peers.free(peer, false); // the server answered
                responseHead();
                return;
            }
            if (rc == UpstreamHead.INVALID) {
                next(ProxyConfig.NEXT_INVALID_HEADER, 502, uh.error, "reading response header from");
                return;
            }
            if (ub.last() - upstreamHeadStart >= config.bufferSize()) {
                next(ProxyConfig.NEXT_INVALID_HEADER, 502, "upstream sent too big header",
                        "reading response header from");
                return;
            }
            if (ub.last() == ub.end()) {
                // the head after an interim response starts further on: moved to the front for room
                long len = ub.last() - upstreamHeadStart;
                MemorySegment.copy(ub.segment(), upstreamHeadStart, ub.segment(), ub.start(), len);
                ub.last(ub.start() + len);
                upstreamHeadStart = ub.start();
            }
            long n;
            try {
                n = u.recv(ub);
            } catch (IOException e) {
                next(ProxyConfig.NEXT_ERROR, 502, e.getMessage(), "reading response header from");
                return;
            }
            if (n == Connection.AGAIN) {
                if (!u.read().timerSet()) {
                    loop.addTimer(u.read(), config.readTimeoutMillis());
                }
                return;
            }
            if (n > 0) {
                upstreamAnswered = true;
            }
            if (n == 0) {
                next(ProxyConfig.NEXT_ERROR, 502, "upstream prematurely closed connection",
                        "reading response header from");
                return;
            }
        }
    }

    /** Sends the client its head (nginx's rewritten copy of the upstream's) and starts the body. */
    private void responseHead() {
        boolean noBody = uh.noBody("HEAD".equals(req.method));
        chunkedIn = uh.chunked && !noBody;
        boolean lengthKnown = noBody || uh.contentLength >= 0;
        boolean chunkedOut = !lengthKnown && req.minor >= 1;
        if (!lengthKnown && !chunkedOut) {
            keepAlive = false; // an HTTP/1.0 client learns the end from the close
        }
        status = uh.status;
        MemorySegment s = ub.segment();
        startHeadBuffer().put("HTTP/1.1 ").put(uh.status).put(" ").put(s, uh.reasonFrom, uh.reasonTo).crlf()
                .header("Server", "sendchain")
                .header("Date", worker.date.now(System.currentTimeMillis()));
        UpstreamHead.copyHeaders(s, uh.headersFrom, uh.headersTo, w, RESPONSE_HOP);
        if (chunkedOut) {
            w.header("Transfer-Encoding", "chunked");
        }
        if (!endHead()) {
            return;
        }
        out = chunkedOut ? encoder : filter;
        encoder.reset();
        head.lastBuf(false).lastInChain(false);
        sentBeforeHead = c.sent();
        try {
            filter.filter(headLink.buf(head).next(null)); // held until body bytes join it, or a flush or the last buf
        } catch (IOException e) {
            log.info("{}: closing", e.getMessage());
            close();
            return;
        }
        long length = noBody ? 0 : uh.chunked ? -1 : uh.contentLength;
        bodyBytes = 0;
        relayPassthrough = false;
        boolean passthrough = chunkedIn && chunkedOut; // the upstream's framing goes on as it came
        if (length == 0) {
            finish(ub.pos() == ub.last()); // bytes after a body-less response: the connection is out of step
        } else if (splice != null && passthrough) {
            // chunked passthrough: the upstream's framing goes to the client as it came, the chunks' data spliced
            out = filter;
            state = State.SPLICE;
            afterSplice(splice.startChunked(u, c, filter, ub, config.spliceMinSize(), config.buffering(),
                    config.readTimeoutMillis(), config.clientSendTimeoutMillis()));
        } else if (splice != null && !chunkedIn
                && SpliceRelay.worth(length, ub.last() - ub.pos(), config.spliceMinSize())) {
            state = State.SPLICE;
            afterSplice(splice.start(u, c, filter, ub, length, config.buffering(), config.readTimeoutMillis(),
                    config.clientSendTimeoutMillis()));
        } else if (config.buffering() && passthrough) {
            // the same passthrough through memory: the event pipe passes the framing on as it came (its last chunk
            // held back until complete), the encoder only ends the body if that chunk's start had to be dropped
            framing.begin();
            encoder.passthrough(framing);
            startPipe(length, framing);
        } else if (config.buffering()) {
            startPipe(length);
        } else {
            relayPassthrough = passthrough;
            if (passthrough) {
                // passed on as it came through the relay's buffer too, the last chunk held there until complete
                out = filter;
                framing.begin();
            }
            startRelay(length);
        }
    }

    /** The pipe's output filter: this response's (chunked or not). */
    private Status toClient(Chain in) throws IOException {
        return out.filter(in);
    }

    // ---------------------------------------------------------------- buffering on: the event pipe

    private void startPipe(long length) {
        startPipe(length, null);
    }

    /** Starts the event pipe; a chunked body goes through {@code passthrough} if given, else is decoded. */
    private void startPipe(long length, ChunkedPassthrough passthrough) {
        if (pipe == null) {
            // one pipe per session, reset per response: its buf headers and links are reused
            pipe = new EventPipe(pool, u, c, loop, this::toClient, PipeSettings.builder()
                    .bufs(config.buffersNum(), config.buffersSize())
                    .busySize(config.busyBuffersSize())
                    .maxTempFileSize(config.maxTempFileSize())
                    .tempFileWriteSize(config.tempFileWriteSize())
                    .limitRate(config.limitRate())
                    .timeouts(config.readTimeoutMillis(), config.clientSendTimeoutMillis())
                    .build())
                    .tempFiles(TempFiles.inDirectory(config.tempPath(), server.platform()::openFile))
                    .bufSupply(supply);
        } else {
            pipe.reset(u, c);
        }
        pipeActive = true;
        pipeToEof = !chunkedIn && length == -1;
        if (passthrough != null) {
            pipe.input(endWatch.watch(passthrough), passthrough.lengthHint());
        } else if (chunkedIn) {
            // nginx's proxy starts a chunked body with length 3: the least a last chunk takes
            pipe.input(endWatch.watch(chunkedInput), 3);
        } else {
            pipe.input(endWatch.watch(InputFilter.copy()), length);
        }
        pipe.preread(ub);
        state = State.PIPE;
        runPipe(false);
    }

    private void runPipe(boolean doWrite) {
        try {
            pipe.run(doWrite);
            if ((pipe.upstreamDone() || pipe.upstreamEof() || pipe.upstreamError()) && !pipe.downstreamDone()
                    && !pipe.downstreamError()) {
                pipe.run(true); // pass on what was read before the end
            }
        } catch (IOException e) {
            log.error("{} while reading upstream {}", e.getMessage(), peerName);
            fail(502);
            return;
        }
        boolean finished = pipe.upstreamDone() || pipe.upstreamEof() || pipe.upstreamError();
        server.probe().pipeRan(pipe.tempFileOffset(), finished);
        if (pipe.downstreamError()) {
            close();
            return;
        }
        if (!pipe.downstreamDone()) {
            return;
        }
        bodyBytes += pipe.readLength(); // after a splice fallback, bodyBytes holds what was spliced before
        boolean complete = pipe.upstreamDone() || (pipeToEof && !pipe.upstreamError());
        if (!complete) {
            log.error("upstream prematurely closed connection while reading upstream {}", peerName);
            fail(502);
            return;
        }
        finish(pipe.upstreamDone() && !endWatch.extra());
    }

    @Override
    void onWrite(Event ev) {
        if (closed) {
            return;
        }
        if (ev.timedOut()) {
            if (ev.delayed()) {
                ev.delayed(false);
            } else {
                log.info("client timed out while sending to client");
                close();
                return;
            }
        } else if (ev.delayed()) {
            return;
        }
        switch (state) {
            case PIPE -> runPipe(true);
            case RELAY -> relay();
            case SPLICE -> afterSplice(splice.run());
            case FINISHING -> push(null);
            default -> {
                // nothing to send: the 100 Continue, if any, goes with the next write
            }
        }
    }

    // ---------------------------------------------------------------- buffering off: relay through one buffer

    private void startRelay(long length) {
        // the relay's window on ub, for this response's memory
        view.copyFrom(ub); // ub is a temporary buf: so is its view
        relayLeft = length;
        relayDone = false;
        relayEof = false;
        relayExtra = false;
        relayHeld = 0;
        relayHoldFrom = 0;
        relayHoldTo = 0;
        relayDecoder.reset();
        state = State.RELAY;
        relay();
    }

    /** nginx's ngx_http_upstream_process_non_buffered_request: read what fits, send it, read again once sent. */
    private void relay() {
        for (;;) {
            if (writerBusy) {
                Status rc;
                try {
                    rc = out.filter(null);
                } catch (IOException e) {
                    log.info("{}: closing", e.getMessage());
                    close();
                    return;
                }
                if (rc != Status.OK) {
                    loop.addTimer(c.write(), config.clientSendTimeoutMillis());
                    return;
                }
                loop.deleteTimer(c.write());
                writerBusy = false;
                relayReset();
            }
            if (ub.pos() < ub.last()) {
                long from = relayHeld > 0 ? ub.start() : ub.pos(); // held bytes go first, once they may
                long to;
                try {
                    to = relayData();
                } catch (IOException e) {
                    log.error("{} while reading upstream {}", e.getMessage(), peerName);
                    fail(502);
                    return;
                }
                if (to > from) {
                    bodyBytes += to - from;
                    view.pos(from).last(to);
                    Status rc;
                    try {
                        rc = out.filter(viewLink.buf(view).next(flushLink));
                    } catch (IOException e) {
                        log.info("{}: closing", e.getMessage());
                        close();
                        return;
                    }
                    if (rc != Status.OK) {
                        writerBusy = true;
                        loop.addTimer(c.write(), config.clientSendTimeoutMillis());
                        return;
                    }
                }
                relayReset();
            }
            if (relayDone || relayEof) {
                boolean complete = relayDone || (!chunkedIn && relayLeft == -1);
                if (!complete) {
                    log.error("upstream prematurely closed connection while reading upstream {}", peerName);
                    fail(502);
                    return;
                }
                finish(relayDone && !relayExtra);
                return;
            }
            long n;
            try {
                n = u.recv(ub);
            } catch (IOException e) {
                log.error("{} while reading upstream {}", e.getMessage(), peerName);
                fail(502);
                return;
            }
            if (n == Connection.AGAIN) {
                loop.addTimer(u.read(), config.readTimeoutMillis());
                return;
            }
            loop.deleteTimer(u.read());
            if (n == 0) {
                relayEof = true;
            }
        }
    }

    /** The relay's buffer empty again once sent, but for the bytes held back, which move to its front. */
    private void relayReset() {
        long held = relayHoldTo - relayHoldFrom;
        if (held > 0) {
            MemorySegment s = ub.segment();
            MemorySegment.copy(s, relayHoldFrom, s, ub.start(), held);
        }
        ub.pos(ub.start() + held).last(ub.start() + held);
        relayHeld = held;
        relayHoldFrom = 0;
        relayHoldTo = 0;
    }

    /**
     * Takes the response data out of {@link #ub}'s unread bytes, which it consumes: all of them, at most the
     * length still expected (extra dropped with a warning), or, chunked, the chunks' data moved together at the
     * front. Returns the end of the data, which starts at the old pos.
     */
    private long relayData() throws IOException {
        long from = ub.pos();
        if (relayPassthrough) {
            long hold = framing.scan(ub);
            long to = hold == ChunkedPassthrough.HELD_BEFORE ? ub.start() : hold;
            if (framing.ended()) {
                relayDone = true;
                if (ub.pos() < ub.last()) {
                    log.warn("upstream sent data after final chunk");
                    relayExtra = true;
                }
                relayHoldFrom = relayHoldTo = 0;
            } else {
                relayHoldFrom = to;
                relayHoldTo = ub.last(); // nothing when the scan held nothing back (to is then the end)
            }
            ub.pos(ub.last());
            return to;
        }
        if (chunkedIn) {
            MemorySegment s = ub.segment();
            long to = from;
            while (!relayDone) {
                Status rc = relayDecoder.parse(ub);
                if (rc == Status.AGAIN) {
                    break;
                }
                if (rc == Status.DONE) {
                    relayDone = true;
                    if (ub.pos() < ub.last()) {
                        log.warn("upstream sent data after final chunk");
                        relayExtra = true;
                    }
                    break;
                }
                long len = relayDecoder.dataEnd() - relayDecoder.dataStart();
                MemorySegment.copy(s, relayDecoder.dataStart(), s, to, len);
                to += len;
            }
            ub.pos(ub.last());
            return to;
        }
        long avail = ub.last() - from;
        ub.pos(ub.last());
        if (relayLeft < 0) {
            return ub.last();
        }
        if (avail > relayLeft) {
            log.warn("upstream sent more data than specified in \"Content-Length\" header");
            relayExtra = true;
            avail = relayLeft;
        }
        relayLeft -= avail;
        relayDone = relayLeft == 0;
        return from + avail;
    }

    // ---------------------------------------------------------------- splice: zero-copy relay (SpliceRelay)

    /** Acts on what the splice relay reports: its end, a failure, or the rest through memory. */
    private void afterSplice(SpliceRelay.Outcome rc) {
        switch (rc) {
            case AGAIN -> {
                // the relay waits for the upstream's read or the client's write event
            }
            case DONE -> {
                bodyBytes = splice.bodyBytes();
                boolean reusable = !splice.extra();
                splice.end();
                finish(reusable);
            }
            case TRUNCATED -> {
                log.error("upstream prematurely closed connection while reading upstream {}", peerName);
                splice.end();
                fail(502);
            }
            case UPSTREAM_FAILED -> {
                log.error("{} while reading upstream {}", splice.error(), peerName);
                splice.end();
                fail(502);
            }
            case CLIENT_FAILED -> {
                log.info("{}: closing", splice.error());
                close();
            }
            case FALLBACK -> {
                if (chunkedIn) {
                    // the rest goes through the event pipe, still framed as the upstream framed it
                    bodyBytes = splice.bodyBytes();
                    splice.end();
                    out = encoder; // it ends the body only if the pipe had to drop the start of the last chunk
                    encoder.passthrough(splice.passthrough());
                    startPipe(-1, splice.passthrough());
                    return;
                }
                bodyBytes = uh.contentLength - splice.left(); // the access log counts the spliced part too
                splice.end();
                if (config.buffering()) {
                    startPipe(splice.left());
                } else {
                    startRelay(splice.left());
                }
            }
        }
    }

    // ---------------------------------------------------------------- the end

    /**
     * The body is complete: the upstream connection is kept for another request if {@code reusable} (the response
     * was read exactly to its end) and both sides allow it, else closed; the last buf (the final chunk) follows
     * what was sent.
     */
    private void finish(boolean reusable) {
        releaseUpstream(reusable);
        state = State.FINISHING;
        push(lastLink.buf(lastBuf).next(null));
    }

    /** Sends an error page, or pushes what is queued, then finishes the response. */
    @Override
    void send(Chain chain) {
        if (state != State.FINISHING) {
            closeUpstream();
            state = State.FINISHING;
            out = filter;
        }
        push(chain);
    }

    private void push(Chain chain) {
        Status rc;
        try {
            rc = out.filter(chain);
        } catch (IOException e) {
            log.info("{}: closing", e.getMessage());
            close();
            return;
        }
        if (rc == Status.OK) {
            responseFinished();
        } else {
            loop.addTimer(c.write(), config.clientSendTimeoutMillis());
        }
    }

    /**
     * Fails the request: an error page while the client has seen nothing of the response (its head may still be
     * waiting for the first body bytes), else a close, so a truncated body is never taken for a whole one.
     */
    private void fail(int code) {
        if (sentBeforeHead >= 0) {
            if (c.sent() > sentBeforeHead) {
                close();
                return;
            }
            // the client has seen nothing of the response: the page replaces the head the write filter holds
            writer.abandon();
            encoder.reset();
            sentBeforeHead = -1;
        }
        // unread request body bytes would be taken for the next request: close after the page
        error(code, !bodyDone);
    }

    /**
     * nginx's ngx_http_upstream_free_keepalive_peer: the upstream connection goes to the worker's cache when
     * keep-alive is on, the response was read exactly to its end, the upstream did not say it closes, and the whole
     * request body was sent; otherwise it is closed.
     */
    private void releaseUpstream(boolean reusable) {
        if (u != null && reusable && keepalive != null && !uh.connectionClose && bodyDone && !closed) {
            Connection k = u;
            u = null;
            keepalive.keep(k, uRequests, peer);
        } else {
            closeUpstream();
        }
    }

    /**
     * nginx's ngx_http_upstream_next for a cached connection: a kept-alive connection that failed before any byte
     * of the answer came back was most likely closed by the upstream as the request went out, so the request is
     * sent once more on a new connection when that is safe: everything sent can be sent again (a buffered body is
     * kept; a streamed one only while none of it went, {@link #resendable()}) and the upstream cannot have acted on
     * it twice (an idempotent method, or a body it has not received). A POST whose body went out gets its 502.
     *
     * @return whether the request is being sent again (else the caller fails it)
     */
    private boolean retry(String what, String doing) {
        boolean hasBody = req.chunked || req.contentLength > 0;
        if (!reused || retried || upstreamAnswered || !resendable() || !(idempotent() || hasBody && bodySent == 0)) {
            return false;
        }
        log.info("{} while {} upstream {} on a kept-alive connection: sending the request again on a new one", what,
                doing, peerName);
        closeUpstream();
        retried = true;
        uhead.pos(uhead.start());
        bodyBuffer.rewind();
        server.probe().upstreamRetried();
        connectPeer(true);
        return true;
    }

    /**
     * nginx's ngx_http_upstream_next: the attempt on the current server failed before its answer's head
     * ({@code kind}: one of {@link ProxyConfig}'s {@code NEXT_*}). A kept-alive connection closed under the request
     * is retried on a new connection to the same server without counting against it ({@link #retry}; nginx counts
     * it and adds a try, its "TODO: inform balancer instead"). Otherwise the failure counts towards the server's
     * {@code max_fails}, and the request goes to the next server when {@code proxy_next_upstream} includes
     * {@code kind}, tries are left, the whole request can be sent again ({@link #resendable()}: a buffered body is
     * kept, a streamed one only while none of it went) and a non-idempotent one was not sent yet (nginx's default
     * leaves out {@code non_idempotent}, so a buffered POST that went out is not sent again either); else the
     * client gets {@code status}.
     */
    private void next(int kind, int status, String what, String doing) {
        if (kind == ProxyConfig.NEXT_ERROR && retry(what, doing)) {
            return;
        }
        peers.free(peer, true);
        if (triesLeft > 0) {
            triesLeft--;
        }
        int allowed = config.nextUpstream();
        boolean pass = triesLeft > 0 && (allowed & kind) != 0 && resendable() && !closed
                && (!requestSent || idempotent() || (allowed & ProxyConfig.NEXT_NON_IDEMPOTENT) != 0);
        if (pass) {
            log.warn("{} while {} upstream {}: passing the request to the next upstream server", what, doing,
                    peerName);
        } else {
            log.error("{} while {} upstream {}", what, doing, peerName);
        }
        server.probe().upstreamFailed(peerName, pass);
        if (!pass) {
            fail(status);
            return;
        }
        closeUpstream();
        uhead.pos(uhead.start());
        bodyBuffer.rewind();
        connect();
    }

    /**
     * Whether everything sent of the request can be sent again: a buffered body is kept whole until the request
     * ends; a streamed one passes through, so only while none of it went.
     */
    private boolean resendable() {
        return bodyBuffer.active() || bodySent == 0;
    }

    /** Whether the request's method is idempotent as nginx counts it for a retry (not POST, LOCK or PATCH). */
    private boolean idempotent() {
        return switch (req.method) {
            case "POST", "LOCK", "PATCH" -> false;
            default -> true;
        };
    }

    /** Closes the upstream connection; the pipe (its temp file, its buffers) stays until the response is sent. */
    private void closeUpstream() {
        if (u != null) {
            loop.close(u);
            u = null;
        }
    }

    @Override
    void responseDone() {
        if (state != State.IDLE) {
            // a session closed with a response under way ended it incomplete
            server.probe().responseEnded(status, state == State.FINISHING && !closed);
        }
        closeUpstream();
        bodyBuffer.release(); // its temp file closed, its memory back to the pool
        if (pipeActive) {
            pipe.close(); // temp file closed, buffers back to the worker
            pipeActive = false;
        }
        if (splice != null) {
            splice.end(); // the kernel pipe back to the worker's pool, or closed if bytes are left in it
        }
        state = State.IDLE;
        sentBeforeHead = -1;
        writerBusy = false;
        encoder.reset();
        // ub, uhead, body and the pipe's raw bufs give their memory back with the session's pool
    }
}
