package io.sendchain.examples.http;

import io.sendchain.buf.Buf;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * The proxy's per-response head work without sockets, for {@code ProxyHeadBenchmark}: an upstream's response head
 * parsed as {@link ProxySession} parses it ({@link UpstreamHead#parse}), then its header lines copied to a client
 * head less the hop-by-hop ones ({@link UpstreamHead#copyHeaders}); and a client's request head parsed
 * ({@link HttpRequest}) and copied for the upstream. Native memory, as the proxy's bufs; nothing is allocated per
 * call.
 */
public final class ProxyHeadHarness implements AutoCloseable {

    private final Arena arena = Arena.ofShared();
    private final Buf in;
    private final long inLast;
    private final Buf out;
    private final UpstreamHead head = new UpstreamHead();
    private final HttpRequest request = new HttpRequest();
    private final AsciiWriter w = new AsciiWriter();

    /** A harness over {@code text} (an ASCII head, a response's or a request's). */
    public ProxyHeadHarness(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        MemorySegment s = arena.allocate(bytes.length + 64);
        MemorySegment.copy(bytes, 0, s, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
        in = Buf.wrap(s);
        inLast = bytes.length;
        out = Buf.wrap(arena.allocate(4096));
        request.strings(new AsciiStrings(1024, 256)); // as a worker's table: a repeated target is not made again
    }

    /** Parses the text as an upstream's response head and copies its headers; the bytes written, or -1. */
    public long response() {
        in.pos(0).last(inLast);
        if (head.parse(in) != UpstreamHead.DONE) {
            return -1;
        }
        out.pos(0).last(0);
        w.start(out).put("HTTP/1.1 ").put(head.status).crlf();
        UpstreamHead.copyHeaders(in.segment(), head.headersFrom, head.headersTo, w, ProxySession.RESPONSE_HOP);
        return w.finish() ? out.last() : -1;
    }

    /** Parses the text as a client's request head and copies its headers; the bytes written, or -1. */
    public long request() {
        in.pos(0).last(inLast);
        if (request.parse(in, 100) != HttpRequest.DONE) {
            return -1;
        }
        out.pos(0).last(0);
        w.start(out).put(request.method).put(" ").put(request.target).put(" HTTP/1.1").crlf();
        ProxySession.copyRequestHeaders(in.segment(), request.headStart, in.pos(), w);
        return w.finish() ? out.last() : -1;
    }

    @Override
    public void close() {
        arena.close();
    }
}
