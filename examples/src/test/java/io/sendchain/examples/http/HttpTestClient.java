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
    record Response(int status, Map<String, String> headers, long length, String sha256, byte[] body) {
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
        socket = new Socket();
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
        StringBuilder sb = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\nHost: test\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        return send(sb.append("\r\n").toString());
    }

    /** Reads one response; keeps the body in memory only if {@code keep}. */
    Response read(boolean headRequest, boolean keep) throws IOException {
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
        long length = headRequest || status == 304 ? 0 : Long.parseLong(headers.getOrDefault("content-length", "0"));
        MessageDigest sha = sha256();
        ByteArrayOutputStream kept = keep ? new ByteArrayOutputStream() : null;
        byte[] buf = new byte[readChunk];
        long left = length;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new IOException("body ended after " + (length - left) + " of " + length + " bytes");
            }
            sha.update(buf, 0, n);
            if (kept != null) {
                kept.write(buf, 0, n);
            }
            left -= n;
        }
        return new Response(status, headers, length, HexFormat.of().formatHex(sha.digest()),
                kept == null ? new byte[0] : kept.toByteArray());
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
        while ((c = in.read()) >= 0) {
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
