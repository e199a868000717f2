package io.sendchain.examples.http;

import static io.sendchain.examples.http.HttpSyntax.ascii;
import static io.sendchain.examples.http.HttpSyntax.contains;
import static io.sendchain.examples.http.HttpSyntax.decimal;
import static io.sendchain.examples.http.HttpSyntax.indexOf;
import static io.sendchain.examples.http.HttpSyntax.is;
import static io.sendchain.examples.http.HttpSyntax.skipSpaces;
import static io.sendchain.examples.http.HttpSyntax.startsWith;
import static io.sendchain.examples.http.HttpSyntax.trimEnd;
import static io.sendchain.examples.http.HttpSyntax.validValue;

import io.sendchain.buf.Buf;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One HTTP/1.x request head, parsed strictly from a buf's bytes (nginx's {@code ngx_http_parse_request_line}
 * and {@code ngx_http_parse_header_line}, minus what a static server does not need). Reused per connection.
 */
final class HttpRequest {

    /** The head is not complete yet. */
    static final int NEED_MORE = 0;
    /** A complete head was parsed; the buf's {@code pos} is past it. */
    static final int DONE = 1;

    String method;
    String target;
    int major;
    int minor;
    boolean host;
    boolean connectionClose;
    boolean connectionKeepAlive;
    String ifNoneMatch;
    String ifModifiedSince;
    String range;
    String ifRange;
    long contentLength;
    boolean transferEncoding;
    /** {@code Transfer-Encoding: chunked} (the only coding a proxy session accepts). */
    boolean chunked;
    boolean expectContinue;
    int headers;
    /** Where the head starts in the buf it was parsed from (the request line, after any leading blank lines). */
    long headStart;
    /** Accept request bodies framed by {@code Transfer-Encoding: chunked} (the proxy); else such a head is a 400. */
    boolean acceptChunked;

    void reset() {
        method = null;
        target = null;
        major = 0;
        minor = 0;
        host = false;
        connectionClose = false;
        connectionKeepAlive = false;
        ifNoneMatch = null;
        ifModifiedSince = null;
        range = null;
        ifRange = null;
        contentLength = -1;
        transferEncoding = false;
        chunked = false;
        expectContinue = false;
        headers = 0;
        headStart = -1;
    }

    boolean keepAlive() {
        if (minor >= 1) {
            return !connectionClose;
        }
        return connectionKeepAlive && !connectionClose;
    }

    /**
     * Parses the head at {@code in}'s {@code [pos, last)}.
     *
     * @return {@link #NEED_MORE}, {@link #DONE}, or an HTTP status for a bad head (400, 431, 505)
     */
    int parse(Buf in, int maxHeaders) {
        MemorySegment s = in.segment();
        long end = in.last();
        long lineStart = in.pos();
        boolean requestLine = false;
        reset();
        for (;;) {
            long nl = indexOf(s, (byte) '\n', lineStart, end);
            if (nl < 0) {
                return NEED_MORE;
            }
            long lineEnd = nl > lineStart && s.get(ValueLayout.JAVA_BYTE, nl - 1) == '\r' ? nl - 1 : nl;
            if (!requestLine) {
                if (lineEnd != lineStart) {
                    headStart = lineStart;
                    int rc = requestLine(s, lineStart, lineEnd);
                    if (rc != DONE) {
                        return rc;
                    }
                    requestLine = true;
                }
                // empty lines before the request line are allowed (RFC 9112 2.2)
            } else if (lineEnd == lineStart) {
                in.pos(nl + 1);
                if (minor >= 1 && major == 1 && !host) {
                    return 400; // "client sent HTTP/1.1 request without Host header"
                }
                if (transferEncoding) {
                    if (!acceptChunked || minor == 0) {
                        return 400; // a static server takes no chunked bodies; never guess at framing
                    }
                    if (!chunked) {
                        return 501; // nginx: "client sent unknown Transfer-Encoding"
                    }
                }
                return DONE;
            } else {
                if (++headers > maxHeaders) {
                    return 431;
                }
                int rc = header(s, lineStart, lineEnd);
                if (rc != DONE) {
                    return rc;
                }
            }
            lineStart = nl + 1;
        }
    }

    /** Whether the buf's unparsed bytes hold no line end at all (a request line longer than the buffer). */
    static boolean noLineEnd(Buf in) {
        return indexOf(in.segment(), (byte) '\n', in.pos(), in.last()) < 0;
    }

    private int requestLine(MemorySegment s, long from, long to) {
        long sp1 = indexOf(s, (byte) ' ', from, to);
        if (sp1 <= from) {
            return 400;
        }
        for (long i = from; i < sp1; i++) {
            byte b = s.get(ValueLayout.JAVA_BYTE, i);
            if (b < 'A' || b > 'Z') {
                return 400;
            }
        }
        long sp2 = indexOf(s, (byte) ' ', sp1 + 1, to);
        if (sp2 < 0 || sp2 == sp1 + 1) {
            return 400;
        }
        for (long i = sp1 + 1; i < sp2; i++) {
            byte b = s.get(ValueLayout.JAVA_BYTE, i);
            if (b <= 0x20 || b == 0x7f) {
                return 400; // controls and spaces never appear in a request target
            }
        }
        if (to - sp2 - 1 != 8 || !startsWith(s, sp2 + 1, "HTTP/")) {
            return 400;
        }
        byte maj = s.get(ValueLayout.JAVA_BYTE, sp2 + 6);
        byte dot = s.get(ValueLayout.JAVA_BYTE, sp2 + 7);
        byte min = s.get(ValueLayout.JAVA_BYTE, sp2 + 8);
        if (maj < '0' || maj > '9' || dot != '.' || min < '0' || min > '9') {
            return 400;
        }
        major = maj - '0';
        minor = min - '0';
        if (major != 1) {
            return major > 1 ? 505 : 400;
        }
        method = ascii(s, from, sp1);
        target = ascii(s, sp1 + 1, sp2);
        return DONE;
    }

    private int header(MemorySegment s, long from, long to) {
        byte first = s.get(ValueLayout.JAVA_BYTE, from);
        if (first == ' ' || first == '\t') {
            return 400; // obsolete line folding
        }
        long colon = indexOf(s, (byte) ':', from, to);
        if (colon <= from) {
            return 400;
        }
        for (long i = from; i < colon; i++) {
            byte b = s.get(ValueLayout.JAVA_BYTE, i);
            if (b <= 0x20 || b >= 0x7f || b == '(' || b == ')' || b == ',' || b == '/' || b == ';' || b == '<'
                    || b == '=' || b == '>' || b == '?' || b == '@' || b == '[' || b == '\\' || b == ']'
                    || b == '{' || b == '}' || b == '"') {
                return 400; // not a token: a space before the colon is how requests get smuggled
            }
        }
        long v = skipSpaces(s, colon + 1, to);
        long e = trimEnd(s, v, to);
        if (!validValue(s, v, e)) {
            return 400;
        }
        long len = colon - from;
        if (is(s, from, len, "host")) {
            if (host) {
                return 400; // two Host headers
            }
            host = true;
        } else if (is(s, from, len, "connection")) {
            connectionClose |= contains(s, v, e, "close");
            connectionKeepAlive |= contains(s, v, e, "keep-alive");
        } else if (is(s, from, len, "content-length")) {
            long n = decimal(s, v, e);
            if (contentLength >= 0 || n < 0) {
                return 400;
            }
            contentLength = n;
        } else if (is(s, from, len, "transfer-encoding")) {
            if (transferEncoding) {
                return 400; // two Transfer-Encoding headers: never guess which applies
            }
            transferEncoding = true;
            chunked = is(s, v, e - v, "chunked");
        } else if (is(s, from, len, "expect")) {
            expectContinue = is(s, v, e - v, "100-continue");
        } else if (is(s, from, len, "if-none-match")) {
            ifNoneMatch = ascii(s, v, e);
        } else if (is(s, from, len, "if-modified-since")) {
            ifModifiedSince = ascii(s, v, e);
        } else if (is(s, from, len, "range")) {
            range = ascii(s, v, e);
        } else if (is(s, from, len, "if-range")) {
            ifRange = ascii(s, v, e);
        }
        if (contentLength >= 0 && transferEncoding) {
            return 400; // both framings: ambiguous
        }
        return DONE;
    }
}
