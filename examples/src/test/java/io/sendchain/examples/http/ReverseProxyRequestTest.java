package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The reverse proxy's request parsing (shared with the static server) and its upstream head parsing against RFC
 * 9110/9112, row by row as docs/HTTP.md has it: valid forms reach the upstream byte for byte where they are data,
 * malformed or ambiguous ones get their status and a closed connection and never reach the upstream; subclassed
 * once per platform.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
abstract class ReverseProxyRequestTest {

    abstract String platform();

    ScriptedUpstream up;
    ReverseProxy proxy;
    /** Every request the upstream received. */
    final LinkedBlockingQueue<ScriptedUpstream.Request> seen = new LinkedBlockingQueue<>();

    @BeforeEach
    void setUp() throws IOException {
        TestPlatforms.assumeAvailable(platform());
        up = new ScriptedUpstream((req, out) -> {
            seen.add(req);
            out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        });
        startProxy(true);
    }

    /** Starts the proxy (stopping the one before), with nginx's proxy_request_buffering on or off. */
    void startProxy(boolean requestBuffering) throws IOException {
        if (proxy != null) {
            proxy.close();
        }
        proxy = new ReverseProxy(ProxyConfig.builder()
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).upstream(up.address())
                .platform(platform()).workers(1).requestBuffering(requestBuffering)
                // the scripted upstream answers one request per connection and closes it
                .upstreamKeepalive(0).build());
        proxy.start();
    }

    @AfterEach
    void tearDown() throws IOException {
        if (proxy != null) {
            proxy.close();
        }
        if (up != null) {
            up.close();
        }
    }

    HttpTestClient client() throws IOException {
        return new HttpTestClient(proxy.address());
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** {@code s}'s UTF-8 bytes as the ISO-8859-1 string {@link HttpTestClient#send} writes byte for byte. */
    static String utf8(String s) {
        return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    static Arguments row(String name, String request, int status) {
        return Arguments.of(name, request, status);
    }

    private static final String GET = "GET / HTTP/1.1\r\nHost: x\r\n";
    private static final String POST_CHUNKED = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

    /** Requests the proxy must not forward: each answered with its status, then the connection is closed. */
    static Stream<Arguments> rejected() {
        return Stream.of(
                row("a major version of many digits", "GET / HTTP/4294967295.255\r\n\r\n", 505),
                row("HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
                row("a two-digit minor version", "GET / HTTP/1.10\r\nHost: x\r\n\r\n", 400),
                row("gzip, chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
                row("an empty list element before chunked", "POST / HTTP/1.1\r\nHost: x\r\n"
                        + "Transfer-Encoding: ,chunked\r\n\r\n0\r\n\r\n", 501),
                row("obs-text around chunked", "POST / HTTP/1.1\r\nHost: x\r\n"
                        + "Transfer-Encoding: \u00a0chunked\u00a0\r\n\r\n0\r\n\r\n", 501),
                row("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "0\r\n\r\n", 400),
                row("Content-Length and Transfer-Encoding", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
                row("two Transfer-Encoding lines", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
                row("two Content-Length lines", GET + "Content-Length: 0\r\nContent-Length: 31\r\n\r\n"
                        + "GET /evil HTTP/1.1\r\nHost: a\r\n\r\n", 400),
                row("a bare CR in a value", GET + "X: a\rb\r\n\r\n", 400),
                row("a space before the colon", GET + "Content-Length : 34\r\n\r\n", 400),
                row("obsolete line folding", GET + "X: a\r\n folded\r\n\r\n", 400),
                row("NUL in a field name", GET + "X\u0000Y: z\r\n\r\n", 400),
                row("obs-text in a field name", GET + "Content-Length\u0085: 10\r\n\r\n0123456789", 400),
                row("a Host with obs-text", "GET / HTTP/1.1\r\nHost: \u00ffa\u00ff\r\n\r\n", 400),
                row("a target in no form", "GET ! HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                row("CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 405),
                // chunked framing that is broken in the bytes that came with the head: refused before the upstream
                // is even connected
                row("a chunk size that overflows", POST_CHUNKED + "fffffffffffffffffff\r\n", 400),
                row("a chunk size with an underscore", POST_CHUNKED + "0_2e\r\n\r\n", 400),
                row("a bare LF ends a chunk size line", POST_CHUNKED + "5\nhello\r\n0\r\n\r\n", 400),
                row("a bare LF in a chunk extension", POST_CHUNKED + "5;a\nhello\r\n0\r\n\r\n", 400),
                row("a bare CR in a chunk extension", POST_CHUNKED + "5;a\r\rhello\r\n0\r\n\r\n", 400),
                row("a bare LF after chunk data", POST_CHUNKED + "a\r\n0123456789\n0\r\n\r\n", 400),
                row("spaces before the chunk size", POST_CHUNKED + "           0\r\n\r\n", 400),
                row("an extra CRLF before the last chunk", POST_CHUNKED + "17\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n"
                        + "\r\n\r\n0\r\n\r\n", 400));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejected")
    void aMalformedOrAmbiguousRequestGetsItsStatusClosesAndNeverReachesTheUpstream(String name, String request,
            int status) throws Exception {
        try (HttpTestClient c = client()) {
            HttpTestClient.Response r = c.send(request).read();
            assertEquals(status, r.status(), name);
            assertEquals("close", r.header("Connection"), name);
            assertTrue(c.closedByServer(), "closed after " + name);
        }
        // a probe through a fresh connection: once the upstream has its request, it has accepted every connection the
        // proxy opened before, the refused request's if there was one
        try (HttpTestClient c = client()) {
            assertEquals("ok", c.get("/probe").read().text());
        }
        assertTrue(seen.poll(10, TimeUnit.SECONDS).head().startsWith("GET /probe "));
        assertEquals(1, up.accepted(), "upstream connections, the probe's included, after " + name);
    }

    @Test
    void obsTextInAFieldValueReachesTheUpstreamByteForByte() throws Exception {
        try (HttpTestClient c = client()) {
            c.send(GET + "My-Header: value;\u0085\u0093\u00a0\r\n\r\n");
            assertEquals("ok", c.read().text());
        }
        ScriptedUpstream.Request r = seen.poll(10, TimeUnit.SECONDS);
        assertEquals("value;\u0085\u0093\u00a0", r.header("My-Header"));
    }

    @Test
    void aRawUtf8TargetReachesTheUpstreamByteForByte() throws Exception {
        String target = "/" + utf8("странные-символы") + "?q=" + utf8("ü");
        try (HttpTestClient c = client()) {
            c.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("ok", c.read().text());
        }
        ScriptedUpstream.Request r = seen.poll(10, TimeUnit.SECONDS);
        assertTrue(r.head().startsWith("GET " + target + " HTTP/1.1\r\n"), r.head());
    }

    @Test
    void aMethodThatIsATokenIsForwarded() throws Exception {
        try (HttpTestClient c = client()) {
            c.send("M-SEARCH * HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(400, c.read().status(), "asterisk-form goes with OPTIONS only (RFC 9112 3.2.4)");
        }
        try (HttpTestClient c = client()) {
            c.send("M-SEARCH /devices HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("ok", c.read().text());
        }
        assertTrue(seen.poll(10, TimeUnit.SECONDS).head().startsWith("M-SEARCH /devices HTTP/1.1\r\n"));
    }

    @Test
    void bareLfLineEndsAreTakenAndForwardedAsCrlf() throws Exception {
        try (HttpTestClient c = client()) {
            c.send("GET / HTTP/1.1\nHost: x\nX-A: 1\nConnection: close\n\n");
            assertEquals("ok", c.read().text());
        }
        String head = seen.poll(10, TimeUnit.SECONDS).head();
        assertFalse(head.replace("\r\n", "").contains("\n"), "a bare LF reached the upstream: " + head);
        assertTrue(head.contains("\r\nX-A: 1\r\n"), head);
    }

    @Test
    void aChunkedBodyIsForwardedReframedWithoutItsExtensionsAndTrailers() throws Exception {
        startProxy(false); // streamed: the chunks are framed again as they arrive
        try (HttpTestClient c = client()) {
            c.send(POST_CHUNKED + "5 ;a=b\r\nhello\r\n0\r\nX-T: 1\r\n\r\n");
            assertEquals("ok", c.read().text());
            assertEquals("ok", c.get("/next").read().text(), "the connection goes on");
        }
        ScriptedUpstream.Request r = seen.poll(10, TimeUnit.SECONDS);
        assertArrayEquals(ascii("5\r\nhello\r\n0\r\n\r\n"), r.body());
    }

    @Test
    void aBufferedChunkedBodyIsForwardedDecodedWithAContentLengthWithoutItsExtensionsAndTrailers() throws Exception {
        try (HttpTestClient c = client()) {
            c.send(POST_CHUNKED + "5 ;a=b\r\nhello\r\n0\r\nX-T: 1\r\n\r\n");
            assertEquals("ok", c.read().text());
            assertEquals("ok", c.get("/next").read().text(), "the connection goes on");
        }
        ScriptedUpstream.Request r = seen.poll(10, TimeUnit.SECONDS);
        assertEquals("5", r.header("Content-Length"), r.head());
        assertEquals(null, r.header("Transfer-Encoding"), r.head());
        assertEquals(null, r.header("X-T"), r.head());
        assertArrayEquals(ascii("hello"), r.body());
    }

    /** Upstream heads that are valid with obs-text, and ones whose framing or syntax is in doubt (502). */
    static Stream<Arguments> upstreamHeads() {
        return Stream.of(
                Arguments.of("obs-text in a value and the reason",
                        "HTTP/1.1 200 \u00c4\u00e7cept\u00e9\r\nX-Name: caf\u00e9\r\nContent-Length: 2\r\n\r\nok", 200),
                Arguments.of("a status line without a reason", "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok", 200),
                Arguments.of("a bare CR in a value", "HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 2\r\n\r\nok", 502),
                Arguments.of("NUL in a value", "HTTP/1.1 200 OK\r\nX: a\u0000b\r\nContent-Length: 2\r\n\r\nok", 502),
                Arguments.of("a space before the colon", "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok", 502),
                Arguments.of("obs-text in a name", "HTTP/1.1 200 OK\r\nX\u00e9: 1\r\nContent-Length: 2\r\n\r\nok", 502),
                Arguments.of("a delimiter in a name", "HTTP/1.1 200 OK\r\nX(1): 1\r\nContent-Length: 2\r\n\r\nok", 502),
                Arguments.of("a control in the reason", "HTTP/1.1 200 O\u0001K\r\nContent-Length: 2\r\n\r\nok", 502),
                Arguments.of("a bare LF ends the chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "2\nok\r\n0\r\n\r\n", 502),
                // proxy_buffer_size (4 KiB by default) bounds the head, whatever room the proxy reads it into
                Arguments.of("a head of proxy_buffer_size", headOf(4096) + "ok", 200),
                Arguments.of("a head a byte over proxy_buffer_size", headOf(4097) + "ok", 502),
                Arguments.of("an interim response then a head of proxy_buffer_size",
                        "HTTP/1.1 100 Continue\r\n\r\n" + headOf(4096) + "ok", 200));
    }

    /** A 200 head of exactly {@code size} bytes, its blank line included, for a body of 2 bytes. */
    static String headOf(int size) {
        String start = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Pad: ";
        return start + "p".repeat(size - start.length() - 4) + "\r\n\r\n";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("upstreamHeads")
    void theUpstreamsHeadIsCheckedToo(String name, String response, int status) throws Exception {
        up.script((req, out) -> out.write(ascii(response)));
        try (HttpTestClient c = client()) {
            HttpTestClient.Response r = c.get("/x").read();
            assertEquals(status, r.status(), name);
            if (status == 200) {
                assertEquals("ok", r.text());
                if (name.startsWith("obs-text")) {
                    assertEquals("caf\u00e9", r.header("X-Name"));
                }
            }
            up.script((req, out) -> out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")));
            assertEquals("ok", c.get("/x").read().text(), "the client connection lives on after " + name);
        }
    }
}
