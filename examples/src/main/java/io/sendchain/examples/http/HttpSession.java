package io.sendchain.examples.http;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FileRef;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.NetSocket;
import io.sendchain.loop.EventLoop;
import io.sendchain.output.ChainWriter;
import io.sendchain.output.OutputChainContext;
import io.sendchain.output.Status;
import io.sendchain.output.ThreadPoolFileReader;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection of the static server: reads request heads (keep-alive and pipelining), answers each with
 * a header buf and, for GET, a file buf, through the connection's output chain and chain writer, and applies the
 * timeouts and rate limit. Runs on its worker's loop thread only.
 *
 * <pre>
 *   reading head ──(complete)──> responding ──(output OK)──> keep-alive? ──yes──> reading head (pipelined
 *        │  header timeout: 408                │ send timeout: close          │          bytes first)
 *        │  bad head: 400/414/431, close       │ rate limit: delayed + timer  └──no──> close
 * </pre>
 */
final class HttpSession {

    private static final Logger log = LoggerFactory.getLogger(HttpSession.class);
    private static final Logger access = LoggerFactory.getLogger("sendchain.access");

    /** Bytes for a response head besides an echoed path (a Location is at most a request head long). */
    private static final int HEAD_SIZE = 512;
    private static final int DIRECTIO_ALIGNMENT = 4096;

    private final StaticServer server;
    private final StaticServer.Worker worker;
    private final StaticConfig config;
    private final EventLoop loop;
    private final Connection c;
    private final Pool pool = new Pool();
    private final Buf in;
    private final Buf head;
    private final AsciiWriter w = new AsciiWriter();
    private final HttpRequest req = new HttpRequest();
    private final ChainWriter writer;
    private final OutputChainContext out;
    private final Chain headLink = new Chain();
    private final Chain bodyLink = new Chain();

    private boolean responding;
    private boolean keepAlive;
    private boolean closed;
    private long discard;
    private FileRef file;
    private long requestStart;
    private long sentAtStart;
    private int status;
    private long bodyBytes;

    HttpSession(StaticServer server, StaticServer.Worker worker, Connection c) {
        this.server = server;
        this.worker = worker;
        this.config = server.config();
        this.loop = worker.loop;
        this.c = c;
        this.in = pool.createTempBuf(config.headerBufferSize());
        this.head = pool.createTempBuf(HEAD_SIZE + config.headerBufferSize());
        this.writer = new ChainWriter(c, pool).limit(config.sendfileMaxChunk());
        this.out = new OutputChainContext(pool, this, writer)
                .sendfile(config.sendfile())
                .bufs(config.outputBuffersNum(), config.outputBuffersSize())
                .alignment(DIRECTIO_ALIGNMENT);
        ThreadPoolFileReader hook = server.readHook();
        if (hook != null) {
            // a finished read comes back to the loop thread, unblocks the output chain and resumes the response
            out.readHook(hook, () -> loop.execute(() -> {
                out.aio(false);
                if (responding && !closed) {
                    push(null);
                }
            }));
        }
    }

    void start() {
        c.read().handler(this::onRead);
        c.write().handler(this::onWrite);
        loop.addTimer(c.read(), config.headerTimeoutMillis());
    }

    // ---------------------------------------------------------------- reading requests

    private void onRead(Event ev) {
        if (closed) {
            return;
        }
        if (ev.timedOut()) {
            ev.timedOut(false);
            if (responding) {
                return;
            }
            if (in.pos() < in.last()) {
                // a head was started and not finished in time: nginx's client_header_timeout
                error(408, true);
            } else {
                close(); // idle keep-alive connection
            }
            return;
        }
        if (!responding) {
            readRequest();
        }
    }

    private void readRequest() {
        for (;;) {
            if (discard > 0) {
                long n = Math.min(discard, in.last() - in.pos());
                in.pos(in.pos() + n);
                discard -= n;
            }
            if (discard == 0 && in.pos() < in.last()) {
                int rc = req.parse(in, config.maxHeaders());
                if (rc == HttpRequest.DONE) {
                    loop.deleteTimer(c.read());
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
                    loop.addTimer(c.read(), partial ? config.headerTimeoutMillis() : config.keepaliveTimeoutMillis());
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
            long len = in.last() - in.pos();
            MemorySegment.copy(in.segment(), in.pos(), in.segment(), in.start(), len);
            in.pos(in.start()).last(in.start() + len);
            return true;
        }
        loop.deleteTimer(c.read());
        error(HttpRequest.noLineEnd(in) ? 414 : 431, true);
        return false;
    }

    // ---------------------------------------------------------------- answering

    private void handle() {
        requestStart = loop.now();
        sentAtStart = c.sent();
        keepAlive = req.keepAlive();
        bodyBytes = 0;
        discard = Math.max(0, req.contentLength);
        boolean get = req.method.equals("GET");
        if (!get && !req.method.equals("HEAD")) {
            error(405, false);
            return;
        }
        UriPath.Resolved r = UriPath.resolve(req.target, config.root(), config.symlinksOutsideRoot(), false);
        if (r.status() != 0) {
            error(r.status(), r.status() == 400);
            return;
        }
        FileLookup.Found found = worker.lookup.stat(r.file(), requestStart);
        if (found.status() == 0 && found.attrs().isDirectory()) {
            if (!r.slash()) {
                redirect(r.path() + "/");
                return;
            }
            found = worker.lookup.stat(found.file().resolve("index.html"), requestStart);
            if (found.status() == 404) {
                error(403, false); // a directory without an index, and no listing
                return;
            }
        }
        if (found.status() != 0) {
            error(found.status(), false);
            return;
        }
        Path path = found.file();
        BasicFileAttributes attrs = found.attrs();
        if (!attrs.isRegularFile()) {
            error(403, false);
            return;
        }
        long size = attrs.size();
        long mtime = attrs.lastModifiedTime().toMillis() / 1000;
        String etag = "\"" + Long.toHexString(mtime) + "-" + Long.toHexString(size) + "\"";
        String lastModified = worker.date.lastModified(mtime);

        if (notModified(etag, mtime)) {
            startHead(304, "Not Modified");
            w.header("Last-Modified", lastModified).header("ETag", etag);
            endHeadAndSend(null);
            return;
        }

        long from = 0;
        long to = size;
        boolean partial = false;
        if (req.range != null && get && rangeApplies(etag, lastModified)) {
            long[] range = Ranges.single(req.range, size);
            if (range == Ranges.UNSATISFIABLE) {
                startHead(416, "Range Not Satisfiable");
                w.header("Content-Range", "bytes */" + size).header("Content-Type", "text/html");
                errorBody(416, "Range Not Satisfiable");
                return;
            }
            if (range != null) {
                from = range[0];
                to = range[1];
                partial = true;
            }
        }

        if (get) {
            try {
                file = config.directio() > 0 && size >= config.directio() ? FileRef.openDirect(path)
                        : server.platform().openFile(path);
            } catch (IOException e) {
                String m = String.valueOf(e.getMessage());
                if (m.contains("Permission denied") || e instanceof AccessDeniedException) {
                    error(403, false);
                } else if (m.contains("No such file")) {
                    error(404, false);
                } else {
                    log.error("{}", m);
                    error(500, false);
                }
                return;
            }
        }
        if (partial) {
            startHead(206, "Partial Content");
            w.header("Content-Range", "bytes " + from + "-" + (to - 1) + "/" + size);
        } else {
            startHead(200, "OK");
        }
        w.header("Content-Type", Mime.of(path.getFileName().toString()))
                .header("Content-Length", to - from)
                .header("Last-Modified", lastModified)
                .header("ETag", etag)
                .header("Accept-Ranges", "bytes");
        bodyBytes = get ? to - from : 0;
        if (config.tcpNopush() && c.tcpNopush() != Connection.TcpOption.SET) {
            // cork when it pays: a small body leaves in one segment with its header, a large one in full
            // segments; a mid-size body is faster uncorked (measured, docs/BENCHMARKS.md)
            boolean midSize = bodyBytes > config.corkSkipFrom() && bodyBytes < config.corkSkipTo();
            c.tcpNopush(midSize ? Connection.TcpOption.DISABLED : Connection.TcpOption.UNSET);
        }
        Buf body = null;
        if (get && to > from) {
            body = Buf.ofFile(file, from, to);
            body.lastBuf(true).lastInChain(true);
        }
        endHeadAndSend(body);
    }

    private boolean notModified(String etag, long mtime) {
        if (req.ifNoneMatch != null) {
            String inm = req.ifNoneMatch.trim();
            if (inm.equals("*")) {
                return true;
            }
            for (String tag : inm.split(",")) {
                String t = tag.trim();
                if (t.startsWith("W/")) {
                    t = t.substring(2);
                }
                if (t.equals(etag)) {
                    return true;
                }
            }
            return false;
        }
        if (req.ifModifiedSince != null) {
            long since = HttpDate.parse(req.ifModifiedSince);
            return since >= 0 && mtime <= since;
        }
        return false;
    }

    /** If-Range: the range applies only when the validator still matches. */
    private boolean rangeApplies(String etag, String lastModified) {
        if (req.ifRange == null) {
            return true;
        }
        String v = req.ifRange.trim();
        return v.startsWith("\"") ? v.equals(etag) : v.equals(lastModified);
    }

    private void redirect(String location) {
        startHead(301, "Moved Permanently");
        w.header("Location", location).header("Content-Type", "text/html");
        errorBody(301, "Moved Permanently");
    }

    private void error(int code, boolean close) {
        if (close) {
            keepAlive = false;
        }
        String reason = switch (code) {
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Not Allowed";
            case 408 -> "Request Time-out";
            case 414 -> "Request-URI Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 505 -> "HTTP Version Not Supported";
            default -> "Internal Server Error";
        };
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

    private void errorBody(int code, String reason) {
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

    private void startHead(int code, String reason) {
        status = code;
        head.pos(head.start()).last(head.start());
        w.start(head).put("HTTP/1.1 ").put(code).put(" ").put(reason).crlf()
                .header("Server", "sendchain")
                .header("Date", worker.date.now(System.currentTimeMillis()));
    }

    private void endHeadAndSend(Buf body) {
        w.header("Connection", keepAlive ? "keep-alive" : "close").crlf();
        Buf h = head;
        if (!w.finish()) {
            // cannot happen: the buffer holds the fixed headers plus the longest path a request head can carry
            log.error("response head for {} does not fit {} bytes; closing", req.target, h.end());
            close();
            return;
        }
        responding = true;
        if (body == null) {
            h.lastBuf(true).lastInChain(true);
            headLink.buf(h).next(null);
        } else {
            h.lastBuf(false).lastInChain(false);
            headLink.buf(h).next(bodyLink.buf(body).next(null));
        }
        push(headLink);
    }

    // ---------------------------------------------------------------- writing

    private void onWrite(Event ev) {
        if (closed || !responding) {
            return;
        }
        if (ev.timedOut()) {
            ev.timedOut(false);
            if (ev.delayed()) {
                ev.delayed(false); // the rate limit's pause is over
            } else {
                log.info("client timed out sending a response; closing");
                close();
                return;
            }
        } else if (ev.delayed()) {
            return; // writable, but the rate limit still holds the output back
        }
        if (ev.timerSet()) {
            loop.deleteTimer(ev); // the send timeout: the client took data
        }
        push(null);
    }

    /** One step of output: nginx's ngx_http_write_filter around the copy filter's output chain. */
    private void push(Chain chain) {
        Event wev = c.write();
        long limitRate = config.limitRate();
        if (limitRate > 0) {
            long sent = c.sent() - sentAtStart;
            long elapsed = (loop.now() - requestStart) / 1000;
            long allowed = limitRate * (elapsed + 1) - (sent - config.limitRateAfter());
            if (allowed <= 0 && chain == null) {
                wev.delayed(true);
                loop.addTimer(wev, -allowed * 1000 / limitRate + 1);
                return;
            }
            long chunk = config.sendfileMaxChunk();
            writer.limit(allowed > 0 && (chunk == 0 || allowed < chunk) ? allowed : chunk);
        }
        long before = c.sent();
        Status rc;
        try {
            rc = out.output(chain);
        } catch (IOException e) {
            log.info("{}: closing", e.getMessage());
            close();
            return;
        }
        if (limitRate > 0) {
            long after = config.limitRateAfter();
            long s0 = Math.max(0, before - sentAtStart - after);
            long s1 = Math.max(0, c.sent() - sentAtStart - after);
            long delay = (s1 - s0) * 1000 / limitRate;
            if (delay > 0 && rc != Status.OK) {
                wev.delayed(true);
                loop.addTimer(wev, delay);
            }
        }
        if (rc == Status.OK) {
            finishResponse();
        } else if (!wev.ready() && !wev.delayed() && !out.aio()) {
            loop.addTimer(wev, config.sendTimeoutMillis());
        }
    }

    private void finishResponse() {
        responding = false;
        loop.deleteTimer(c.write());
        c.write().delayed(false);
        out.reset();
        closeFile();
        if (config.accessLog()) {
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
            loop.addTimer(c.read(), config.keepaliveTimeoutMillis());
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

    private void closeFile() {
        if (file != null) {
            try {
                file.close();
            } catch (IOException e) {
                log.warn("{}", e.getMessage());
            }
            file = null;
        }
    }

    private void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeFile();
        loop.close(c);
        pool.close();
        server.sessionClosed();
    }
}
