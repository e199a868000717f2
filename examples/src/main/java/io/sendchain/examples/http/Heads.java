package io.sendchain.examples.http;

import java.nio.charset.StandardCharsets;

/**
 * Preformatted bytes of response heads and error pages, made once, so that writing a head copies bytes and formats
 * nothing (nginx keeps its status lines and error pages as static strings the same way: ngx_http_status_lines,
 * ngx_http_error_pages). Immutable after class initialisation.
 */
final class Heads {

    /** The statuses with a preformatted status line and page, each with the reason it is sent with. */
    private static final int[] CODES = {200, 206, 301, 304, 400, 403, 404, 405, 408, 411, 413, 414, 416, 431, 500,
        501, 502, 504, 505};
    private static final String[] REASONS = {"OK", "Partial Content", "Moved Permanently", "Not Modified",
        "Bad Request", "Forbidden", "Not Found", "Not Allowed", "Request Time-out", "Length Required",
        "Request Entity Too Large", "Request-URI Too Large", "Range Not Satisfiable",
        "Request Header Fields Too Large", "Internal Server Error", "Not Implemented", "Bad Gateway",
        "Gateway Time-out", "HTTP Version Not Supported"};
    private static final int FIRST = 200;

    /** By {@code code - FIRST}: {@code "HTTP/1.1 code reason\r\nServer: sendchain\r\nDate: "}. */
    private static final byte[][] STATUS = new byte[406][];
    /** By {@code code - FIRST}: the error page's reason. */
    private static final String[] REASON = new String[406];
    /** By {@code code - FIRST}: the error page. */
    private static final byte[][] PAGE = new byte[406][];

    /** The last head line for a kept-alive connection and the blank line. */
    static final byte[] KEEP_ALIVE = bytes("Connection: keep-alive\r\n\r\n");
    /** The last head line for a connection closed after the response and the blank line. */
    static final byte[] CLOSE = bytes("Connection: close\r\n\r\n");
    /** The longest of {@link #KEEP_ALIVE} and {@link #CLOSE}. */
    static final int CONNECTION_MAX = Math.max(KEEP_ALIVE.length, CLOSE.length);
    static final byte[] ACCEPT_RANGES = bytes("Accept-Ranges: bytes\r\n");
    static final byte[] CONTENT_LENGTH = bytes("Content-Length: ");
    static final byte[] CONTENT_RANGE = bytes("Content-Range: bytes ");
    static final byte[] CONTENT_TYPE_HTML = bytes("Content-Type: text/html\r\n");

    static {
        for (int i = 0; i < CODES.length; i++) {
            int at = CODES[i] - FIRST;
            REASON[at] = REASONS[i];
            STATUS[at] = bytes("HTTP/1.1 " + CODES[i] + " " + REASONS[i] + "\r\nServer: sendchain\r\nDate: ");
            PAGE[at] = pageBytes(CODES[i], REASONS[i]);
        }
    }

    private Heads() {
    }

    /** The preformatted start of a head with this status and reason, or {@code null}. */
    static byte[] statusLine(int code, String reason) {
        int at = code - FIRST;
        return at >= 0 && at < STATUS.length && STATUS[at] != null && REASON[at].equals(reason) ? STATUS[at] : null;
    }

    /** The preformatted error page for this status and reason, or {@code null}. */
    static byte[] page(int code, String reason) {
        int at = code - FIRST;
        return at >= 0 && at < PAGE.length && PAGE[at] != null && REASON[at].equals(reason) ? PAGE[at] : null;
    }

    /** An error page (nginx's, with the server's name). */
    static byte[] pageBytes(int code, String reason) {
        return bytes("<html>\r\n<head><title>" + code + " " + reason + "</title></head>\r\n<body>\r\n<center><h1>"
                + code + " " + reason + "</h1></center>\r\n<hr><center>sendchain</center>\r\n</body>\r\n</html>\r\n");
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
