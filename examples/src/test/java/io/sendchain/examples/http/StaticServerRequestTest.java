package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.testkit.Seeds;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The static server's request parsing against RFC 9110/9112, row by row as docs/HTTP.md has it: every valid form is
 * served and the connection lives on, every malformed or ambiguous one gets its status and a closed connection, and
 * bodies the server does not use are discarded; subclassed once per platform.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
abstract class StaticServerRequestTest {

    /** A file name in Cyrillic, sent raw (UTF-8 bytes) and percent-encoded. */
    static final String UTF8_NAME = "странные-символы.txt";

    abstract String platform();

    @TempDir
    Path tmp;
    Path root;
    StaticServer server;
    /** Whether the file system's encoding could hold {@link #UTF8_NAME} (not under a C locale). */
    boolean utf8Names;

    @BeforeEach
    void setUp() throws IOException {
        TestPlatforms.assumeAvailable(platform());
        root = Files.createDirectories(tmp.resolve("root")).toRealPath();
        Files.writeString(root.resolve("hello.txt"), "hello, world\n");
        Files.createDirectories(root.resolve("dir"));
        byte[] big = new byte[8 << 20];
        new Random(5).nextBytes(big);
        Files.write(root.resolve("big.bin"), big);
        try {
            Files.writeString(root.resolve(UTF8_NAME), "utf-8 name\n");
            Files.createDirectories(root.resolve("каталог"));
            utf8Names = true;
        } catch (InvalidPathException e) {
            utf8Names = false;
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    void start(StaticConfig.Builder b) throws IOException {
        server = new StaticServer(b.root(root).listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .platform(platform()).workers(1).build());
        server.start();
    }

    void start() throws IOException {
        start(StaticConfig.builder());
    }

    HttpTestClient client() throws IOException {
        return new HttpTestClient(server.address());
    }

    /** {@code s}'s UTF-8 bytes as the ISO-8859-1 string {@link HttpTestClient#send} writes byte for byte. */
    static String utf8(String s) {
        return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    static Arguments row(String name, String request, int status) {
        return Arguments.of(name, request, status);
    }

    private static final String GET = "GET /hello.txt HTTP/1.1\r\nHost: x\r\n";
    private static final String POST_CHUNKED = "POST /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

    /** Valid requests (RFC 9110/9112, and what nginx takes where the RFC lets a recipient choose). */
    static Stream<Arguments> accepted() {
        return Stream.of(
                row("obs-text in a field value", GET + "My-Header: value;\u0085\u0093\u00a0\r\n\r\n", 200),
                row("obs-text in a Referer", GET + "Referer: http://x/" + utf8("é") + "\r\n\r\n", 200),
                row("a bare LF ends each line", "GET /hello.txt HTTP/1.1\nHost: x\nAccept: */*\n\n", 200),
                row("empty lines before the request line", "\r\n\n" + GET + "\r\n", 200),
                row("an empty value and spaces and tabs around values", GET + "X-Empty:\r\nX-Tab:\t v \t\r\n\r\n", 200),
                row("a Host with an IP literal and a port", "GET /hello.txt HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", 200),
                row("an empty Host", "GET /hello.txt HTTP/1.1\r\nHost:\r\n\r\n", 200),
                row("absolute-form", "GET http://x/hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", 200),
                row("HTTP/1.2 is served as HTTP/1.1", "GET /hello.txt HTTP/1.2\r\nHost: x\r\n\r\n", 200),
                row("HTTP/1.0 without Host", "GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 200),
                row("a Content-Length with leading zeros, body discarded", GET + "Content-Length: 003\r\n\r\nabc", 200),
                row("a chunked body on a GET, discarded", "GET /hello.txt HTTP/1.1\r\nHost: x\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 200),
                row("a chunked body with extensions, spaces and trailers", POST_CHUNKED
                        + "5 ;a=b;c=\"d e\"\r\nhello\r\n000\r\nX-Trailer: t\r\n\r\n", 405),
                row("Transfer-Encoding: chunked in any case", "POST /hello.txt HTTP/1.1\r\nHost: x\r\n"
                        + "Transfer-Encoding: ChUnKeD\r\n\r\n0\r\n\r\n", 405),
                row("a method that is a token (M-SEARCH): 405", "M-SEARCH /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", 405),
                row("asterisk-form with OPTIONS: 405", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 405),
                row("POST with a Content-Length body: 405", "POST /hello.txt HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Length: 5\r\n\r\nhello", 405));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void aValidRequestIsAnsweredAndTheConnectionLivesOn(String name, String request, int status) throws IOException {
        start();
        try (HttpTestClient c = client()) {
            HttpTestClient.Response r = c.send(request).read();
            assertEquals(status, r.status(), name);
            assertEquals("keep-alive", r.header("Connection"), name);
            if (status == 405) {
                assertEquals("GET, HEAD", r.header("Allow"));
            }
            assertEquals("hello, world\n", c.get("/hello.txt").read().text(), "the next request on " + name);
        }
    }

    /** Malformed or ambiguous requests: each answered with its status, then the connection is closed. */
    static Stream<Arguments> rejected() {
        return Stream.of(
                // the request line
                row("a major version of many digits", "GET / HTTP/4294967295.255\r\n\r\n", 505),
                row("HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
                row("HTTP/0.9 named", "GET / HTTP/0.9\r\n\r\n", 505),
                row("a two-digit minor version", "GET / HTTP/1.10\r\nHost: x\r\n\r\n", 400),
                row("a zero-padded major version", "GET / HTTP/01.1\r\nHost: x\r\n\r\n", 400),
                row("a lower-case protocol name", "GET / http/1.1\r\nHost: x\r\n\r\n", 400),
                row("no version", "GET /\r\nHost: x\r\n\r\n", 400),
                row("a space after the version", "GET / HTTP/1.1 \r\nHost: x\r\n\r\n", 400),
                row("two spaces after the method", "GET  /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                row("a tab for a space", "GET\t/hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                row("a delimiter in the method", "G(T /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                row("a control byte in the target", "GET /hel\u0001lo.txt HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                row("a target in no form", "GET hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                row("asterisk-form with GET", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                // transfer codings (RFC 9112 6.1): only exactly "chunked" is known
                row("gzip, chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
                row("an empty list element before chunked", "POST / HTTP/1.1\r\nHost: x\r\n"
                        + "Transfer-Encoding: ,chunked\r\n\r\n0\r\n\r\n", 501),
                row("chunked twice in one line", "POST / HTTP/1.1\r\nHost: x\r\n"
                        + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 501),
                row("identity", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n", 501),
                row("obs-text around chunked", "POST / HTTP/1.1\r\nHost: x\r\n"
                        + "Transfer-Encoding: \u00a0chunked\u00a0\r\n\r\n0\r\n\r\n", 501),
                row("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
                // framing conflicts
                row("Content-Length and Transfer-Encoding", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
                row("Transfer-Encoding and Content-Length", "POST / HTTP/1.1\r\nHost: x\r\n"
                        + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400),
                row("two Transfer-Encoding lines", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
                row("two equal Content-Length lines", GET + "Content-Length: 1\r\nContent-Length: 1\r\n\r\nZ", 400),
                row("a Content-Length list", GET + "Content-Length: 1, 1\r\n\r\nZ", 400),
                row("a signed Content-Length", GET + "Content-Length: +1\r\n\r\nZ", 400),
                row("a hexadecimal Content-Length", GET + "Content-Length: 0x1\r\n\r\nZ", 400),
                row("an empty Content-Length", GET + "Content-Length: \r\n\r\n", 400),
                row("a Content-Length of 19 digits", GET + "Content-Length: 1000000000000000000\r\n\r\n", 400),
                // field lines
                row("a bare CR in a value", GET + "X: a\rb\r\n\r\n", 400),
                row("a bare CR as a line end", "GET /hello.txt HTTP/1.1\r\nHost: x\rX-Y: z\r\n\r\n", 400),
                row("a bare CR as the blank line", GET + "\r\r\n", 400),
                row("a space before the colon", GET + "Content-Length : 5\r\n\r\nhello", 400),
                row("a tab before the colon", GET + "Transfer-Encoding\t: chunked\r\n\r\n0\r\n\r\n", 400),
                row("obsolete line folding", GET + "X: a\r\n folded\r\n\r\n", 400),
                row("a space before the first field name", "GET /hello.txt HTTP/1.1\r\n Host: x\r\n\r\n", 400),
                row("NUL in a field name", GET + "X\u0000Y: z\r\n\r\n", 400),
                row("a control byte in a field name", GET + "X\u0001: z\r\n\r\n", 400),
                row("obs-text in a field name", GET + "Content-Length\u0085: 5\r\n\r\nhello", 400),
                row("NUL in a value", GET + "X: a\u0000b\r\n\r\n", 400),
                row("DEL in a value", GET + "X: a\u007fb\r\n\r\n", 400),
                row("a line without a colon", GET + "Transfer-\r\nEncoding: chunked\r\n\r\n", 400),
                row("an empty field name", GET + ": x\r\n\r\n", 400),
                row("HTTP/1.1 without Host", "GET /hello.txt HTTP/1.1\r\n\r\n", 400),
                row("two Host lines", GET + "Host: y\r\n\r\n", 400),
                row("a Host with a space", "GET /hello.txt HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
                row("a Host with a slash", "GET /hello.txt HTTP/1.1\r\nHost: a/b\r\n\r\n", 400),
                row("a Host with obs-text", "GET /hello.txt HTTP/1.1\r\nHost: \u00ffa\u00ff\r\n\r\n", 400),
                // chunked framing (core's ChunkedDecoder drives the discard)
                row("a chunk size that overflows", POST_CHUNKED + "fffffffffffffffffff\r\n", 400),
                row("a bare LF ends a chunk size line", POST_CHUNKED + "5\nhello\r\n0\r\n\r\n", 400),
                row("a bare LF in a chunk extension", POST_CHUNKED + "5;a\nhello\r\n0\r\n\r\n", 400),
                row("a bare CR in a chunk extension", POST_CHUNKED + "5;a\rb\r\nhello\r\n0\r\n\r\n", 400),
                row("a bare LF after chunk data", POST_CHUNKED + "5\r\nhello\n0\r\n\r\n", 400),
                row("chunk data longer than its size", POST_CHUNKED + "5\r\nhelloX\r\n0\r\n\r\n", 400),
                row("something after the chunk size", POST_CHUNKED + "5 x\r\nhello\r\n0\r\n\r\n", 400),
                row("a chunk size with a sign", POST_CHUNKED + "+5\r\nhello\r\n0\r\n\r\n", 400),
                row("a chunk size with 0x", POST_CHUNKED + "0x5\r\nhello\r\n0\r\n\r\n", 400),
                row("spaces before the chunk size", POST_CHUNKED + "  5\r\nhello\r\n0\r\n\r\n", 400),
                row("a bare LF after the last chunk", POST_CHUNKED + "0\r\n\n", 400),
                row("a folded trailer line", POST_CHUNKED + "0\r\nX: a\r\n b\r\n\r\n", 400),
                // sizes
                row("a body over client_max_body_size", "POST /hello.txt HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Length: 1048577\r\n\r\n", 413),
                row("a request line over a large header buffer", "GET /" + "a".repeat(9000) + " HTTP/1.1\r\n"
                        + "Host: x\r\n\r\n", 414),
                row("a head over all large header buffers", GET + "X: " + "b".repeat(33_000) + "\r\n\r\n", 431));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejected")
    void aMalformedOrAmbiguousRequestGetsItsStatusAndTheConnectionCloses(String name, String request, int status)
            throws IOException {
        start();
        try (HttpTestClient c = client()) {
            HttpTestClient.Response r = c.send(request).read();
            assertEquals(status, r.status(), name);
            assertEquals("close", r.header("Connection"), name);
            assertTrue(c.closedByServer(), "closed after " + name);
        }
    }

    @Test
    void aByteNoMethodHasIsRefusedBeforeItsLineEnds() throws IOException {
        start(StaticConfig.builder().headerTimeoutMillis(30_000));
        try (HttpTestClient c = client()) {
            // the HTTP Garden's payload: a NUL after a chunked GET, with no line end ever
            c.send("GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n\u0000");
            assertEquals(200, c.read().status());
            HttpTestClient.Response r = c.read();
            assertEquals(400, r.status(), "refused at once, not a 408 after the header timeout");
            assertTrue(c.closedByServer());
        }
        try (HttpTestClient c = client()) {
            c.send("GE(");
            assertEquals(400, c.read().status());
        }
        try (HttpTestClient c = client()) {
            // a method, a space, and the rest still to come: waits, then serves
            c.send("\r");
            c.send("\nGET ");
            c.send("/hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, c.read().status());
        }
    }

    @Test
    void aFileWithAUtf8NameIsServedForARawAndAPercentEncodedTarget() throws IOException {
        Assumptions.assumeTrue(utf8Names, "the file system's encoding cannot hold a UTF-8 name here");
        start();
        try (HttpTestClient c = client()) {
            HttpTestClient.Response raw = c.send("GET /" + utf8(UTF8_NAME) + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals(200, raw.status());
            assertEquals("utf-8 name\n", raw.text());
            String encoded = java.net.URLEncoder.encode(UTF8_NAME, StandardCharsets.UTF_8);
            assertEquals("utf-8 name\n", c.get("/" + encoded).read().text());
            // a directory with such a name redirects to itself with a slash, percent-encoded in the Location
            HttpTestClient.Response redirect = c.send("GET /" + utf8("каталог") + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals(301, redirect.status());
            assertEquals("/%D0%BA%D0%B0%D1%82%D0%B0%D0%BB%D0%BE%D0%B3/", redirect.header("Location"));
        }
    }

    @Test
    void aLocationNeverCarriesRawBytesFromTheDecodedPath() throws IOException {
        Files.createDirectories(root.resolve("a b%c"));
        start();
        try (HttpTestClient c = client()) {
            HttpTestClient.Response r = c.get("/a%20b%25c").read();
            assertEquals(301, r.status());
            assertEquals("/a%20b%25c/", r.header("Location"));
        }
    }

    @Test
    void aPostWithAChunkedBodyIs405WithAllowAndTheNextPipelinedRequestIsServed() throws IOException {
        start();
        try (HttpTestClient c = client()) {
            c.send(POST_CHUNKED + "5\r\nhello\r\n6;ext=1\r\n, worl\r\n2\r\nd\n\r\n0\r\nX-Trailer: 1\r\n\r\n"
                    + "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
            HttpTestClient.Response r = c.read();
            assertEquals(405, r.status());
            assertEquals("GET, HEAD", r.header("Allow"));
            assertEquals("keep-alive", r.header("Connection"));
            assertEquals("hello, world\n", c.read().text());
            assertEquals(200, c.get("/hello.txt").read().status(), "and the connection goes on");
        }
    }

    @Test
    void aBodyArrivingAfterTheAnswerIsDiscardedAndTheNextRequestServed() throws IOException {
        start();
        try (HttpTestClient c = client()) {
            c.send(POST_CHUNKED + "a\r\n01234");
            assertEquals(405, c.read().status());
            c.send("56789\r\n");
            c.send("0\r");
            c.send("\n\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("hello, world\n", c.read().text());
            c.send("PUT /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n012");
            assertEquals(405, c.read().status());
            c.send("3456789GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("hello, world\n", c.read().text());
        }
    }

    @Test
    void aChunkedBodyThatBreaksAfterTheAnswerClosesTheConnectionWithoutAnotherAnswer() throws IOException {
        start();
        try (HttpTestClient c = client()) {
            c.send(POST_CHUNKED + "5\r\nhel");
            assertEquals(405, c.read().status());
            // the rest of the chunk, then a bare LF where the CRLF after its data belongs, then a request
            c.send("lo\nGET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(c.closedByServer(), "no answer to bytes hidden in a broken body");
        }
    }

    @Test
    void randomChunksInRandomPiecesNeverShiftWhereTheNextRequestStarts() throws IOException {
        long seed = Seeds.seed("randomChunksInRandomPiecesNeverShiftWhereTheNextRequestStarts");
        Random rnd = new Random(seed);
        start(); // bodies of at most 30k: well within client_max_body_size
        try (HttpTestClient c = client()) {
            OutputStream out = c.socket.getOutputStream();
            for (int round = 0; round < 40; round++) {
                String what = "seed " + seed + " round " + round;
                ByteArrayOutputStream wire = new ByteArrayOutputStream();
                boolean post = rnd.nextBoolean();
                wire.writeBytes(((post ? "POST" : "GET") + " /hello.txt HTTP/1.1\r\nHost: x\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                int chunks = rnd.nextInt(6);
                for (int i = 0; i < chunks; i++) {
                    byte[] data = new byte[1 + rnd.nextInt(rnd.nextBoolean() ? 40 : 5000)];
                    rnd.nextBytes(data); // any bytes, CR LF and request lines included
                    String ext = rnd.nextInt(3) == 0 ? ";n=" + rnd.nextInt(100) : "";
                    wire.writeBytes((Integer.toHexString(data.length) + ext + "\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    wire.writeBytes(data);
                    wire.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                }
                wire.writeBytes((rnd.nextBoolean() ? "0\r\n\r\n" : "0\r\nX-T: " + round + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                wire.writeBytes("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                byte[] bytes = wire.toByteArray();
                for (int at = 0; at < bytes.length; ) {
                    int n = Math.min(bytes.length - at, 1 + rnd.nextInt(rnd.nextBoolean() ? 7 : 3000));
                    out.write(bytes, at, n);
                    out.flush();
                    at += n;
                }
                assertEquals(post ? 405 : 200, c.read().status(), what);
                HttpTestClient.Response next = c.read();
                assertEquals("hello, world\n", next.text(), what);
            }
        }
    }

    @Test
    void aClientThatSendsItsWholeBodyBeforeReadingDoesNotStallALargeAnswer() throws Exception {
        start(StaticConfig.builder().clientMaxBodySize(0));
        byte[] body = new byte[16 << 20]; // more than both ends' socket buffers can hold
        try (HttpTestClient c = client()) {
            c.send("GET /big.bin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
            CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = c.socket.getOutputStream();
                    for (int at = 0; at < body.length; at += 1 << 16) {
                        out.write(("10000\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        out.write(body, at, 1 << 16);
                        out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    }
                    out.write("0\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            // the whole body goes out before the answer is read: the server must read it while it answers
            sent.get(30, TimeUnit.SECONDS);
            HttpTestClient.Response r = c.read(false, false);
            assertEquals(200, r.status());
            assertEquals(8L << 20, r.length());
            assertEquals("hello, world\n", c.read().text());
        }
    }

    @Test
    void aChunkedBodyOverTheLimitIs413AndTheConnectionCloses() throws IOException {
        start(StaticConfig.builder().clientMaxBodySize(100));
        try (HttpTestClient c = client()) {
            c.send(POST_CHUNKED + "64\r\n" + "x".repeat(100) + "\r\n1\r\nx\r\n0\r\n\r\n");
            HttpTestClient.Response r = c.read();
            assertEquals(413, r.status());
            assertTrue(c.closedByServer());
        }
        try (HttpTestClient c = client()) {
            // at the limit: discarded, and the connection lives on
            c.send(POST_CHUNKED + "64\r\n" + "x".repeat(100) + "\r\n0\r\n\r\n");
            assertEquals(405, c.read().status());
            assertEquals(200, c.get("/hello.txt").read().status());
        }
    }

    /**
     * The last answer on a connection leaves while bytes the client sent are still unread (here: bytes after a
     * {@code Connection: close} request), and the client reads slowly, so the answer's tail is still in the server's
     * send queue when the response is done. A plain close with unread input resets the connection, and the reset
     * throws that tail away; nginx's lingering close sends the FIN and drains instead, so every byte arrives.
     */
    @Test
    void theLastAnswerArrivesWholeAlthoughUnreadBytesFollowedTheRequest() throws Exception {
        start();
        byte[] want = Files.readAllBytes(root.resolve("big.bin"));
        try (HttpTestClient c = new HttpTestClient(server.address(), 8192)) {
            c.send("GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            // once the answer is under way (its first byte read by hand; the client parses "TTP/1.1 200 OK" just
            // as well): bytes the server will not read, since it closes after this answer
            assertEquals('H', c.socket.getInputStream().read());
            c.send("something the server never reads");
            HttpTestClient.Response r = c.readChunk(4096).read(false, true, true);
            assertEquals(200, r.status());
            assertTrue(r.complete(), "the body ended after " + r.length() + " of " + want.length + " bytes");
            assertArrayEquals(want, r.body());
            assertTrue(c.closedByServer());
        }
        assertTrue(server.awaitOpenConnections(0, 10_000), "the lingering connection is closed once the client is");
    }

    @Test
    void aChunkedBodyGrowingOverTheLimitAfterTheAnswerClosesTheConnection() throws IOException {
        start(StaticConfig.builder().clientMaxBodySize(1000));
        try (HttpTestClient c = client()) {
            c.send(POST_CHUNKED + "3e8\r\n");
            assertEquals(405, c.read().status());
            c.send("x".repeat(1000) + "\r\n1\r\nx\r\n0\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void aBodyThatStopsComingIsGivenUpAfterTheLingeringTimeout() throws IOException {
        start(StaticConfig.builder().lingeringTimeoutMillis(200).headerTimeoutMillis(60_000));
        try (HttpTestClient c = client()) {
            c.send("POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");
            HttpTestClient.Response r = c.read();
            assertEquals(405, r.status());
            assertEquals("keep-alive", r.header("Connection"));
            // nothing more comes: closed without a 408, well before the 60 s header timeout
            long t0 = System.nanoTime();
            assertTrue(c.closedByServer());
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20));
        }
    }

    @Test
    void aDiscardGetsNoMoreThanTheLingeringTimeInAll() throws Exception {
        start(StaticConfig.builder().lingeringTimeMillis(500).lingeringTimeoutMillis(5_000));
        try (HttpTestClient c = client()) {
            c.send(POST_CHUNKED);
            assertEquals(405, c.read().status());
            // a byte of chunk data every 100 ms keeps each wait short; the overall time runs out anyway
            c.send("ffff\r\n");
            boolean closed = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!closed && System.nanoTime() < deadline) {
                try {
                    c.send("x");
                    c.socket.setSoTimeout(100);
                    closed = c.socket.getInputStream().read() < 0;
                } catch (java.net.SocketTimeoutException stillOpen) {
                    // nothing yet: send the next byte
                } catch (java.net.SocketException reset) {
                    closed = true;
                }
            }
            assertTrue(closed, "closed once the lingering time was over");
        }
    }

    @Test
    void expectContinueWithTheBodyNotSentIsAnsweredAndClosed() throws IOException {
        start();
        try (HttpTestClient c = client()) {
            c.socket.setSoTimeout(10_000);
            c.send("POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            HttpTestClient.Response r = c.read();
            assertEquals(405, r.status(), "no 100 (Continue): the answer is final");
            assertEquals("close", r.header("Connection"));
            assertTrue(c.closedByServer(), "closed rather than taking the next request for the body");
        }
        try (HttpTestClient c = client()) {
            // the body came along anyway: discarded, and the connection lives on
            c.send("POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello");
            HttpTestClient.Response r = c.read();
            assertEquals("keep-alive", r.header("Connection"));
            assertEquals(200, c.get("/hello.txt").read().status());
        }
    }

    @Test
    void aPendingDiscardKeepsTheHeaderBufferAndAnIdleConnectionAfterItHoldsNoMemory() throws Exception {
        start();
        try (HttpTestClient c = client()) {
            c.send(POST_CHUNKED + "5\r\nhel");
            assertEquals(405, c.read().status());
            assertTrue(inUse() > 0, "the body's rest is still to come: the session keeps its buffer");
            c.send("lo\r\n0\r\n\r\n");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (inUse() > 0 && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
            assertEquals(0, inUse(), "the body is gone and the connection idle: no memory of the loop held");
            assertEquals(200, c.get("/hello.txt").read().status());
        }
    }

    private long inUse() throws IOException {
        return server.memoryStats().stream().mapToLong(AbstractHttpServer.MemoryStats::inUse).sum();
    }
}
