package io.sendchain.examples.http;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.NetSocket;
import io.sendchain.loop.EventLoop;
import io.sendchain.output.ChainWriter;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a client connection of the static server and of the proxy share: reading request heads (keep-alive and
 * pipelining, nginx's header and keep-alive timeouts), answering with a head (and an error page when there is
 * nothing better), keep-alive or close after each response, the access log. Runs on its worker's loop only.
 *
 * <pre>
 *   reading head ──(complete)──> handle() ... responseFinished() ──keep-alive? ──yes──> reading head (pipelined
 *        │  header timeout: 408                                         │                bytes first)
 *        │  bad head: 400/414/431/501, close                            └──no──> close
 * </pre>
 */
abstract class AbstractHttpSession<S extends AbstractHttpServer, W extends AbstractHttpServer.Worker> {

    private static final Logger log = LoggerFactory.getLogger(AbstractHttpSession.class);
    private static final Logger access = LoggerFactory.getLogger("sendchain.access");

    /** Bytes for a response head besides an echoed path or copied headers. */
    static final int HEAD_SIZE = 512;

    /** The settings every session reads. */
    record Limits(int headerBufferSize, int maxHeaders, long headerTimeoutMillis, long keepaliveTimeoutMillis,
            boolean accessLog) {
    }

    final S server;
    final W worker;
    final EventLoop loop;
    final Connection c;
    final Limits limits;
    final Pool pool = new Pool();
    final Buf in;
    final Buf head;
    final AsciiWriter w = new AsciiWriter();
    final HttpRequest req = new HttpRequest();
    final ChainWriter writer;
    final Chain headLink = new Chain();
    final Chain bodyLink = new Chain();

    boolean responding;
    boolean keepAlive;
    boolean closed;
    /** Request body bytes still to skip before the next head. */
    long discard;
    long requestStart;
    long sentAtStart;
    int status;
    long bodyBytes;

    AbstractHttpSession(S server, W worker, Connection c, int headCapacity) {
        this.server = server;
        this.worker = worker;
        this.loop = worker.loop;
        this.c = c;
        this.limits = server.limits();
        this.in = pool.createTempBuf(limits.headerBufferSize());
        this.head = pool.createTempBuf(headCapacity);
        this.writer = new ChainWriter(c, pool);
    }

    void start() {
        c.read().handler(this::onRead);
        c.write().handler(this::onWrite);
        loop.addTimer(c.read(), limits.headerTimeoutMillis());
    }

    /** A complete request head is in {@link #req}; {@link #in}'s pos is past it. */
    abstract void handle();

    /** The client's read event while a response is under way. */
    abstract void readWhileResponding(Event ev);

    /** The client's write event. */
    abstract void onWrite(Event ev);

    /** Sends a response built by {@link #startHead} and {@link #endHead}: {@code chain} is its head and body. */
    abstract void send(Chain chain);

    /** Releases what the response held (files, upstream, buffers); called before keep-alive or close. */
    abstract void responseDone();

    /** Releases what the session holds; called once, on close. */
    void released() {
    }

    // ---------------------------------------------------------------- reading requests

    private void onRead(Event ev) {
        if (closed) {
            return;
        }
        if (responding) {
            readWhileResponding(ev);
            return;
        }
        if (ev.timedOut()) {
            ev.timedOut(false);
            if (in.pos() < in.last()) {
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
            if (discard > 0) {
                long n = Math.min(discard, in.last() - in.pos());
                in.pos(in.pos() + n);
                discard -= n;
            }
            if (discard == 0 && in.pos() < in.last()) {
                int rc = req.parse(in, limits.maxHeaders());
                if (rc == HttpRequest.DONE) {
                    loop.deleteTimer(c.read());
                    requestStart = loop.now();
                    sentAtStart = c.sent();
                    keepAlive = req.keepAlive();
                    bodyBytes = 0;
                    status = 0;
                    handle();
                    return;
                }
                if (rc != HttpRequest.NEED_MORE) {
                    loop.deleteTimer(c.read());
                    error(rc, true);
                    return;
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
            if (n == NetSocket.AGAIN) {
                if (!c.read().timerSet()) {
                    boolean partial = in.pos() < in.last() || discard > 0;
                    loop.addTimer(c.read(), partial ? limits.headerTimeoutMillis() : limits.keepaliveTimeoutMillis());
                }
                return;
            }
            if (n == 0) {
                close(); // the client closed the connection
                return;
            }
        }
    }

    /** Moves unparsed bytes to the front; answers 414/431 when a head does not fit the buffer at all. */
    private boolean makeRoom() {
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
        loop.deleteTimer(c.read());
        error(HttpRequest.noLineEnd(in) ? 414 : 431, true);
        return false;
    }

    /** Moves {@link #in}'s unread bytes to its start. */
    final void compactIn() {
        long len = in.last() - in.pos();
        MemorySegment.copy(in.segment(), in.pos(), in.segment(), in.start(), len);
        in.pos(in.start()).last(in.start() + len);
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
        if (req.method == null) {
            req.method = "-";
            req.target = "-";
        }
        startHead(code, reason);
        if (code == 405) {
            w.header("Allow", "GET, HEAD");
        }
        w.header("Content-Type", "text/html");
        errorBody(code, reason);
    }

    final void errorBody(int code, String reason) {
        String html = "<html>\r\n<head><title>" + code + " " + reason + "</title></head>\r\n<body>\r\n<center><h1>"
                + code + " " + reason + "</h1></center>\r\n<hr><center>sendchain</center>\r\n</body>\r\n</html>\r\n";
        byte[] bytes = html.getBytes(StandardCharsets.ISO_8859_1);
        w.header("Content-Length", bytes.length);
        boolean sendBody = !"HEAD".equals(req.method);
        bodyBytes = sendBody ? bytes.length : 0;
        Buf body = null;
        if (sendBody) {
            body = Buf.copyOf(pool, bytes);
            body.lastBuf(true).lastInChain(true);
        }
        endHeadAndSend(body);
    }

    /** Starts a response head in {@link #head}: status line, Server, Date. */
    final void startHead(int code, String reason) {
        status = code;
        head.pos(head.start()).last(head.start());
        w.start(head).put("HTTP/1.1 ").put(code).put(" ").put(reason).crlf()
                .header("Server", "sendchain")
                .header("Date", worker.date.now(System.currentTimeMillis()));
    }

    /** Adds Connection and the blank line; {@code false} (after closing) if the head did not fit. */
    final boolean endHead() {
        w.header("Connection", keepAlive ? "keep-alive" : "close").crlf();
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

    /** The response is sent: log it, then wait for the next request or close. */
    final void responseFinished() {
        responding = false;
        loop.deleteTimer(c.write());
        c.write().delayed(false);
        responseDone();
        if (limits.accessLog()) {
            accessLog();
        }
        if (!keepAlive) {
            try {
                c.stream().shutdownOutput();
            } catch (IOException e) {
                log.debug("{}", e.getMessage());
            }
            close();
            return;
        }
        if (in.pos() < in.last() || c.read().ready()) {
            // pipelined requests, or data that arrived meanwhile: go on in a posted event, not by recursion
            loop.post(c.read());
        } else {
            in.pos(in.start()).last(in.start());
            loop.addTimer(c.read(), limits.keepaliveTimeoutMillis());
        }
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

    final void close() {
        if (closed) {
            return;
        }
        closed = true;
        responseDone();
        released();
        loop.close(c);
        pool.close();
        server.sessionClosed();
    }
}
