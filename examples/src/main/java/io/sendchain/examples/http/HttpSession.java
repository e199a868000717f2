package io.sendchain.examples.http;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FileRef;
import io.sendchain.buf.MemoryLimitException;
import io.sendchain.event.Event;
import io.sendchain.output.FileReadHook;
import io.sendchain.output.OutputChainContext;
import io.sendchain.output.Status;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.util.concurrent.RejectedExecutionException;
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
 *        │  bad head: 400/414/431/501/505,     │ rate limit: delayed + timer  └──no──> close
 *        │  close; body over the limit: 413    │ a body to discard: dropped as it comes (AbstractHttpSession)
 * </pre>
 */
final class HttpSession extends AbstractHttpSession<StaticServer, StaticServer.StaticWorker> {

    private static final Logger log = LoggerFactory.getLogger(HttpSession.class);

    private static final int DIRECTIO_ALIGNMENT = 4096;

    private final StaticConfig config;
    private final OutputChainContext out;

    private FileRef file;
    /** The open file cache's descriptor the response sends from itself ({@link #fileBody}), or {@code null}. */
    private OpenFileCache.Descriptor held;
    /** Bytes of a body from memory the next head's buffer must hold after the head. */
    private long inlineBody;
    /** The response's body buf when it sends from {@link #held}: reused, so a hit makes none. */
    private final Buf fileBody = new Buf();
    /** Where a Range header's bounds are read to. */
    private final long[] range = new long[2];
    /**
     * Responses may send from the cache's shared ref itself: no thread pool reads files (a {@link FileRef} holds
     * one thread-pool read at a time, so each response then has a ref of its own).
     */
    private final boolean sharesMaster;
    /** The loop task that takes a finished thread-pool read back (made once, not per read). */
    private final Runnable readCompleted = this::readCompleted;

    HttpSession(StaticServer server, StaticServer.StaticWorker worker) {
        super(server, worker);
        this.config = server.config();
        writer.limit(config.sendfileMaxChunk());
        filter.limitRate(config.limitRate(), config.limitRateAfter());
        this.out = new OutputChainContext(pool, filter)
                .sendfile(config.sendfile())
                .bufs(config.outputBuffersNum(), config.outputBuffersSize())
                .alignment(DIRECTIO_ALIGNMENT);
        FileReadHook hook = server.readHook();
        this.sharesMaster = hook == null;
        if (hook != null) {
            // a finished read comes back to the loop thread, unblocks the output chain and resumes the response;
            // if the connection closed meanwhile, the memory the read wrote into goes back only now
            out.readHook(hook, () -> {
                try {
                    loop.execute(readCompleted);
                } catch (RejectedExecutionException e) {
                    // the loop is stopping; its allocator reports what stays unreturned
                }
            });
        }
    }

    private void readCompleted() {
        out.aio(false);
        if (releasePending) {
            responseDone();
            finishRelease();
        } else if (responding && !closed) {
            try {
                push(null);
            } catch (MemoryLimitException e) {
                memoryRefused(e); // a loop task, not a handler: nothing else would close the connection
            }
        }
    }

    @Override
    long headCapacity() {
        // the status line and fixed headers, and a Location (the path percent-encoded: up to three bytes for each
        // of the target's) or a Content-Range
        return HEAD_SIZE + 3L * req.target.length() + inlineBody;
    }

    @Override
    void readWhileResponding(Event ev) {
        // the rest of a discarded body is read and dropped now; pipelined requests wait in the socket until the
        // response is sent
        discardWhileResponding();
    }

    @Override
    String allowed() {
        return "GET, HEAD";
    }

    // ---------------------------------------------------------------- answering

    @Override
    void handle() {
        // nginx's static handler discards the body it does not use (ngx_http_discard_request_body), so a POST or a
        // GET with a body keeps its connection: what came with the head goes now, the rest as it arrives
        int discardStatus = discardBody();
        if (discardStatus != 0) {
            if (discardStatus > 0) {
                error(discardStatus, true);
            }
            return;
        }
        freeHeaderBufferIfDone(); // the head is parsed into req; pipelined bytes or a body keep the buffer
        boolean get = req.method.equals("GET");
        if (!get && !req.method.equals("HEAD")) {
            error(405, false);
            return;
        }
        OpenFileCache cache = worker.files;
        OpenFileCache.Entry cached = null;
        if (cache != null) {
            // the hot path: the target (the worker's repeated string) routes to its entry, with no URI decoding,
            // no Path and no map of paths
            OpenFileCache.Route route = cache.route(req.target);
            if (route != null) {
                if (route.status() != 0) {
                    error(route.status(), true);
                    return;
                }
                cached = routed(cache, route);
            }
        }
        FileLookup.Found found;
        if (cached != null) {
            found = cached.found();
        } else {
            Targets.Target t = worker.targets.of(req.target);
            UriPath.Resolved r = t.resolved();
            if (r.status() != 0) {
                if (cache != null && r.status() == 400) {
                    cache.route(req.target, new OpenFileCache.Route(400, null, null)); // the bytes alone decide
                }
                error(r.status(), r.status() == 400);
                return;
            }
            cached = cache == null ? null : cache.lookup(r.file(), requestStart);
            found = cached != null ? cached.found() : worker.lookup.look(r.file(), t.dir(), requestStart);
            OpenFileCache.Entry dir = null;
            if (found.status() == 0 && found.attrs().isDirectory()) {
                if (!r.slash()) {
                    redirect(UriPath.escape(r.path() + "/"));
                    return;
                }
                dir = cached;
                Path dirFile = found.file();
                Path index = dirFile == r.file() ? t.index() : dirFile.resolve("index.html"); // a link: its target's
                cached = cache == null ? null : cache.lookup(index, requestStart);
                found = cached != null ? cached.found() : worker.lookup.look(index, dirFile, requestStart);
                if (found.status() == 404) {
                    error(403, false); // a directory without an index, and no listing
                    return;
                }
            }
            if (cached != null && cached.cached() && (dir == null || dir.cached() && found.status() == 0)) {
                cache.route(req.target, new OpenFileCache.Route(0, cached, dir));
            }
        }
        if (found.status() != 0) {
            error(found.status(), false);
            return;
        }
        Path path = found.file();
        if (!found.attrs().isRegularFile()) {
            error(403, false);
            return;
        }
        FileMeta meta = cached != null ? cached.meta() : worker.metas.of(found);
        long size = meta.size();

        if (notModified(meta.etag(), meta.mtime())) {
            startHead(304, "Not Modified");
            w.put(meta.validators());
            endHeadAndSend(null);
            return;
        }

        long from = 0;
        long to = size;
        boolean partial = false;
        if (req.range != null && get && rangeApplies(meta.etag(), meta.lastModified())) {
            int rc = Ranges.parse(req.range, size, range);
            if (rc == Ranges.NOT_SATISFIABLE) {
                startHead(416, "Range Not Satisfiable");
                w.put(Heads.CONTENT_RANGE).put("*/").put(size).crlf().put(Heads.CONTENT_TYPE_HTML);
                errorBody(416, "Range Not Satisfiable");
                return;
            }
            if (rc == Ranges.RANGE) {
                from = range[0];
                to = range[1];
                partial = true;
            }
        }

        OpenFileCache.Content content = null;
        if (get) {
            try {
                // the platform's own open only pays when it sends the file (sendfile); copies read through Java
                // with the open file cache, a descriptor shared with the worker's other responses (nginx's
                // open_file_cache): without thread-pool reads the response sends from the shared ref itself,
                // else from a ref of its own over it; directio files are opened by each response, as without it
                if (cached != null && to > from && (content = cache.content(cached)) != null) {
                    // a small file's bytes from memory: head and body leave in one send, no descriptor needed
                    inlineBody = to - from;
                } else if (config.directio() > 0 && size >= config.directio()) {
                    file = FileRef.openDirect(path);
                } else if (cached != null && sharesMaster) {
                    held = cache.acquire(cached);
                    if (held == null) {
                        file = cache.open(cached);
                    }
                } else if (cached != null) {
                    file = cache.open(cached);
                } else {
                    file = config.sendfile() ? server.platform().openFile(path) : FileRef.open(path);
                }
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
        try {
            respond(meta, content, get, partial, from, to);
        } finally {
            if (content != null) {
                content.close(); // the response has its copy (or failed): the content is let go at once
            }
        }
    }

    /** Writes the head of a 200 or 206 and sends it with the body: from memory, the shared descriptor or a file. */
    private void respond(FileMeta meta, OpenFileCache.Content content, boolean get, boolean partial, long from,
            long to) {
        long size = meta.size();
        if (content != null && head.segment() != null && head.end() - head.start() < headCapacity()) {
            pool.free(head); // a head buffer from before is too small for the body: startHead takes a larger one
        }
        if (partial) {
            startHead(206, "Partial Content");
            w.put(Heads.CONTENT_RANGE).put(from).put("-").put(to - 1).put("/").put(size).crlf();
        } else {
            startHead(200, "OK");
        }
        w.put(meta.contentType()).put(Heads.CONTENT_LENGTH).put(to - from).crlf()
                .put(meta.validators())
                .put(Heads.ACCEPT_RANGES);
        bodyBytes = get ? to - from : 0;
        if (config.tcpNopush()) {
            // cork when it pays: a small body leaves in one segment with its header, a large one in full
            // segments; a mid-size body is faster uncorked (measured, docs/BENCHMARKS.md)
            boolean midSize = bodyBytes > config.corkSkipFrom() && bodyBytes < config.corkSkipTo();
            c.nopush(!midSize);
        }
        if (content != null) {
            // a small file from memory: its bytes follow the head in the head's buffer, one send for both
            endHeadAndSendInline(content.bytes(), from, to);
            return;
        }
        Buf body = null;
        if (get && to > from) {
            body = held != null ? held.body(fileBody, from, to) : Buf.ofFile(file, from, to);
            body.lastBuf(true).lastInChain(true);
        }
        endHeadAndSend(body);
    }

    /**
     * The entry a route leads to, counted and revalidated as a lookup would, or {@code null} when the slow path
     * must look again (an entry that left the cache, a directory that is not one any more).
     */
    private OpenFileCache.Entry routed(OpenFileCache cache, OpenFileCache.Route route) {
        OpenFileCache.Entry dir = route.dir();
        if (dir != null) {
            if (!dir.cached()) {
                return null;
            }
            cache.hit(dir, requestStart);
            FileLookup.Found d = dir.found();
            if (!dir.cached() || d.status() != 0 || !d.attrs().isDirectory()) {
                return null;
            }
        }
        OpenFileCache.Entry e = route.entry();
        if (!e.cached()) {
            return null;
        }
        cache.hit(e, requestStart);
        return e.cached() ? e : null;
    }

    /** If-None-Match (a list of tags, weak ones compared weakly, or {@code *}), else If-Modified-Since. */
    private boolean notModified(String etag, long mtime) {
        String inm = req.ifNoneMatch;
        if (inm != null) {
            return matches(inm, etag);
        }
        if (req.ifModifiedSince != null) {
            long since = HttpDate.parse(req.ifModifiedSince);
            return since >= 0 && mtime <= since;
        }
        return false;
    }

    /** Whether the If-None-Match {@code list} names {@code etag} (or is {@code *}); reads it in place. */
    static boolean matches(String list, String etag) {
        int n = list.length();
        int a = 0;
        int b = n;
        while (a < b && list.charAt(a) <= ' ') {
            a++;
        }
        while (b > a && list.charAt(b - 1) <= ' ') {
            b--;
        }
        if (b - a == 1 && list.charAt(a) == '*') {
            return true;
        }
        for (int i = 0; i <= n;) {
            int end = list.indexOf(',', i);
            if (end < 0) {
                end = n;
            }
            int from = i;
            int to = end;
            while (from < to && list.charAt(from) <= ' ') {
                from++;
            }
            while (to > from && list.charAt(to - 1) <= ' ') {
                to--;
            }
            if (list.startsWith("W/", from)) {
                from += 2;
            }
            if (to - from == etag.length() && list.regionMatches(from, etag, 0, etag.length())) {
                return true;
            }
            i = end + 1;
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

    // ---------------------------------------------------------------- writing

    @Override
    void onWrite(Event ev) {
        if (closed || !responding) {
            return;
        }
        if (ev.timedOut()) {
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

    /**
     * One step of output: the copy filter's output chain, whose last filter is the write filter (rate limit,
     * per-call limit, push after the last buf); nginx's ngx_http_writer around them.
     */
    private void push(Chain chain) {
        Event wev = c.write();
        Status rc;
        try {
            rc = out.output(chain);
        } catch (IOException e) {
            log.info("{}: closing", e.getMessage());
            close();
            return;
        }
        if (rc == Status.OK) {
            responseFinished();
        } else if (!wev.ready() && !wev.delayed() && !out.aio()) {
            loop.addTimer(wev, config.clientSendTimeoutMillis());
        }
    }

    @Override
    void send(Chain chain) {
        push(chain);
    }

    @Override
    void responseDone() {
        if (out.aio()) {
            releasePending = true; // a pool thread still reads into a copy: see readCompleted
            return;
        }
        out.abandon();
        closeFile();
    }

    private void closeFile() {
        inlineBody = 0;
        if (held != null) {
            OpenFileCache.Descriptor d = held;
            held = null;
            d.close();
        }
        if (file != null) {
            try {
                file.close();
            } catch (IOException e) {
                log.warn("{}", e.getMessage());
            }
            file = null;
        }
    }
}
