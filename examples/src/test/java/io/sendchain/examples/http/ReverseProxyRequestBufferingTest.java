package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The proxy's request buffering (nginx's {@code proxy_request_buffering on}, the default): a body is read whole —
 * memory, then a temp file — before an upstream connection exists, goes upstream intact with a Content-Length, and
 * leaves no temp file, descriptor or memory behind on any path; subclassed once per platform.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
abstract class ReverseProxyRequestBufferingTest {

    abstract String platform();

    @TempDir
    Path tmp;
    /** The proxy's temp directory: request bodies spill here. */
    Path temp;
    final List<ScriptedUpstream> upstreams = new ArrayList<>();
    ReverseProxy proxy;
    final BodyProbe probe = new BodyProbe();

    /** What the proxy reports of request bodies, and a latch for a response's end. */
    static final class BodyProbe implements ReverseProxy.Probe {
        private long bytes;
        private long spilled;
        volatile CountDownLatch ended = new CountDownLatch(1);

        @Override
        public synchronized void requestBodyRead(long read, long inFile) {
            bytes = read;
            spilled = Math.max(spilled, inFile);
            notifyAll();
        }

        @Override
        public void responseEnded(int status, boolean complete) {
            ended.countDown();
        }

        /** Waits until the proxy has read {@code n} bytes of the body being buffered. */
        synchronized void awaitBytes(long n) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (bytes < n) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                assertTrue(left > 0, "the proxy read " + bytes + " bytes of the body, not " + n);
                wait(left);
            }
        }

        synchronized long spilled() {
            return spilled;
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        TestPlatforms.assumeAvailable(platform());
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "descriptors are counted in /proc");
        temp = Files.createDirectories(tmp.resolve("body_temp"));
    }

    @AfterEach
    void tearDown() throws IOException {
        if (proxy != null) {
            proxy.close();
        }
        for (ScriptedUpstream u : upstreams) {
            u.close();
        }
    }

    ScriptedUpstream upstream(ScriptedUpstream.Script s, boolean keepAlive) throws IOException {
        ScriptedUpstream u = new ScriptedUpstream(s, keepAlive);
        upstreams.add(u);
        return u;
    }

    /** One worker (its events come in order), the temp directory, a new upstream connection per request. */
    void start(UnaryOperator<ProxyConfig.Builder> settings) throws IOException {
        proxy = new ReverseProxy(settings.apply(ProxyConfig.builder()
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).platform(platform()).workers(1)
                .tempPath(temp).upstreamKeepalive(0)).build());
        proxy.probe(probe);
        proxy.start();
    }

    HttpTestClient client() throws IOException {
        return new HttpTestClient(proxy.address());
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String sha256(byte[] b) {
        return HexFormat.of().formatHex(HttpTestClient.sha256().digest(b));
    }

    static byte[] body(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Answers with the length and SHA-256 of the body it received. */
    static void digest(ScriptedUpstream.Request req, OutputStream out) throws IOException {
        out.write(ascii("HTTP/1.1 200 OK\r\nX-Length: " + req.body().length + "\r\nX-Sha256: " + sha256(req.body())
                + "\r\nContent-Length: 2\r\n\r\nok"));
    }

    /** {@code body} as chunks of {@code piece} bytes with an extension each, the last chunk and a trailer. */
    static byte[] chunked(byte[] body, int piece) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < body.length; i += piece) {
            int n = Math.min(piece, body.length - i);
            out.writeBytes(ascii(Integer.toHexString(n) + ";i=" + i + "\r\n"));
            out.write(body, i, n);
            out.writeBytes(ascii("\r\n"));
        }
        out.writeBytes(ascii("0\r\nX-Trailer: t\r\n\r\n"));
        return out.toByteArray();
    }

    private static List<String> descriptorTargets() throws IOException {
        List<String> targets = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    targets.add(Files.readSymbolicLink(fd).toString());
                } catch (IOException e) {
                    // closed meanwhile (the listing's own descriptor among them)
                }
            }
        }
        return targets;
    }

    static long sockets() throws IOException {
        return descriptorTargets().stream().filter(t -> t.startsWith("socket:")).count();
    }

    static long descriptors() throws IOException {
        return descriptorTargets().size();
    }

    /** Files in the temp directory this process holds open (an unlinked one shows as "... (deleted)"). */
    List<String> openTempFiles() throws IOException {
        return descriptorTargets().stream().filter(t -> t.startsWith(temp.toString())).toList();
    }

    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what + " within 10 s");
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    static BooleanSupplier unchecked(IoCondition c) {
        return () -> {
            try {
                return c.test();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        };
    }

    @FunctionalInterface
    interface IoCondition {
        boolean test() throws IOException;
    }

    long memoryInUse() throws IOException {
        return proxy.memoryStats().stream().mapToLong(AbstractHttpServer.MemoryStats::inUse).sum();
    }

    /** No temp file in the directory or open, descriptors back to {@code baseline}, no loop memory in use. */
    void assertNothingLeftBehind(long baseline) throws IOException {
        try (Stream<Path> s = Files.list(temp)) {
            assertEquals(List.of(), s.toList(), "files in the temp directory");
        }
        await(unchecked(() -> openTempFiles().isEmpty()), "temp files closed");
        await(unchecked(() -> descriptors() <= baseline), "descriptors back to " + baseline);
        await(unchecked(() -> memoryInUse() == 0), "loop memory given back");
    }

    // ------------------------------------------------------------------------------------------------------

    @Test
    void requestBufferingIsOnWithNginxsSixteenKilobyteBufferByDefaultAndItsSizeIsChecked() {
        ProxyConfig c = ProxyConfig.builder().upstream(new InetSocketAddress("127.0.0.1", 8080)).build();
        assertTrue(c.requestBuffering());
        assertEquals(16 * 1024, c.clientBodyBufferSize());
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ProxyConfig.builder().clientBodyBufferSize(0)).getMessage().contains("client_body_buffer_size"));
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ProxyConfig.builder().clientBodyBufferSize((1L << 30) + 1)).getMessage().contains("at most 1g"));
    }

    @ParameterizedTest(name = "chunked {0}")
    @ValueSource(booleans = {false, true})
    void aSlowUploadHoldsNoUpstreamConnectionUntilItsBodyIsComplete(boolean chunked) throws Exception {
        ScriptedUpstream up = upstream(ReverseProxyRequestBufferingTest::digest, false);
        start(b -> b.upstream(up.address()));
        byte[] body = body(40_000, 1);
        int pieces = 10;
        int piece = body.length / pieces;
        long sockets = sockets();
        try (HttpTestClient c = client()) {
            OutputStream out = c.socket.getOutputStream();
            c.send("POST /slow HTTP/1.1\r\nHost: t\r\n"
                    + (chunked ? "Transfer-Encoding: chunked\r\n\r\n" : "Content-Length: " + body.length + "\r\n\r\n"));
            for (int i = 0; i < pieces; i++) {
                byte[] p = Arrays.copyOfRange(body, i * piece, (i + 1) * piece);
                out.write(chunked ? ascii(Integer.toHexString(p.length) + "\r\n") : new byte[0]);
                out.write(p);
                out.write(chunked ? ascii("\r\n") : new byte[0]);
                if (i == pieces - 1) {
                    out.write(chunked ? ascii("0\r\n\r\n") : new byte[0]);
                    out.flush();
                    break;
                }
                out.flush();
                probe.awaitBytes((long) (i + 1) * piece);
                // the upstream socket would be made before the piece was read: the client's socket and the one the
                // proxy accepted are all there is
                assertTrue(sockets() <= sockets + 2, "sockets after piece " + (i + 1) + ": an upstream connection");
                assertEquals(0, up.accepted(), "upstream connections after piece " + (i + 1));
            }
            HttpTestClient.Response r = c.read();
            assertEquals(200, r.status());
            assertEquals(sha256(body), r.header("X-Sha256"));
        }
        ScriptedUpstream.Request seen = up.nextRequest();
        assertEquals(String.valueOf(body.length), seen.header("Content-Length"), seen.head());
        assertNull(seen.header("Transfer-Encoding"), seen.head());
        assertEquals(1, up.accepted());
    }

    @Test
    void expectContinueGetsItsHundredBeforeTheBodyIsReadAndTheExpectationStaysAtTheProxy() throws Exception {
        ScriptedUpstream up = upstream(ReverseProxyRequestBufferingTest::digest, false);
        start(b -> b.upstream(up.address()));
        byte[] body = body(30_000, 9);
        try (HttpTestClient c = client()) {
            c.send("POST /e HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n");
            assertEquals(100, c.read(false, true).status());
            c.socket.getOutputStream().write(chunked(body, 5000));
            c.socket.getOutputStream().flush();
            assertEquals(sha256(body), c.read().header("X-Sha256"));
        }
        ScriptedUpstream.Request seen = up.nextRequest();
        assertNull(seen.header("Expect"), seen.head());
        assertEquals(String.valueOf(body.length), seen.header("Content-Length"), seen.head());
    }

    @Test
    void withRequestBufferingOffTheBodyStreamsToAnUpstreamConnectionMadeBeforeItIsComplete() throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            upstream.setSoTimeout(10_000);
            start(b -> b.upstream((InetSocketAddress) upstream.getLocalSocketAddress()).requestBuffering(false));
            byte[] body = body(40_000, 2);
            try (HttpTestClient c = client()) {
                c.send("POST /stream HTTP/1.1\r\nHost: t\r\nContent-Length: " + body.length + "\r\n\r\n");
                c.socket.getOutputStream().write(body, 0, 1000);
                c.socket.getOutputStream().flush();
                // the proxy connects with the head, before the rest of the body exists
                try (Socket s = upstream.accept()) {
                    InputStream in = s.getInputStream();
                    String head = readHead(in);
                    assertTrue(head.contains("Content-Length: " + body.length + "\r\n"), head);
                    assertArrayEquals(Arrays.copyOf(body, 1000), in.readNBytes(1000));
                    c.socket.getOutputStream().write(body, 1000, body.length - 1000);
                    c.socket.getOutputStream().flush();
                    assertArrayEquals(Arrays.copyOfRange(body, 1000, body.length), in.readNBytes(body.length - 1000));
                    s.getOutputStream().write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
                    assertEquals("ok", c.read().text());
                }
            }
        }
        assertEquals(0, probe.spilled(), "a streamed body is not buffered");
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("end of stream in the head: " + sb);
            }
            sb.append((char) c);
        }
        return sb.toString();
    }

    @Test
    void aBodyLargerThanTheBufferSpillsToAnUnlinkedTempFileArrivesIntactAndLeavesNothingBehind() throws Exception {
        ScriptedUpstream up = upstream(ReverseProxyRequestBufferingTest::digest, false);
        start(b -> b.upstream(up.address()));
        byte[] body = body(1_000_000, 3);
        long baseline = descriptors();
        try (HttpTestClient c = client()) {
            c.send("POST /big HTTP/1.1\r\nHost: t\r\nContent-Length: " + body.length + "\r\n\r\n");
            OutputStream out = c.socket.getOutputStream();
            out.write(body, 0, 100_000);
            out.flush();
            probe.awaitBytes(100_000);
            assertTrue(probe.spilled() > 0, "nothing spilled past the 16k buffer");
            // one file, opened once to write it and once to send it (the platform's own descriptor, for sendfile)
            List<String> open = openTempFiles().stream().distinct().toList();
            assertEquals(1, open.size(), "temp files open: " + open);
            assertTrue(open.get(0).endsWith(" (deleted)"), "the temp file was not unlinked at once: " + open);
            out.write(body, 100_000, body.length - 100_000);
            out.flush();
            HttpTestClient.Response r = c.read();
            assertEquals(String.valueOf(body.length), r.header("X-Length"));
            assertEquals(sha256(body), r.header("X-Sha256"));
            // the connection is kept alive and idle: it holds no buffer and no file
            await(unchecked(() -> memoryInUse() == 0), "an idle kept-alive client connection holds no memory");
            await(unchecked(() -> openTempFiles().isEmpty()), "the temp file closed after the response");
        }
        assertTrue(proxy.awaitOpenConnections(0, 10_000));
        assertNothingLeftBehind(baseline);
    }

    @Test
    void aChunkedBodyArrivesDecodedWithAContentLengthAndAPipelinedRequestAfterItIsAnswered() throws Exception {
        ScriptedUpstream up = upstream(ReverseProxyRequestBufferingTest::digest, false);
        start(b -> b.upstream(up.address()));
        byte[] body = body(300_000, 4);
        long baseline = descriptors();
        try (HttpTestClient c = client()) {
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            wire.writeBytes(ascii("POST /chunked HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"));
            wire.writeBytes(chunked(body, 7777));
            wire.writeBytes(ascii("GET /next HTTP/1.1\r\nHost: t\r\n\r\n"));
            c.socket.getOutputStream().write(wire.toByteArray());
            c.socket.getOutputStream().flush();
            HttpTestClient.Response r = c.read();
            assertEquals(String.valueOf(body.length), r.header("X-Length"));
            assertEquals(sha256(body), r.header("X-Sha256"));
            HttpTestClient.Response next = c.read();
            assertEquals("0", next.header("X-Length"), "the pipelined request came after the body");
        }
        ScriptedUpstream.Request seen = up.nextRequest();
        assertTrue(seen.head().startsWith("POST /chunked HTTP/1.1\r\n"), seen.head());
        assertEquals(String.valueOf(body.length), seen.header("Content-Length"), seen.head());
        assertNull(seen.header("Transfer-Encoding"), seen.head());
        assertNull(seen.header("X-Trailer"), seen.head());
        assertTrue(up.nextRequest().head().startsWith("GET /next HTTP/1.1\r\n"));
        assertTrue(probe.spilled() > 0, "300k spilled past the buffer");
        assertTrue(proxy.awaitOpenConnections(0, 10_000));
        assertNothingLeftBehind(baseline);
    }

    @ParameterizedTest(name = "chunked {0}")
    @ValueSource(booleans = {false, true})
    void aClientThatAbortsMidBodyLeavesNoUpstreamConnectionAndNoTempFile(boolean chunked) throws Exception {
        ScriptedUpstream up = upstream(ReverseProxyRequestBufferingTest::digest, false);
        start(b -> b.upstream(up.address()));
        byte[] body = body(200_000, 5);
        long baseline = descriptors();
        try (HttpTestClient c = client()) {
            c.send("POST /abort HTTP/1.1\r\nHost: t\r\n"
                    + (chunked ? "Transfer-Encoding: chunked\r\n\r\n" : "Content-Length: " + body.length + "\r\n\r\n"));
            byte[] wire = chunked ? chunked(body, 10_000) : body;
            c.socket.getOutputStream().write(wire, 0, wire.length / 2);
            c.socket.getOutputStream().flush();
            probe.awaitBytes(50_000);
            assertTrue(probe.spilled() > 0, "nothing spilled");
            assertEquals(1, openTempFiles().stream().distinct().count(), "temp files open");
        }
        assertTrue(probe.ended.await(10, TimeUnit.SECONDS), "the proxy did not notice the client left");
        assertTrue(proxy.awaitOpenConnections(0, 10_000));
        assertNothingLeftBehind(baseline);
        assertEquals(0, up.accepted(), "an upstream connection was made for an unfinished body");
    }

    @Test
    void aClientThatStopsMidBodyGetsA408AfterClientBodyTimeoutAndLeavesNothingBehind() throws Exception {
        ScriptedUpstream up = upstream(ReverseProxyRequestBufferingTest::digest, false);
        start(b -> b.upstream(up.address()).clientBodyTimeoutMillis(300));
        byte[] body = body(100_000, 11);
        long baseline = descriptors();
        try (HttpTestClient c = client()) {
            c.send("POST /stall HTTP/1.1\r\nHost: t\r\nContent-Length: " + body.length + "\r\n\r\n");
            c.socket.getOutputStream().write(body, 0, 50_000);
            c.socket.getOutputStream().flush();
            assertEquals(408, c.read().status()); // the client sends nothing more: the proxy's timer answers
            assertTrue(c.closedByServer());
        }
        assertTrue(probe.spilled() > 0, "nothing spilled");
        assertTrue(proxy.awaitOpenConnections(0, 10_000));
        assertNothingLeftBehind(baseline);
        assertEquals(0, up.accepted());
    }

    @Test
    void aBodyOverClientMaxBodySizeIsA413WhetherItsLengthIsKnownOrItsChunksGrowPastIt() throws Exception {
        ScriptedUpstream up = upstream(ReverseProxyRequestBufferingTest::digest, false);
        start(b -> b.upstream(up.address()).clientMaxBodySize(100_000));
        long baseline = descriptors();
        try (HttpTestClient c = client()) {
            c.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100001\r\n\r\n");
            assertEquals(413, c.read().status());
            assertTrue(c.closedByServer());
        }
        byte[] body = body(150_000, 6);
        try (HttpTestClient c = client()) {
            c.send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
            c.socket.getOutputStream().write(chunked(body, 8192));
            c.socket.getOutputStream().flush();
            assertEquals(413, c.read(false, true, true).status());
            assertTrue(c.closedByServer());
        }
        assertTrue(probe.spilled() > 0, "the chunked body spilled before it was over the limit");
        assertTrue(proxy.awaitOpenConnections(0, 10_000));
        assertNothingLeftBehind(baseline);
        assertEquals(0, up.accepted());
    }

    @Test
    void aTempFileThatCannotBeMadeIsA500AndNothingGoesUpstream() throws Exception {
        ScriptedUpstream up = upstream(ReverseProxyRequestBufferingTest::digest, false);
        Path missing = tmp.resolve("no-such-dir");
        start(b -> b.upstream(up.address()).tempPath(missing));
        byte[] body = body(100_000, 7);
        try (HttpTestClient c = client()) {
            c.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: " + body.length + "\r\n\r\n");
            c.socket.getOutputStream().write(body);
            c.socket.getOutputStream().flush();
            assertEquals(500, c.read().status());
        }
        assertTrue(Files.notExists(missing));
        assertEquals(0, up.accepted());
        // a body that fits the buffer needs no file
        try (HttpTestClient c = client()) {
            c.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10000\r\n\r\n");
            c.socket.getOutputStream().write(body, 0, 10_000);
            c.socket.getOutputStream().flush();
            assertEquals(sha256(Arrays.copyOf(body, 10_000)), c.read().header("X-Sha256"));
        }
    }

    /**
     * A buffered body is kept, so an idempotent request goes whole to the next server after the first failed having
     * read all of it; a POST that went out is not sent again (nginx's proxy_next_upstream leaves out
     * non_idempotent by default).
     */
    @Test
    void aBufferedPutGoesWholeToTheNextServerButAPostThatWentOutDoesNot() throws Exception {
        List<byte[]> failedGot = new java.util.concurrent.CopyOnWriteArrayList<>();
        ScriptedUpstream a = upstream((req, out) -> {
            failedGot.add(req.body());
            req.socket().close(); // read the whole request, answered nothing
        }, false);
        ScriptedUpstream b = upstream(ReverseProxyRequestBufferingTest::digest, false);
        byte[] body = body(100_000, 8);
        long baseline = descriptors();
        for (String method : new String[] {"PUT", "POST"}) {
            start(x -> x.upstream(ProxyConfig.UpstreamServer.parse(a.address().getHostString() + ":"
                    + a.address().getPort() + ",max_fails=0")).upstream(b.address()));
            try (HttpTestClient c = client()) {
                c.send(method + " /p HTTP/1.1\r\nHost: t\r\nContent-Length: " + body.length + "\r\n\r\n");
                c.socket.getOutputStream().write(body);
                c.socket.getOutputStream().flush();
                HttpTestClient.Response r = c.read();
                if (method.equals("PUT")) {
                    assertEquals(200, r.status());
                    assertEquals(sha256(body), r.header("X-Sha256"), "the next server got the whole body");
                } else {
                    assertEquals(502, r.status());
                }
            }
            assertTrue(proxy.awaitOpenConnections(0, 10_000));
            proxy.close();
            proxy = null;
        }
        assertEquals(2, failedGot.size());
        for (byte[] got : failedGot) {
            assertArrayEquals(body, got);
        }
        assertEquals(1, b.accepted(), "the POST went to the next server");
        try (Stream<Path> s = Files.list(temp)) {
            assertEquals(List.of(), s.toList());
        }
        await(unchecked(() -> openTempFiles().isEmpty()), "temp files closed");
        await(unchecked(() -> descriptors() <= baseline), "descriptors back to " + baseline);
    }

    @Test
    void spilledBodiesOnAKeptAliveClientAndUpstreamConnectionReuseBothAndCloseEachTempFile() throws Exception {
        ScriptedUpstream up = upstream(ReverseProxyRequestBufferingTest::digest, true);
        start(b -> b.upstream(up.address()).upstreamKeepalive(4));
        try (HttpTestClient c = client()) {
            for (int i = 0; i < 5; i++) {
                byte[] body = body(50_000 + 1000 * i, 10 + i);
                c.send("POST /k" + i + " HTTP/1.1\r\nHost: t\r\nContent-Length: " + body.length + "\r\n\r\n");
                c.socket.getOutputStream().write(body);
                c.socket.getOutputStream().flush();
                assertEquals(sha256(body), c.read().header("X-Sha256"), "request " + i);
                await(unchecked(() -> openTempFiles().isEmpty()), "temp file of request " + i + " closed");
            }
            await(unchecked(() -> memoryInUse() == 0), "an idle kept-alive client connection holds no memory");
        }
        assertEquals(1, up.accepted(), "one upstream connection for all");
    }
}
