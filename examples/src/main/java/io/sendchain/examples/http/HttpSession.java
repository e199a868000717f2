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
import java.nio.file.attribute.BasicFileAttributes;
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
        return HEAD_SIZE + 3L * req.target.length();
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
        UriPath.Resolved r = UriPath.resolve(req.target, config.root(), config.symlinksOutsideRoot(), false);
        if (r.status() != 0) {
            error(r.status(), r.status() == 400);
            return;
        }
        OpenFileCache cache = worker.files;
        OpenFileCache.Entry cached = cache == null ? null : cache.lookup(r.file(), requestStart);
        FileLookup.Found found = cached != null ? cached.found() : worker.lookup.stat(r.file(), requestStart);
        if (found.status() == 0 && found.attrs().isDirectory()) {
            if (!r.slash()) {
                redirect(UriPath.escape(r.path() + "/"));
                return;
            }
            Path index = found.file().resolve("index.html");
            cached = cache == null ? null : cache.lookup(index, requestStart);
            found = cached != null ? cached.found() : worker.lookup.stat(index, requestStart);
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
                // the platform's own open only pays when it sends the file (sendfile); copies read through Java
                // with the open file cache, a descriptor shared with the worker's other responses (nginx's
                // open_file_cache); directio files are opened by each response, as without it
                file = config.directio() > 0 && size >= config.directio() ? FileRef.openDirect(path)
                        : cached != null ? cache.open(cached)
                        : config.sendfile() ? server.platform().openFile(path) : FileRef.open(path);
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
        if (config.tcpNopush()) {
            // cork when it pays: a small body leaves in one segment with its header, a large one in full
            // segments; a mid-size body is faster uncorked (measured, docs/BENCHMARKS.md)
            boolean midSize = bodyBytes > config.corkSkipFrom() && bodyBytes < config.corkSkipTo();
            c.nopush(!midSize);
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
            loop.addTimer(wev, config.sendTimeoutMillis());
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
