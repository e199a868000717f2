package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.testkit.Seeds;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reverse proxy end to end over loopback: the project's static server (or a scripted upstream for faults) on
 * one side, raw-socket clients on the other; subclassed once per platform.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
abstract class ReverseProxyTest {

    abstract String platform();

    @TempDir
    Path tmp;
    Path root;
    Path temp;
    StaticServer origin;
    ScriptedUpstream scripted;
    ReverseProxy proxy;
    final Recorder probe = new Recorder();
    byte[] mb;

    /** Records what the proxy reports, and lets a test wait for a moment in a response. */
    static final class Recorder implements ReverseProxy.Probe {
        final AtomicLong maxSpilled = new AtomicLong();
        /** Runs of a pipe that had not read its upstream to the end yet. */
        final AtomicInteger unfinishedRuns = new AtomicInteger();
        final AtomicInteger incomplete = new AtomicInteger();
        volatile CountDownLatch spilled = new CountDownLatch(1);
        volatile CountDownLatch upstreamFinished = new CountDownLatch(1);
        volatile CountDownLatch ended = new CountDownLatch(1);

        @Override
        public void pipeRan(long spilledBytes, boolean finished) {
            maxSpilled.accumulateAndGet(spilledBytes, Math::max);
            if (spilledBytes > 0) {
                spilled.countDown();
            }
            if (finished) {
                upstreamFinished.countDown();
            } else {
                unfinishedRuns.incrementAndGet();
            }
        }

        @Override
        public void responseEnded(int status, boolean complete) {
            if (!complete) {
                incomplete.incrementAndGet();
            }
            ended.countDown();
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        TestPlatforms.assumeAvailable(platform());
        root = Files.createDirectories(tmp.resolve("root")).toRealPath();
        temp = Files.createDirectories(tmp.resolve("proxy_temp"));
        mb = new byte[1_000_000];
        new Random(11).nextBytes(mb);
        Files.write(root.resolve("1mb.bin"), mb);
        Files.writeString(root.resolve("hello.txt"), "hello, world\n");
        Files.write(root.resolve("40k.bin"), java.util.Arrays.copyOf(mb, 40_000));
    }

    @AfterEach
    void tearDown() throws IOException {
        if (proxy != null) {
            proxy.close();
        }
        if (origin != null) {
            origin.close();
        }
        if (scripted != null) {
            scripted.close();
        }
    }

    private InetSocketAddress loopback() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    InetSocketAddress origin() throws IOException {
        if (origin == null) {
            origin = new StaticServer(StaticConfig.builder().root(root).listen(loopback()).platform("generic")
                    .workers(1).build());
            origin.start();
        }
        return origin.address();
    }

    ReverseProxy start(InetSocketAddress upstream, UnaryOperator<ProxyConfig.Builder> settings) throws IOException {
        ProxyConfig.Builder b = ProxyConfig.builder().listen(loopback()).upstream(upstream).platform(platform())
                .workers(2).tempPath(temp);
        if (scripted != null && upstream.equals(scripted.address())) {
            // the scripted upstream answers one request per connection and closes it: the connection-per-request
            // proxy these tests were written for (ReverseProxyKeepaliveTest covers keep-alive)
            b.upstreamKeepalive(0);
        }
        proxy = new ReverseProxy(settings.apply(b).build());
        proxy.probe(probe);
        proxy.start();
        return proxy;
    }

    ReverseProxy start(InetSocketAddress upstream) throws IOException {
        return start(upstream, b -> b);
    }

    ScriptedUpstream scripted(ScriptedUpstream.Script s) throws IOException {
        scripted = new ScriptedUpstream(s);
        return scripted;
    }

    HttpTestClient client() throws IOException {
        return new HttpTestClient(proxy.address());
    }

    /** A slow reader: a small receive buffer, so the proxy's socket fills up quickly. */
    HttpTestClient slowClient() throws IOException {
        return new HttpTestClient(proxy.address(), 4096).readChunk(1000);
    }

    static String sha256(byte[] b) {
        return HexFormat.of().formatHex(HttpTestClient.sha256().digest(b));
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Writes the first {@code length} bytes of {@code body} as chunks of {@code piece} bytes and the last chunk,
     * flushing after each chunk if {@code flushEach}.
     */
    static void writeChunked(java.io.OutputStream out, byte[] body, int length, int piece, boolean flushEach)
            throws IOException {
        for (int i = 0; i < length; i += piece) {
            int n = Math.min(piece, length - i);
            out.write(ascii(Integer.toHexString(n) + "\r\n"));
            out.write(body, i, n);
            out.write(ascii("\r\n"));
            if (flushEach) {
                out.flush();
            }
        }
        out.write(ascii("0\r\n\r\n"));
    }

    /** Temp files of the proxy this process still has open (deleted ones show as such in /proc). */
    List<String> openTempFiles() throws IOException {
        List<String> open = new ArrayList<>();
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) {
            return open;
        }
        try (Stream<Path> s = Files.list(fds)) {
            for (Path fd : s.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(temp.toString())) {
                        open.add(target);
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return open;
    }

    void assertNothingLeftBehind() throws IOException, InterruptedException {
        assertTrue(proxy.awaitOpenConnections(0, 10_000), "client connections still open: " + proxy.openConnections());
        try (Stream<Path> s = Files.list(temp)) {
            assertEquals(List.of(), s.toList(), "files left in the temp directory");
        }
        assertEquals(List.of(), openTempFiles(), "temp files still open");
    }

    // ------------------------------------------------------------------------------------------------------

    @Nested
    class Basics {

        @Test
        void aFileFromTheStaticServerArrivesWithItsHeadersRewrittenAndTheConnectionKeptAlive() throws Exception {
            start(origin());
            try (HttpTestClient c = client()) {
                HttpTestClient.Response r = c.get("/hello.txt").read();
                assertEquals(200, r.status());
                assertEquals("hello, world\n", r.text());
                assertEquals("13", r.header("Content-Length"));
                assertEquals("text/plain", r.header("Content-Type"));
                assertEquals("sendchain", r.header("Server"));
                assertEquals("keep-alive", r.header("Connection"));
                assertTrue(r.header("ETag") != null && r.header("Last-Modified") != null, r.headers().toString());
                HttpTestClient.Response again = c.get("/1mb.bin").read(false, false);
                assertEquals(sha256(mb), again.sha256());
            }
        }

        @Test
        void pipelinedRequestsAreAnsweredInOrder() throws Exception {
            start(origin());
            try (HttpTestClient c = client()) {
                c.send("GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\nGET /40k.bin HTTP/1.1\r\nHost: a\r\n\r\n"
                        + "GET /missing HTTP/1.1\r\nHost: a\r\n\r\n");
                assertEquals("hello, world\n", c.read().text());
                assertEquals(sha256(java.util.Arrays.copyOf(mb, 40_000)), c.read().sha256());
                assertEquals(404, c.read().status());
            }
        }

        @Test
        void headGetsTheUpstreamsHeadersAndNoBody() throws Exception {
            start(origin());
            try (HttpTestClient c = client()) {
                c.request("HEAD", "/1mb.bin");
                HttpTestClient.Response r = c.read(true, true);
                assertEquals(200, r.status());
                assertEquals("1000000", r.header("Content-Length"));
                assertEquals(sha256(ascii("hello, world\n")), sha256(c.get("/hello.txt").read().body()));
            }
        }

        @Test
        void theUpstreamGetsAnHttp11RequestWithItsHostAndConnectionCloseAndTheClientsOtherHeaders() throws Exception {
            ScriptedUpstream up = scripted((req, out) -> out.write(ascii("HTTP/1.1 204 No Content\r\n\r\n")));
            start(up.address());
            try (HttpTestClient c = client()) {
                c.get("/a/b?c=d", "X-Custom: 1", "Connection: keep-alive", "Keep-Alive: 5", "TE: trailers");
                assertEquals(204, c.read().status());
                ScriptedUpstream.Request r = up.nextRequest();
                assertTrue(r.head().startsWith("GET /a/b?c=d HTTP/1.1\r\n"), r.head());
                assertEquals(up.address().getHostString() + ":" + up.address().getPort(), r.header("Host"));
                assertEquals("close", r.header("Connection"));
                assertEquals("1", r.header("X-Custom"));
                assertNull(r.header("Keep-Alive"));
                assertNull(r.header("TE"));
            }
        }

        @Test
        void aPostBodyWithContentLengthReachesTheUpstreamIntact() throws Exception {
            ScriptedUpstream up = scripted((req, out) -> out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
                    + "X-Got: " + req.body().length + "\r\n\r\n")));
            start(up.address());
            byte[] body = java.util.Arrays.copyOf(mb, 300_000);
            try (HttpTestClient c = client()) {
                c.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length + "\r\n\r\n");
                c.socket.getOutputStream().write(body);
                HttpTestClient.Response r = c.read();
                assertEquals(200, r.status());
                assertEquals(String.valueOf(body.length), r.header("X-Got"));
                ScriptedUpstream.Request seen = up.nextRequest();
                assertEquals(String.valueOf(body.length), seen.header("Content-Length"));
                assertArrayEquals(body, seen.body());
            }
        }

        @Test
        void aChunkedPostBodyIsDecodedAndFramedAgainForTheUpstream() throws Exception {
            ScriptedUpstream up = scripted((req, out) -> out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")));
            // streamed (proxy_request_buffering off); RequestBufferingTest has the buffered forms
            start(up.address(), b -> b.requestBuffering(false));
            try (HttpTestClient c = client()) {
                c.send("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n");
                // the proxy says go on before the body is sent
                HttpTestClient.Response cont = c.read(false, true);
                assertEquals(100, cont.status());
                c.send("5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n");
                HttpTestClient.Response r = c.read();
                assertEquals("ok", r.text());
                ScriptedUpstream.Request seen = up.nextRequest();
                assertEquals("chunked", seen.header("Transfer-Encoding"));
                assertNull(seen.header("Expect"));
                assertEquals("hello world", new String(ScriptedUpstream.dechunk(seen.body()), StandardCharsets.ISO_8859_1));
                // and the connection goes on
                assertEquals("ok", c.get("/again").read().text());
            }
        }

        /**
         * Through the splice relay, the event pipe (buffering on) or the relay's buffer (off), an HTTP/1.1 client gets
         * the upstream's chunked framing byte for byte: sizes as written, extensions and the trailer; the body ends
         * where the upstream's last chunk ends, and the connection goes on.
         */
        @Test
        void aChunkedUpstreamResponseReachesAnHttp11ClientFramedAsItCame() throws Exception {
            String wire = "1A;name=value\r\n" + "a".repeat(26) + "\r\n" + "0003\r\nbcd\r\n"
                    + "7D0\r\n" + "e".repeat(2000) + "\r\n0;end\r\nX-Trailer: t\r\n\r\n";
            ScriptedUpstream up = scripted((req, out) -> {
                out.write(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
                out.flush();
                out.write(ascii(wire));
            });
            for (int mode = 0; mode < 4; mode++) {
                boolean splice = mode % 2 == 0;
                boolean buffering = mode < 2;
                start(up.address(), b -> b.splice(splice).buffering(buffering));
                try (HttpTestClient c = client()) {
                    for (int i = 0; i < 2; i++) { // twice: the connection goes on after the passed-on body
                        c.send("GET /c HTTP/1.1\r\nHost: a\r\n\r\n");
                        var in = c.socket.getInputStream();
                        ByteArrayOutputStream got = new ByteArrayOutputStream();
                        while (!got.toString(StandardCharsets.ISO_8859_1).endsWith("X-Trailer: t\r\n\r\n")
                                && !got.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n0\r\n\r\n")) {
                            // (a body framed again would end with a "0" chunk of the proxy's own: the test fails then)
                            int b = in.read(); // byte by byte: nothing of the next response is read here
                            assertTrue(b >= 0, "splice " + splice + ", buffering " + buffering + ": closed after " + got);
                            got.write(b);
                        }
                        String raw = got.toString(StandardCharsets.ISO_8859_1);
                        assertTrue(raw.startsWith("HTTP/1.1 200 OK\r\n") && raw.contains("Transfer-Encoding: chunked"),
                                raw);
                        assertTrue(raw.endsWith("\r\n\r\n" + wire), "splice " + splice + ", buffering " + buffering + ": " + raw);
                    }
                }
                proxy.close();
                proxy = null;
            }
        }

        /**
         * A last chunk that arrives in two reads (its first part with the data before it, the rest once the client
         * has that data): the relay's buffer and the splice relay hold its start and pass it on whole; the event
         * pipe, whose raw buf with its start is gone, ends the body with a last chunk of its own. Either way the
         * client gets a complete body and the connection goes on.
         */
        @Test
        void aLastChunkSplitAcrossReadsIsPassedOnWholeOrEndedByTheProxy() throws Exception {
            for (int mode = 0; mode < 4; mode++) {
                boolean splice = mode % 2 == 0;
                boolean buffering = mode < 2;
                CountDownLatch clientHasData = new CountDownLatch(1);
                ScriptedUpstream up = scripted((req, out) -> {
                    out.write(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;k=v\r\nhello\r\n0\r\nX-Tr"));
                    out.flush();
                    try {
                        clientHasData.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    out.write(ascii("ailer: t\r\n\r\n"));
                });
                start(up.address(), b -> b.splice(splice).buffering(buffering));
                String what = "splice " + splice + ", buffering " + buffering;
                try (HttpTestClient c = client()) {
                    c.send("GET /c HTTP/1.1\r\nHost: a\r\n\r\n");
                    var in = c.socket.getInputStream();
                    ByteArrayOutputStream got = new ByteArrayOutputStream();
                    for (;;) {
                        String raw = got.toString(StandardCharsets.ISO_8859_1);
                        if (raw.contains("hello")) { // (the splice relay holds the CRLF after it back)
                            clientHasData.countDown();
                        }
                        if (raw.endsWith("\r\n0\r\n\r\n") || raw.endsWith("X-Trailer: t\r\n\r\n")) {
                            break;
                        }
                        int b = in.read();
                        assertTrue(b >= 0, what + ": closed after " + raw);
                        got.write(b);
                    }
                    String raw = got.toString(StandardCharsets.ISO_8859_1);
                    String body = raw.substring(raw.indexOf("\r\n\r\n") + 4);
                    boolean pipe = buffering && !(splice && platform().equals("linux"));
                    assertEquals(pipe ? "5;k=v\r\nhello\r\n0\r\n\r\n" : "5;k=v\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n", body,
                            what);
                }
                proxy.close();
                proxy = null;
                scripted.close();
                scripted = null;
            }
        }

        @Test
        void aChunkedUpstreamResponseIsChunkedForAnHttp11ClientAndCloseDelimitedForHttp10() throws Exception {
            byte[] body = java.util.Arrays.copyOf(mb, 100_000);
            ScriptedUpstream up = scripted((req, out) -> {
                out.write(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: x/y\r\n\r\n"));
                writeChunked(out, body, body.length, 7000, true);
            });
            start(up.address());
            try (HttpTestClient c = client()) {
                HttpTestClient.Response r = c.get("/c").read();
                assertEquals("chunked", r.header("Transfer-Encoding"));
                assertEquals("x/y", r.header("Content-Type"));
                assertArrayEquals(body, r.body());
                assertEquals(sha256(body), c.get("/again").read().sha256()); // kept alive
            }
            try (HttpTestClient c = client()) {
                c.send("GET /c HTTP/1.0\r\n\r\n");
                HttpTestClient.Response r = c.read();
                assertNull(r.header("Transfer-Encoding"));
                assertEquals("close", r.header("Connection"));
                assertArrayEquals(body, r.body());
                assertTrue(c.closedByServer());
            }
        }

        /**
         * One client connection, many responses: each one reuses the session's pipe, its raw bufs and its head
         * buffer. Chunked and Content-Length responses of random sizes alternate, each written in pieces.
         */
        @Test
        void aKeptAliveClientGetsManyResponsesInARowThroughTheSamePipe() throws Exception {
            long seed = Seeds.seed("ReverseProxyTest.keepalive");
            Random rnd = new Random(seed);
            byte[] wire = new byte[300_000];
            rnd.nextBytes(wire);
            ScriptedUpstream up = scripted((req, out) -> {
                String target = req.head().split(" ")[1];
                String[] p = target.substring(1).split("-");
                int length = Integer.parseInt(p[0]);
                int piece = Integer.parseInt(p[1]);
                if (p[2].equals("c")) {
                    out.write(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
                    writeChunked(out, wire, length, piece, true);
                } else {
                    out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: " + length + "\r\n\r\n"));
                    for (int i = 0; i < length; i += piece) {
                        out.write(wire, i, Math.min(piece, length - i));
                        out.flush();
                    }
                }
            });
            start(up.address());
            try (HttpTestClient c = client()) {
                for (int i = 0; i < 40; i++) {
                    int length = rnd.nextInt(wire.length);
                    int piece = 1 + rnd.nextInt(rnd.nextBoolean() ? 100 : 20_000);
                    String target = "/" + length + "-" + piece + (rnd.nextBoolean() ? "-c" : "-l");
                    HttpTestClient.Response r = c.get(target).read();
                    assertArrayEquals(java.util.Arrays.copyOf(wire, length), r.body(),
                            "response " + i + " " + target + " (seed " + seed + ")");
                }
            }
        }

        @Test
        void aCloseDelimitedUpstreamResponseIsChunkedForTheClient() throws Exception {
            byte[] body = java.util.Arrays.copyOf(mb, 50_000);
            ScriptedUpstream up = scripted((req, out) -> {
                out.write(ascii("HTTP/1.1 200 OK\r\n\r\n"));
                out.write(body);
            });
            start(up.address());
            try (HttpTestClient c = client()) {
                HttpTestClient.Response r = c.get("/x").read();
                assertEquals("chunked", r.header("Transfer-Encoding"));
                assertArrayEquals(body, r.body());
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------

    @Nested
    class SlowClients {

        @Test
        void oneMegabyteThroughEightSmallBuffersToAStalledClientSpillsToATempFileThatIsGoneAfterwards()
                throws Exception {
            start(origin(), b -> b.buffers(8, 4096).clientSendBuffer(4096));
            try (HttpTestClient c = slowClient()) {
                c.get("/1mb.bin", "Connection: close");
                // the client reads nothing until the proxy has the whole response: most of it is in the temp file
                assertTrue(probe.upstreamFinished.await(30, TimeUnit.SECONDS), "the upstream was not read to the end");
                assertTrue(probe.maxSpilled.get() > 500_000, "spilled only " + probe.maxSpilled.get());
                HttpTestClient.Response r = c.read(false, false);
                assertEquals(sha256(mb), r.sha256());
                assertTrue(c.closedByServer());
            }
            assertNothingLeftBehind();
        }

        @Test
        void sixMegabytesForAStalledClientAreSpilledAMegabyteARunAndArriveWhole() throws Exception {
            // a run of the event pipe reads at most a megabyte, then its read event waits behind a 0 ms timer while
            // the loop handles other events; the proxy runs the pipe again when that timer fires (not a timeout)
            byte[] six = new byte[6_000_000];
            new Random(12).nextBytes(six);
            Files.write(root.resolve("6mb.bin"), six);
            start(origin(), b -> b.workers(1).splice(false).buffers(8, 4096).clientSendBuffer(4096));
            try (HttpTestClient c = slowClient()) {
                c.get("/6mb.bin", "Connection: close");
                assertTrue(probe.upstreamFinished.await(60, TimeUnit.SECONDS), "the upstream was not read to the end");
                assertTrue(probe.maxSpilled.get() > 5_000_000, "spilled only " + probe.maxSpilled.get());
                assertTrue(probe.unfinishedRuns.get() >= 5, "runs before the end: " + probe.unfinishedRuns.get());
                HttpTestClient.Response r = c.read(false, false);
                assertEquals(sha256(six), r.sha256());
                assertTrue(c.closedByServer());
            }
            assertEquals(0, probe.incomplete.get(), "responses ended incomplete");
            assertNothingLeftBehind();
        }

        @Test
        void aTempFileLimitOfOneBufferSpillsNoMoreThanThatAndTheBodyStillArrivesWhole() throws Exception {
            start(origin(), b -> b.buffers(8, 4096).maxTempFileSize(4096).clientSendBuffer(4096));
            try (HttpTestClient c = slowClient()) {
                c.get("/1mb.bin", "Connection: close");
                assertTrue(probe.spilled.await(30, TimeUnit.SECONDS), "nothing was spilled");
                HttpTestClient.Response r = c.read(false, false);
                assertEquals(sha256(mb), r.sha256());
            }
            assertTrue(probe.maxSpilled.get() <= 4096, "spilled " + probe.maxSpilled.get());
            assertNothingLeftBehind();
        }

        @Test
        void withoutTempFilesASlowClientHoldsTheUpstreamBackAndTheBodyStillArrivesWhole() throws Exception {
            start(origin(), b -> b.buffers(8, 4096).maxTempFileSize(0).clientSendBuffer(4096));
            try (HttpTestClient c = slowClient()) {
                HttpTestClient.Response r = c.get("/1mb.bin").read(false, false);
                assertEquals(sha256(mb), r.sha256());
                assertEquals(sha256(mb), c.get("/1mb.bin").read(false, false).sha256());
            }
            assertEquals(0, probe.maxSpilled.get());
            assertNothingLeftBehind();
        }

        @Test
        void unbufferedTheResponseIsRelayedAtTheClientsPace() throws Exception {
            start(origin(), b -> b.buffering(false).clientSendBuffer(4096));
            try (HttpTestClient c = slowClient()) {
                assertEquals(sha256(mb), c.get("/1mb.bin").read(false, false).sha256());
                assertEquals("hello, world\n", c.get("/hello.txt").read().text());
            }
            assertEquals(0, probe.maxSpilled.get(), "an unbuffered response never spills");
            assertNothingLeftBehind();
        }

        @Test
        void unbufferedAChunkedResponseIsDecodedAndChunkedAgain() throws Exception {
            byte[] body = java.util.Arrays.copyOf(mb, 70_000);
            ScriptedUpstream up = scripted((req, out) -> {
                out.write(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
                writeChunked(out, body, body.length, 333, false);
            });
            start(up.address(), b -> b.buffering(false));
            try (HttpTestClient c = client()) {
                assertArrayEquals(body, c.get("/c").read().body());
            }
        }

        @Test
        void aRateLimitOf20kPerSecondMakes40kTakeBetweenOneAndThreeSeconds() throws Exception {
            start(origin(), b -> b.limitRate(20_000));
            try (HttpTestClient c = client()) {
                long t0 = System.nanoTime();
                HttpTestClient.Response r = c.get("/40k.bin").read();
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertEquals(40_000, r.length());
                assertTrue(ms >= 1000 && ms <= 3000, "took " + ms + " ms");
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------

    @Nested
    class UpstreamFaults {

        @Test
        void anUpstreamThatClosesEarlyLeavesTheClientWithATruncatedBodyAndAClosedConnection() throws Exception {
            ScriptedUpstream up = scripted((req, out) -> {
                out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"));
                out.write(mb, 0, 50_000);
            });
            start(up.address());
            try (HttpTestClient c = client()) {
                HttpTestClient.Response r = c.get("/t").read(false, true, true);
                assertFalse(r.complete());
                assertTrue(r.length() <= 50_000, "got " + r.length());
                assertArrayEquals(java.util.Arrays.copyOf(mb, (int) r.length()), r.body());
            }
            assertEquals(1, probe.incomplete.get());
        }

        @Test
        void aChunkedUpstreamThatClosesEarlyLeavesTheClientWithoutTheLastChunk() throws Exception {
            for (boolean buffering : new boolean[] {true, false}) {
                String tail = "2710\r\n" + "y".repeat(500);
                String raw = midBodyFailure(buffering, tail);
                assertTrue(raw.startsWith("HTTP/1.1 200 OK\r\n") && raw.contains("Transfer-Encoding: chunked"), raw);
                assertFalse(raw.endsWith("0\r\n\r\n"), "buffering " + buffering + ": a last chunk was sent");
            }
        }

        /** An upstream that closes inside its last chunk (or its trailer): the client gets no byte of it. */
        @Test
        void aChunkedUpstreamThatClosesInsideItsLastChunkLeavesTheClientWithoutAnyOfIt() throws Exception {
            for (boolean buffering : new boolean[] {true, false}) {
                for (String tail : new String[] {"0\r\n", "0;e=1\r\n", "0\r\nX-Trailer: t\r\n", "0\r\nX-Tr"}) {
                    String raw = midBodyFailure(buffering, tail);
                    String what = "buffering " + buffering + ", tail " + tail.replace("\r\n", "\\r\\n");
                    assertTrue(raw.startsWith("HTTP/1.1 200 OK\r\n") && raw.contains("Transfer-Encoding: chunked"),
                            what + ": " + raw);
                    String after = raw.substring(raw.lastIndexOf('x') + 1); // after the first chunk's data
                    assertTrue(after.isEmpty() || after.equals("\r\n"), what + ": after the data: "
                            + after.replace("\r\n", "\\r\\n"));
                }
            }
        }

        @Test
        void aBadChunkSizeAfterTheHeadWentOutClosesTheClientConnectionWithoutTheLastChunk() throws Exception {
            for (boolean buffering : new boolean[] {true, false}) {
                String raw = midBodyFailure(buffering, "zz\r\nmore\r\n0\r\n\r\n");
                assertTrue(raw.startsWith("HTTP/1.1 200 OK\r\n"), raw);
                assertFalse(raw.contains("more") || raw.endsWith("0\r\n\r\n"), "buffering " + buffering);
            }
        }

        /**
         * The upstream sends a chunked head and a first chunk, waits until the client has body bytes (so the
         * proxy's head is out), then sends {@code tail} and closes. Returns all the client got until the close.
         */
        private String midBodyFailure(boolean buffering, String tail) throws Exception {
            CountDownLatch clientHasBody = new CountDownLatch(1);
            ScriptedUpstream up = scripted((req, out) -> {
                out.write(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2710\r\n" + "x".repeat(10_000)
                        + "\r\n"));
                out.flush();
                try {
                    clientHasBody.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                out.write(ascii(tail));
            });
            start(up.address(), b -> b.buffering(buffering));
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try (HttpTestClient c = client()) {
                c.get("/x");
                var in = c.socket.getInputStream();
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) > 0) {
                    got.write(buf, 0, n);
                    if (got.toString(StandardCharsets.ISO_8859_1).contains("xxxx")) {
                        clientHasBody.countDown();
                    }
                }
            } finally {
                proxy.close();
                proxy = null;
                scripted.close();
                scripted = null;
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }

        @Test
        void anUpstreamThatFailsBeforeAnyBodyByteWentOutGetsA502AndTheClientConnectionLivesOn() throws Exception {
            String[] answers = {
                "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nmore\r\n0\r\n\r\n",
            };
            for (boolean buffering : new boolean[] {true, false}) {
                for (String answer : answers) {
                    ScriptedUpstream up = scripted((req, out) -> out.write(ascii(answer)));
                    start(up.address(), b -> b.buffering(buffering));
                    try (HttpTestClient c = client()) {
                        assertEquals(502, c.get("/x").read().status(), answer);
                        assertEquals(502, c.get("/x").read().status(), answer);
                    } finally {
                        proxy.close();
                        proxy = null;
                        scripted.close();
                        scripted = null;
                    }
                }
            }
        }

        @Test
        void extraBytesPastContentLengthAreDroppedAndTheClientConnectionStaysUsable() throws Exception {
            ScriptedUpstream up = scripted((req, out) -> {
                out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"));
                out.write(mb, 0, 1500);
            });
            for (boolean buffering : new boolean[] {true, false}) {
                start(up.address(), b -> b.buffering(buffering));
                try (HttpTestClient c = client()) {
                    assertArrayEquals(java.util.Arrays.copyOf(mb, 1000), c.get("/x").read().body());
                    assertArrayEquals(java.util.Arrays.copyOf(mb, 1000), c.get("/x").read().body());
                }
                proxy.close();
                proxy = null;
            }
        }

        @Test
        void ambiguousOrMalformedFramingFromTheUpstreamIsA502AndNeverForwarded() throws Exception {
            String[] heads = {
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                "HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n",
                "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
                "HTTP/1.1 2000 OK\r\n\r\n",
                "HTTX/1.1 200 OK\r\n\r\n",
                "HTTP/1.1 200 OK\r\nX: " + "a".repeat(5000) + "\r\n\r\n",
            };
            ScriptedUpstream up = scripted((req, out) -> { });
            start(up.address());
            for (String head : heads) {
                up.script((req, out) -> out.write(ascii(head + "hello")));
                try (HttpTestClient c = client()) {
                    HttpTestClient.Response r = c.get("/x").read();
                    assertEquals(502, r.status(), head);
                    assertTrue(r.text().contains("502 Bad Gateway"), r.text());
                    assertEquals("text/html", r.header("Content-Type"));
                    // the client connection is still good
                    assertEquals(502, c.get("/x").read().status());
                }
            }
        }

        @Test
        void aRefusedConnectionIsA502() throws Exception {
            InetSocketAddress nobody;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                nobody = (InetSocketAddress) s.getLocalSocketAddress();
            }
            start(nobody);
            try (HttpTestClient c = client()) {
                assertEquals(502, c.get("/x").read().status());
                assertEquals(502, c.get("/y").read().status());
            }
        }

        @Test
        void anUpstreamThatDoesNotAnswerInTimeIsA504() throws Exception {
            CountDownLatch release = new CountDownLatch(1);
            ScriptedUpstream up = scripted((req, out) -> {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            start(up.address(), b -> b.readTimeoutMillis(300));
            try (HttpTestClient c = client()) {
                assertEquals(504, c.get("/slow").read().status());
            } finally {
                release.countDown();
            }
        }

        @Test
        void interimResponsesFromTheUpstreamAreSkipped() throws Exception {
            ScriptedUpstream up = scripted((req, out) -> out.write(ascii(
                    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")));
            start(up.address());
            try (HttpTestClient c = client()) {
                assertEquals("ok", c.get("/x").read().text());
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------

    @Nested
    class ClientFaults {

        @Test
        void ambiguousOrMalformedRequestFramingIsA400AndNothingReachesTheUpstream() throws Exception {
            AtomicInteger seen = new AtomicInteger();
            ScriptedUpstream up = scripted((req, out) -> {
                seen.incrementAndGet();
                out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
            });
            start(up.address());
            String[] requests = {
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -3\r\n\r\nabc",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\nabc",
                "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            };
            for (String request : requests) {
                try (HttpTestClient c = client()) {
                    c.send(request);
                    assertEquals(400, c.read().status(), request);
                    assertTrue(c.closedByServer());
                }
            }
            try (HttpTestClient c = client()) {
                c.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n");
                assertEquals(501, c.read().status());
            }
            assertEquals(0, seen.get(), "the upstream saw a request");
        }

        @Test
        void aBadChunkInARequestBodyIsA400() throws Exception {
            ScriptedUpstream up = scripted((req, out) -> out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")));
            start(up.address());
            try (HttpTestClient c = client()) {
                c.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nfffffffffffffffffffff\r\n");
                assertEquals(400, c.read().status());
                assertTrue(c.closedByServer());
            }
        }

        @Test
        void aBodyOverTheLimitIsA413() throws Exception {
            ScriptedUpstream up = scripted((req, out) -> out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")));
            start(up.address(), b -> b.clientMaxBodySize(1000));
            try (HttpTestClient c = client()) {
                c.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n");
                assertEquals(413, c.read().status());
            }
            try (HttpTestClient c = client()) {
                c.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n" + "x".repeat(1024)
                        + "\r\n");
                assertEquals(413, c.read(false, true, true).status());
            }
        }

        @Test
        void aClientThatGoesAwayMidResponseClosesTheUpstreamAndTheTempFile() throws Exception {
            byte[] big = new byte[8 << 20];
            new Random(3).nextBytes(big);
            Files.write(root.resolve("8mb.bin"), big);
            start(origin(), b -> b.buffers(8, 4096).clientSendBuffer(4096));
            try (HttpTestClient c = slowClient()) {
                c.get("/8mb.bin");
                assertTrue(probe.spilled.await(30, TimeUnit.SECONDS), "nothing was spilled");
            }
            assertTrue(probe.ended.await(30, TimeUnit.SECONDS), "the proxy did not notice the client left");
            assertEquals(1, probe.incomplete.get());
            assertNothingLeftBehind();
            // the upstream's response may have been read to its end (spilled) before the client left: then its
            // connection is kept alive, as nginx keeps it; otherwise it is closed
            int idle = proxy.idleUpstreamConnections();
            assertTrue(idle <= 1, "idle upstream connections: " + idle);
            assertTrue(origin.awaitOpenConnections(idle, 10_000), "the upstream connection is still open");
        }

        @Test
        void anUnwritableTempDirectoryFailsTheResponseCleanly() throws Exception {
            Path missing = tmp.resolve("no-such-dir");
            start(origin(), b -> b.buffers(8, 4096).clientSendBuffer(4096).tempPath(missing));
            try (HttpTestClient c = slowClient()) {
                c.get("/1mb.bin");
                assertTrue(probe.ended.await(30, TimeUnit.SECONDS), "the response did not fail");
                HttpTestClient.Response r = c.read(false, false, true);
                assertFalse(r.complete());
            }
            assertFalse(Files.exists(missing));
            assertNothingLeftBehind();
            assertTrue(origin.awaitOpenConnections(0, 10_000), "the upstream connection is still open");
        }
    }

    // ------------------------------------------------------------------------------------------------------

    @Test
    void manyConcurrentDownloadsThroughSmallBuffersArriveIntact() throws Exception {
        long seed = Seeds.seed("ReverseProxyTest.concurrent");
        Random rnd = new Random(seed);
        int files = 12;
        String[] sums = new String[files];
        for (int i = 0; i < files; i++) {
            byte[] b = new byte[rnd.nextInt(3) == 0 ? rnd.nextInt(100) : rnd.nextInt(3_000_000)];
            rnd.nextBytes(b);
            Files.write(root.resolve("f" + i), b);
            sums[i] = sha256(b);
        }
        start(origin(), b -> b.buffers(4, 4096).busyBuffersSize(8192).clientSendBuffer(8192));
        int clients = 16;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < clients; t++) {
                long clientSeed = rnd.nextLong();
                done.add(pool.submit(() -> {
                    Random r = new Random(clientSeed);
                    try (HttpTestClient c = new HttpTestClient(proxy.address(), r.nextBoolean() ? 4096 : 0)
                            .readChunk(1 + r.nextInt(70_000))) {
                        for (int k = 0; k < 4; k++) {
                            int f = r.nextInt(files);
                            HttpTestClient.Response resp = c.get("/f" + f).read(false, false);
                            assertEquals(sums[f], resp.sha256(), "file f" + f + " (seed " + seed + ")");
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(100, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertNothingLeftBehind();
    }

    @Test
    void nginxAsTheUpstreamWhenInstalled() throws Exception {
        Path nginx = Stream.of("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx").map(Path::of)
                .filter(Files::isExecutable).findFirst().orElse(null);
        Assumptions.assumeTrue(nginx != null, "nginx is not installed");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path prefix = Files.createDirectories(tmp.resolve("nginx"));
        Files.createDirectories(prefix.resolve("logs"));
        Path conf = prefix.resolve("nginx.conf");
        Files.writeString(conf, "daemon off; master_process off; worker_processes 1; pid " + prefix.resolve("pid")
                + "; error_log " + prefix.resolve("logs/error.log") + ";\n"
                + "events { worker_connections 64; }\n"
                + "http { access_log off; client_body_temp_path " + prefix.resolve("body") + "; proxy_temp_path "
                + prefix.resolve("proxy") + "; fastcgi_temp_path " + prefix.resolve("fcgi") + "; uwsgi_temp_path "
                + prefix.resolve("uwsgi") + "; scgi_temp_path " + prefix.resolve("scgi") + ";\n"
                + "  server { listen 127.0.0.1:" + port + "; root " + root + "; gzip on; gzip_types *; gzip_min_length 1; }\n}\n");
        Process p = new ProcessBuilder(nginx.toString(), "-p", prefix.toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(prefix.resolve("logs/out.log").toFile()).start();
        try {
            awaitListening(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), p);
            start(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), b -> b.buffers(8, 4096)
                    .clientSendBuffer(4096));
            try (HttpTestClient c = slowClient()) {
                assertEquals(sha256(mb), c.get("/1mb.bin").read(false, false).sha256());
                // gzip makes nginx answer chunked: the proxy decodes and chunks again
                HttpTestClient.Response gz = c.get("/40k.bin", "Accept-Encoding: gzip").read();
                assertEquals("chunked", gz.header("Transfer-Encoding"));
                assertEquals("gzip", gz.header("Content-Encoding"));
                ByteArrayOutputStream plain = new ByteArrayOutputStream();
                try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gz.body()))) {
                    in.transferTo(plain);
                }
                assertArrayEquals(java.util.Arrays.copyOf(mb, 40_000), plain.toByteArray());
            }
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Waits for a freshly started server to accept connections (connect attempts, not sleeps). */
    private static void awaitListening(InetSocketAddress a, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (;;) {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(a, 1000);
                return;
            } catch (IOException e) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("nginx did not start: " + e);
                }
                p.waitFor(20, TimeUnit.MILLISECONDS); // returns at once if it dies
            }
        }
    }
}
