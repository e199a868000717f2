package io.sendchain.examples.http;

import static io.sendchain.examples.http.HttpSyntax.ascii;
import static io.sendchain.examples.http.HttpSyntax.contains;
import static io.sendchain.examples.http.HttpSyntax.decimal;
import static io.sendchain.examples.http.HttpSyntax.indexOf;
import static io.sendchain.examples.http.HttpSyntax.is;
import static io.sendchain.examples.http.HttpSyntax.isCtlNotTab;
import static io.sendchain.examples.http.HttpSyntax.isToken;
import static io.sendchain.examples.http.HttpSyntax.lineEnd;
import static io.sendchain.examples.http.HttpSyntax.skipSpaces;
import static io.sendchain.examples.http.HttpSyntax.startsWith;
import static io.sendchain.examples.http.HttpSyntax.trimEnd;
import static io.sendchain.examples.http.HttpSyntax.validValue;

import io.sendchain.buf.Buf;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * An upstream's response head, parsed strictly (nginx's {@code ngx_http_parse_status_line} and the proxy's header
 * checks): the status, the framing ({@code Content-Length}, {@code Transfer-Encoding: chunked}, or neither: read
 * to the end), and where the header lines are so they can be copied to the client. Anything that would make the
 * framing ambiguous is an error the proxy answers with 502: both framings, two lengths, a length that is not a
 * number or overflows, a transfer coding other than chunked, folded or malformed lines. obs-text (bytes from
 * 0x80 up) in a field value or the reason phrase is data and passes (RFC 9110 5.5). Reused per session.
 */
final class UpstreamHead {

    static final int NEED_MORE = 0;
    static final int DONE = 1;
    static final int INVALID = 2;

    int status;
    long reasonFrom;
    long reasonTo;
    /** {@code [headersFrom, headersTo)}: the header lines, each ending in a line break. */
    long headersFrom;
    long headersTo;
    long contentLength;
    boolean chunked;
    /**
     * The upstream will close the connection after this response: {@code Connection: close}, or an HTTP/1.0
     * status line (nginx's {@code u->headers_in.connection_close}); such a connection is not kept alive.
     */
    boolean connectionClose;
    /** Why the head is invalid, for the error log. */
    String error;

    private void reset() {
        status = 0;
        contentLength = -1;
        chunked = false;
        connectionClose = false;
        error = null;
    }

    /**
     * Parses the head at {@code b}'s {@code [pos, last)}; on {@link #DONE} the buf's pos is past it.
     *
     * @return {@link #NEED_MORE}, {@link #DONE} or {@link #INVALID} (see {@link #error})
     */
    int parse(Buf b) {
        reset();
        MemorySegment s = b.segment();
        long end = b.last();
        long nl = indexOf(s, (byte) '\n', b.pos(), end);
        if (nl < 0) {
            return NEED_MORE;
        }
        if (!statusLine(s, b.pos(), lineEnd(s, b.pos(), nl))) {
            return INVALID;
        }
        headersFrom = nl + 1;
        long lineStart = nl + 1;
        boolean transferEncoding = false;
        for (;;) {
            nl = indexOf(s, (byte) '\n', lineStart, end);
            if (nl < 0) {
                return NEED_MORE;
            }
            long le = lineEnd(s, lineStart, nl);
            if (le == lineStart) {
                headersTo = lineStart;
                b.pos(nl + 1);
                if (transferEncoding && contentLength >= 0) {
                    return invalid("upstream sent \"Content-Length\" and \"Transfer-Encoding\" headers at the same time");
                }
                return DONE;
            }
            byte first = s.get(ValueLayout.JAVA_BYTE, lineStart);
            if (first == ' ' || first == '\t') {
                return invalid("upstream sent a folded header line");
            }
            long colon = indexOf(s, (byte) ':', lineStart, le);
            if (colon <= lineStart) {
                return invalid("upstream sent invalid header");
            }
            if (!isToken(s, lineStart, colon)) {
                return invalid("upstream sent invalid header name");
            }
            long v = skipSpaces(s, colon + 1, le);
            long ve = trimEnd(s, v, le);
            if (!validValue(s, v, ve)) {
                return invalid("upstream sent invalid header value");
            }
            long len = colon - lineStart;
            if (is(s, lineStart, len, "content-length")) {
                if (contentLength >= 0) {
                    return invalid("upstream sent duplicate header line: \"Content-Length\"");
                }
                contentLength = decimal(s, v, ve);
                if (contentLength < 0) {
                    return invalid("upstream sent invalid \"Content-Length\" header: \""
                            + ascii(s, v, ve) + "\"");
                }
            } else if (is(s, lineStart, len, "transfer-encoding")) {
                if (transferEncoding) {
                    return invalid("upstream sent duplicate header line: \"Transfer-Encoding\"");
                }
                transferEncoding = true;
                if (!is(s, v, ve - v, "chunked")) {
                    return invalid("upstream sent unknown \"Transfer-Encoding\": \"" + ascii(s, v, ve)
                            + "\"");
                }
                chunked = true;
            } else if (is(s, lineStart, len, "connection")) {
                connectionClose |= contains(s, v, ve, "close"); // as nginx's ngx_http_upstream_process_connection
            }
            lineStart = nl + 1;
        }
    }

    /** Whether the response has no body whatever its headers say: 1xx, 204, 304, or an answer to HEAD. */
    boolean noBody(boolean head) {
        return head || status < 200 || status == 204 || status == 304;
    }

    private boolean statusLine(MemorySegment s, long from, long to) {
        // HTTP/1.x SSS[ reason]
        if (to - from < 12 || !startsWith(s, from, "HTTP/1.")) {
            invalid("upstream sent no valid HTTP/1.0 header");
            return false;
        }
        byte min = s.get(ValueLayout.JAVA_BYTE, from + 7);
        if (min < '0' || min > '9' || s.get(ValueLayout.JAVA_BYTE, from + 8) != ' ') {
            invalid("upstream sent no valid HTTP/1.0 header");
            return false;
        }
        int code = 0;
        for (int i = 9; i < 12; i++) {
            byte d = s.get(ValueLayout.JAVA_BYTE, from + i);
            if (d < '0' || d > '9') {
                invalid("upstream sent an invalid status");
                return false;
            }
            code = code * 10 + d - '0';
        }
        if (code < 100 || code > 599) {
            invalid("upstream sent an invalid status " + code);
            return false;
        }
        if (to > from + 12 && s.get(ValueLayout.JAVA_BYTE, from + 12) != ' ') {
            invalid("upstream sent an invalid status line");
            return false;
        }
        // reason-phrase = *( HTAB / SP / VCHAR / obs-text ) (RFC 9112 4)
        for (long i = from + 12; i < to; i++) {
            if (isCtlNotTab(s.get(ValueLayout.JAVA_BYTE, i))) {
                invalid("upstream sent an invalid reason phrase");
                return false;
            }
        }
        status = code;
        connectionClose = min == '0'; // nginx's proxy: an HTTP/1.0 upstream closes after the response
        reasonFrom = Math.min(from + 13, to);
        reasonTo = to;
        return true;
    }

    /**
     * Copies the header lines in {@code [from, to)} of {@code s} (a head already validated) to {@code w}, each ending
     * in CRLF, except those named in {@code skip} (lower case).
     */
    static void copyHeaders(MemorySegment s, long from, long to, AsciiWriter w, FieldNames skip) {
        // lines kept one after another that already end in CRLF go out in one copy
        long run = from;
        long lineStart = from;
        while (lineStart < to) {
            long nl = indexOf(s, (byte) '\n', lineStart, to);
            if (nl < 0) {
                nl = to;
            }
            long le = lineEnd(s, lineStart, nl);
            long colon = indexOf(s, (byte) ':', lineStart, le);
            boolean keep = colon > lineStart && !skip.contains(s, lineStart, colon - lineStart);
            if (!keep || le == nl || nl == to) { // a run goes on only past a CRLF
                if (lineStart > run) {
                    w.put(s, run, lineStart); // the run before this line
                }
                if (keep) {
                    w.put(s, lineStart, le).crlf(); // a bare LF, or no line end, becomes CRLF
                }
                run = nl + 1;
            }
            lineStart = nl + 1;
        }
        if (to > run) {
            w.put(s, run, to);
        }
    }

    private int invalid(String why) {
        error = why;
        return INVALID;
    }

}
