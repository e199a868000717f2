package io.sendchain.examples.http;

import static io.sendchain.examples.http.HttpSyntax.ascii;
import static io.sendchain.examples.http.HttpSyntax.contains;
import static io.sendchain.examples.http.HttpSyntax.decimal;
import static io.sendchain.examples.http.HttpSyntax.indexOf;
import static io.sendchain.examples.http.HttpSyntax.is;
import static io.sendchain.examples.http.HttpSyntax.isTchar;
import static io.sendchain.examples.http.HttpSyntax.isToken;
import static io.sendchain.examples.http.HttpSyntax.skipSpaces;
import static io.sendchain.examples.http.HttpSyntax.startsWith;
import static io.sendchain.examples.http.HttpSyntax.trimEnd;
import static io.sendchain.examples.http.HttpSyntax.validHost;
import static io.sendchain.examples.http.HttpSyntax.validValue;

import io.sendchain.buf.Buf;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One HTTP/1.x request head, parsed strictly from a buf's bytes (nginx's {@code ngx_http_parse_request_line}
 * and {@code ngx_http_parse_header_line}, minus what a static server does not need). Reused per connection.
 *
 * <p>The grammar is RFC 9112's, read as a recipient may (a bare LF ends a line, empty lines before the request
 * line are skipped, obs-text in field values and raw non-ASCII bytes in the request-target are data), and every
 * form that lets two parsers disagree on where a message ends is refused: both framings, two lengths, a length
 * that is not 1*DIGIT, two Transfer-Encoding lines, a transfer coding other than exactly {@code chunked} (501),
 * Transfer-Encoding in HTTP/1.0, a bare CR, whitespace before a colon or at the start of a line (obsolete
 * folding), control bytes or delimiters in a field name, controls in a value. docs/HTTP.md has the table.
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
    /** Where the strings come from: the worker's table of repeated ones, or {@code null} for fresh ones. */
    private AsciiStrings strings;

    /** The methods the servers name, so that parsing one makes no string. */
    private static final String[] METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH",
        "CONNECT", "TRACE"};

    /** Strings of targets and header values come from {@code table} (a request repeating one allocates nothing). */
    void strings(AsciiStrings table) {
        this.strings = table;
    }

    private String string(MemorySegment s, long from, long to) {
        return strings != null ? strings.get(s, from, to) : ascii(s, from, to);
    }

    private static String method(MemorySegment s, long from, long to) {
        for (String m : METHODS) {
            if (m.length() == to - from && startsWith(s, from, m)) {
                return m;
            }
        }
        return ascii(s, from, to);
    }

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
     * @return {@link #NEED_MORE}, {@link #DONE}, or an HTTP status for a bad head (400, 431, 501, 505)
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
                // a request line whose method already holds a byte no method has is refused now, as nginx does,
                // rather than after its line end or the header timeout
                return requestLine || methodMayStart(s, lineStart, end) ? NEED_MORE : 400;
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
                if (minor >= 1 && !host) {
                    return 400; // "client sent HTTP/1.1 request without Host header" (RFC 9110 7.2: a MUST)
                }
                if (transferEncoding) {
                    if (minor == 0) {
                        return 400; // RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 means the framing is faulty
                    }
                    if (!chunked) {
                        // RFC 9112 6.1 and nginx's "client sent unknown Transfer-Encoding": the body's end cannot
                        // be found, so the connection closes after the answer
                        return 501;
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

    /** Whether the unfinished line {@code [from, to)} can still become a request line (or an empty line). */
    private static boolean methodMayStart(MemorySegment s, long from, long to) {
        for (long i = from; i < to; i++) {
            byte b = s.get(ValueLayout.JAVA_BYTE, i);
            if (b == ' ' && i > from) {
                return true; // the method is complete; the rest is checked when the line is
            }
            if (b == '\r' && i == from && i + 1 == to) {
                return true; // the CR of an empty line before the request line
            }
            if (!isTchar(b)) {
                return false;
            }
        }
        return true;
    }

    /** Whether the buf's unparsed bytes hold no line end at all (a request line longer than the buffer). */
    static boolean noLineEnd(Buf in) {
        return indexOf(in.segment(), (byte) '\n', in.pos(), in.last()) < 0;
    }

    /** {@code method SP request-target SP HTTP-version} (RFC 9112 3), each space exactly one. */
    private int requestLine(MemorySegment s, long from, long to) {
        long sp1 = indexOf(s, (byte) ' ', from, to);
        if (sp1 <= from || !isToken(s, from, sp1)) {
            return 400; // the method is a token (RFC 9110 9.1)
        }
        long sp2 = indexOf(s, (byte) ' ', sp1 + 1, to);
        if (sp2 < 0 || sp2 == sp1 + 1) {
            return 400;
        }
        for (long i = sp1 + 1; i < sp2; i++) {
            int c = s.get(ValueLayout.JAVA_BYTE, i) & 0xff;
            if (c <= 0x20 || c == 0x7f) {
                // controls and spaces never appear in a request-target; bytes from 0x80 up do (raw UTF-8 from
                // clients that do not percent-encode): nginx takes them, and so does UriPath's UTF-8 check
                return 400;
            }
        }
        int rc = version(s, sp2 + 1, to);
        if (rc != DONE) {
            return rc;
        }
        method = method(s, from, sp1);
        target = string(s, sp1 + 1, sp2);
        return targetForm(s, sp1 + 1, sp2) ? DONE : 400;
    }

    /**
     * {@code HTTP-version = "HTTP/" DIGIT "." DIGIT} (RFC 9112 2.3). A major version other than 1, even one of
     * many digits, is a 505 as in nginx; any other shape is a 400. HTTP/1.2 to 1.9 are served as HTTP/1.1 (RFC 9110
     * 2.5: a recipient uses the highest minor version it implements).
     */
    private int version(MemorySegment s, long from, long to) {
        if (to - from < 8 || !startsWith(s, from, "HTTP/")) {
            return 400;
        }
        long p = from + 5;
        long majorFrom = p;
        long majorValue = 0;
        while (p < to && isDigit(s.get(ValueLayout.JAVA_BYTE, p))) {
            majorValue = Math.min(majorValue * 10 + (s.get(ValueLayout.JAVA_BYTE, p) - '0'), 1000);
            p++;
        }
        long majorDigits = p - majorFrom;
        if (majorDigits == 0 || p == to || s.get(ValueLayout.JAVA_BYTE, p) != '.') {
            return 400;
        }
        long minorFrom = ++p;
        while (p < to && isDigit(s.get(ValueLayout.JAVA_BYTE, p))) {
            p++;
        }
        if (p != to || p == minorFrom) {
            return 400;
        }
        if (majorValue != 1) {
            return 505;
        }
        if (majorDigits != 1 || to - minorFrom != 1) {
            return 400; // HTTP/01.1, HTTP/1.10: not the grammar's single digits
        }
        major = 1;
        minor = s.get(ValueLayout.JAVA_BYTE, minorFrom) - '0';
        return DONE;
    }

    /**
     * The request-target's form (RFC 9112 3.2): origin-form ({@code /path}), asterisk-form ({@code *}, OPTIONS
     * only), authority-form (CONNECT only) or absolute-form ({@code scheme:...}).
     */
    private boolean targetForm(MemorySegment s, long from, long to) {
        byte first = s.get(ValueLayout.JAVA_BYTE, from);
        if (first == '/') {
            return true;
        }
        if (method.equals("CONNECT")) {
            return true;
        }
        if (first == '*') {
            return to - from == 1 && method.equals("OPTIONS");
        }
        // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ":"
        if (!isAlpha(first)) {
            return false;
        }
        for (long i = from + 1; i < to; i++) {
            byte b = s.get(ValueLayout.JAVA_BYTE, i);
            if (b == ':') {
                return true;
            }
            if (!isAlpha(b) && !isDigit(b) && b != '+' && b != '-' && b != '.') {
                return false;
            }
        }
        return false;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static boolean isAlpha(byte b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
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
        if (!isToken(s, from, colon)) {
            return 400; // not a token: a space before the colon is how requests get smuggled
        }
        long v = skipSpaces(s, colon + 1, to);
        long e = trimEnd(s, v, to);
        if (!validValue(s, v, e)) {
            return 400; // NUL, a bare CR or another control in the value
        }
        long len = colon - from;
        if (is(s, from, len, "host")) {
            if (host || !validHost(s, v, e)) {
                return 400; // two Host headers, or one that is not a host (RFC 9110 7.2)
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
            ifNoneMatch = string(s, v, e);
        } else if (is(s, from, len, "if-modified-since")) {
            ifModifiedSince = string(s, v, e);
        } else if (is(s, from, len, "range")) {
            range = string(s, v, e);
        } else if (is(s, from, len, "if-range")) {
            ifRange = string(s, v, e);
        }
        if (contentLength >= 0 && transferEncoding) {
            return 400; // both framings: ambiguous
        }
        return DONE;
    }
}
