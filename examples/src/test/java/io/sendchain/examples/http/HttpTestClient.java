package io.sendchain.examples.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/** A raw HTTP/1.1 client over a plain socket: exact bytes out, responses parsed by hand, bodies hashed on the fly. */
final class HttpTestClient implements AutoCloseable {

    /** A response: status, headers (lower-case names), body length and SHA-256, and the body if it was kept. */
    record Response(int status, Map<String, String> headers, long length, String sha256, byte[] body,
            boolean complete) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String text() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private int readChunk = 64 * 1024;

    HttpTestClient(InetSocketAddress address) throws IOException {
        this(address, 0);
    }

    /** A client whose socket receive buffer is {@code rcvbuf} bytes (0: the system's), to play a slow reader. */
    HttpTestClient(InetSocketAddress address, int rcvbuf) throws IOException {
        socket = new Socket();
        if (rcvbuf > 0) {
            socket.setReceiveBufferSize(rcvbuf);
        }
        socket.connect(address, 10_000);
        socket.setSoTimeout(60_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** Reads bodies in chunks of at most {@code n} bytes (a slow, small-buffer reader). */
    HttpTestClient readChunk(int n) {
        readChunk = n;
        return this;
    }

    HttpTestClient send(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    HttpTestClient get(String target, String... headers) throws IOException {
        return request("GET", target, headers);
    }

    HttpTestClient request(String method, String target, String... headers) throws IOException {
        StringBuilder sb = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: test\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        return send(sb.append("\r\n").toString());
    }

    /** Reads one response; keeps the body in memory only if {@code keep}; a truncated body is an error. */
    Response read(boolean headRequest, boolean keep) throws IOException {
        Response r = read(headRequest, keep, false);
        if (!r.complete()) {
            throw new IOException("body ended after " + r.length() + " bytes: " + r.headers());
        }
        return r;
    }

    /**
     * Reads one response, framed by Content-Length, by chunks (checked strictly), or by the close; with
     * {@code allowTruncated} a body cut short by the close comes back with {@code complete == false}.
     */
    Response read(boolean headRequest, boolean keep, boolean allowTruncated) throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new HashMap<>();
        for (String l = line(); l != null && !l.isEmpty(); l = line()) {
            int colon = l.indexOf(':');
            headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
        }
        MessageDigest sha = sha256();
        ByteArrayOutputStream kept = keep ? new ByteArrayOutputStream() : null;
        boolean noBody = headRequest || status == 304 || status == 204 || status < 200;
        long[] got = new long[1];
        boolean complete;
        if (noBody) {
            complete = true;
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            complete = chunked(sha, kept, got);
        } else if (headers.containsKey("content-length")) {
            long length = Long.parseLong(headers.get("content-length"));
            complete = body(length, sha, kept, got);
        } else {
            body(Long.MAX_VALUE, sha, kept, got);
            complete = true; // delimited by the close
        }
        if (!complete && !allowTruncated) {
            throw new IOException("body ended after " + got[0] + " bytes");
        }
        return new Response(status, headers, got[0], HexFormat.of().formatHex(sha.digest()),
                kept == null ? new byte[0] : kept.toByteArray(), complete);
    }

    /** Reads up to {@code length} bytes; {@code false} if the stream ended first. */
    private boolean body(long length, MessageDigest sha, ByteArrayOutputStream kept, long[] got) throws IOException {
        byte[] buf = new byte[readChunk];
        long left = length;
        while (left > 0) {
            int n;
            try {
                n = in.read(buf, 0, (int) Math.min(buf.length, left));
            } catch (java.net.SocketException e) {
                n = -1; // reset
            }
            if (n < 0) {
                return false;
            }
            sha.update(buf, 0, n);
            if (kept != null) {
                kept.write(buf, 0, n);
            }
            got[0] += n;
            left -= n;
        }
        return true;
    }

    /** A chunked body, strictly: {@code false} if the stream ended before the last chunk. */
    private boolean chunked(MessageDigest sha, ByteArrayOutputStream kept, long[] got) throws IOException {
        for (;;) {
            String sizeLine = line();
            if (sizeLine == null) {
                return false;
            }
            if (!sizeLine.matches("[0-9a-f]+")) {
                throw new IOException("bad chunk size line \"" + sizeLine + "\"");
            }
            long size = Long.parseLong(sizeLine, 16);
            if (size == 0) {
                String end = line();
                if (end == null) {
                    return false;
                }
                if (!end.isEmpty()) {
                    throw new IOException("trailer after the last chunk: \"" + end + "\"");
                }
                return true;
            }
            if (!body(size, sha, kept, got)) {
                return false;
            }
            String crlf = line();
            if (crlf == null) {
                return false;
            }
            if (!crlf.isEmpty()) {
                throw new IOException("chunk data longer than its size");
            }
        }
    }

    Response read() throws IOException {
        return read(false, true);
    }

    /** {@code true} when the server closed the connection (the next read sees end of stream). */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (java.net.SocketException e) {
            return true; // reset
        }
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = readByte()) >= 0) {
            if (c == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') {
                    sb.setLength(len - 1);
                }
                return sb.toString();
            }
            sb.append((char) c);
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    private int readByte() throws IOException {
        try {
            return in.read();
        } catch (java.net.SocketException e) {
            return -1; // reset: the end, as far as framing goes
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
