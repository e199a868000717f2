package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.testkit.Seeds;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Upstream keep-alive in the reverse proxy (nginx's {@code upstream { keepalive; keepalive_requests;
 * keepalive_timeout; }}): reuse, the pool's bounds, idle connections the upstream closes, the retry of a request
 * whose kept connection failed under it, and bodies intact under concurrency; subclassed once per platform.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
abstract class ReverseProxyKeepaliveTest {

    abstract String platform();

    @TempDir
    Path tmp;
    ScriptedUpstream up;
    StaticServer origin;
    ReverseProxy proxy;
    final AtomicInteger retried = new AtomicInteger();
    final AtomicInteger idleClosed = new AtomicInteger();
    volatile CountDownLatch idleClosedLatch = new CountDownLatch(1);

    @BeforeEach
    void setUp() {
        TestPlatforms.assumeAvailable(platform());
    }

    @AfterEach
    void tearDown() throws IOException {
        if (proxy != null) {
            proxy.close();
        }
        if (origin != null) {
            origin.close();
        }
        if (up != null) {
            up.close();
        }
    }

    private static InetSocketAddress loopback() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    /** A keep-alive scripted upstream. */
    ScriptedUpstream upstream(ScriptedUpstream.Script s) throws IOException {
        up = new ScriptedUpstream(s, true);
        return up;
    }

    void start(InetSocketAddress upstream, UnaryOperator<ProxyConfig.Builder> settings) throws IOException {
        proxy = new ReverseProxy(settings.apply(ProxyConfig.builder().listen(loopback()).upstream(upstream)
                .platform(platform()).workers(2).tempPath(tmp)).build());
        proxy.probe(new ReverseProxy.Probe() {
            @Override
            public void upstreamRetried() {
                retried.incrementAndGet();
            }

            @Override
            public void upstreamIdleClosed() {
                idleClosed.incrementAndGet();
                idleClosedLatch.countDown();
            }
        });
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

    /** Answers {@code ok} with a length, as a keep-alive upstream does. */
    static void ok(ScriptedUpstream.Request req, OutputStream out) throws IOException {
        out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    /** Waits up to 5 s for the process's descriptors to come down to {@code want} (NIO closes lazily). */
    private static void awaitDescriptors(long want) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long n;
        while ((n = openDescriptors()) > want) {
            if (System.nanoTime() > deadline) {
                assertEquals(want, n, "descriptors within 5 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    /** Waits up to 10 s for the proxy's idle upstream connections to come down to {@code n}. */
    private void awaitIdleUpstreamConnections(int n) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int idle;
        while ((idle = proxy.idleUpstreamConnections()) > n) {
            if (System.nanoTime() > deadline) {
                assertEquals(n, idle, "idle upstream connections within 10 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    // ------------------------------------------------------------------------------------------------------

    @Test
    void requestsGoWithoutAConnectionHeaderAndReuseTheUpstreamConnection() throws Exception {
        upstream(ReverseProxyKeepaliveTest::ok);
        start(up.address(), b -> b);
        try (HttpTestClient c = client()) {
            for (int i = 0; i < 20; i++) {
                assertEquals("ok", c.get("/r" + i, "Connection: keep-alive").read().text());
                ScriptedUpstream.Request r = up.nextRequest();
                assertNull(r.header("Connection"), r.head());
                assertTrue(r.head().startsWith("GET /r" + i + " HTTP/1.1\r\n"), r.head());
                assertEquals(1, r.connection());
                assertEquals(i + 1, r.number());
            }
        }
        assertEquals(1, up.accepted());
        assertEquals(0, retried.get());
    }

    /** Four clients at once, 50 requests each: at most as many upstream connections as requests in flight. */
    @Test
    void concurrentClientsUseNoMoreUpstreamConnectionsThanThePoolHoldsAndIdleOnesHoldNoMemory() throws Exception {
        upstream(ReverseProxyKeepaliveTest::ok);
        start(up.address(), b -> b.upstreamKeepalive(4));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(pool.submit(() -> {
                    try (HttpTestClient c = client()) {
                        for (int i = 0; i < 50; i++) {
                            assertEquals("ok", c.get("/x").read().text());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(up.accepted() <= 4, "upstream connections for 200 requests: " + up.accepted());
        assertTrue(proxy.awaitOpenConnections(0, 10_000));
        int idle = proxy.idleUpstreamConnections();
        assertTrue(idle >= 1 && idle <= 4, "idle upstream connections: " + idle);
        // an idle upstream connection is its socket, its events and its timer: no session, no buffer
        long inUse = proxy.memoryStats().stream().mapToLong(AbstractHttpServer.MemoryStats::inUse).sum();
        assertEquals(0, inUse, "loop memory in use with " + idle + " idle upstream connections");
    }

    @Test
    void aConnectionCarriesAtMostKeepaliveRequestsRequests() throws Exception {
        upstream(ReverseProxyKeepaliveTest::ok);
        start(up.address(), b -> b.upstreamKeepaliveRequests(10));
        try (HttpTestClient c = client()) {
            for (int i = 0; i < 25; i++) {
                assertEquals("ok", c.get("/x").read().text());
            }
        }
        assertEquals(3, up.accepted());
    }

    @Test
    void anIdleConnectionIsClosedAfterKeepaliveTimeout() throws Exception {
        upstream(ReverseProxyKeepaliveTest::ok);
        start(up.address(), b -> b.upstreamKeepaliveTimeoutMillis(200));
        try (HttpTestClient c = client()) {
            assertEquals("ok", c.get("/x").read().text());
            assertTrue(idleClosedLatch.await(10, TimeUnit.SECONDS), "the idle connection was not closed");
            assertTrue(up.awaitOpenConnections(0, 10_000), "the upstream did not see the close");
            assertEquals("ok", c.get("/y").read().text());
        }
        assertEquals(2, up.accepted());
        assertEquals(0, retried.get());
    }

    @Test
    void anIdleConnectionTheUpstreamClosesIsNoticedAndTheNextRequestGoesOnANewOne() throws Exception {
        upstream((req, out) -> {
            ok(req, out);
            out.flush();
            req.socket().close(); // a FIN, no Connection: close: the proxy learns it while the connection is idle
        });
        start(up.address(), b -> b);
        try (HttpTestClient c = client()) {
            assertEquals("ok", c.get("/x").read().text());
            // noticed with the response (the FIN came with it) or while idle: either way not kept
            awaitIdleUpstreamConnections(0);
            assertEquals("ok", c.get("/y").read().text());
        }
        assertEquals(2, up.accepted());
        assertEquals(0, retried.get(), "nothing had to be retried");
    }

    /**
     * The race keep-alive cannot avoid: the upstream closes a kept connection just as the next request goes out on
     * it. A GET is sent again on a new connection and the client never knows; both a FIN and a reset.
     */
    @ParameterizedTest(name = "reset {0}")
    @ValueSource(booleans = {false, true})
    void aGetWhoseKeptConnectionIsClosedUnderItIsRetriedOnANewConnection(boolean reset) throws Exception {
        upstream((req, out) -> {
            if (req.connection() == 1 && req.number() == 2) {
                if (reset) {
                    req.socket().setSoLinger(true, 0);
                }
                req.socket().close(); // the request arrived as the upstream gave up on the connection
                return;
            }
            String text = req.head().split(" ")[1] + "@" + req.connection() + "." + req.number();
            out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: " + text.length() + "\r\n\r\n" + text));
        });
        start(up.address(), b -> b);
        try (HttpTestClient c = client()) {
            assertEquals("/first@1.1", c.get("/first").read().text());
            assertEquals("/again@2.1", c.get("/again").read().text());
            assertEquals("/third@2.2", c.get("/third").read().text());
        }
        assertEquals(1, retried.get());
        assertEquals(2, up.accepted());
    }

    /** A POST whose body went out on a kept connection that then fails is a 502: the upstream may have acted on it. */
    @Test
    void aPostWhoseBodyWasSentOnAKeptConnectionThatFailsIsA502AndNotRetried() throws Exception {
        AtomicInteger posts = new AtomicInteger();
        upstream((req, out) -> {
            if (req.head().startsWith("POST")) {
                posts.incrementAndGet();
                req.socket().close(); // the whole request was read: the upstream may have done what it asked
                return;
            }
            ok(req, out);
        });
        start(up.address(), b -> b);
        byte[] body = Arrays.copyOf(ascii("x".repeat(1000)), 1000);
        try (HttpTestClient c = client()) {
            assertEquals("ok", c.get("/x").read().text());
            c.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length + "\r\n\r\n");
            c.socket.getOutputStream().write(body);
            assertEquals(502, c.read().status());
            assertEquals("ok", c.get("/after").read().text()); // the client connection lives on
        }
        assertEquals(1, posts.get(), "the POST reached the upstream once");
        assertEquals(0, retried.get());
        assertEquals(2, up.accepted());
    }

    /** Connection: close, an HTTP/1.0 answer, bytes past the end: each connection is closed, never reused. */
    @ParameterizedTest(name = "buffering {0}")
    @ValueSource(booleans = {true, false})
    void connectionsTheUpstreamEndsOrThatAreOutOfStepAreNotReused(boolean buffering) throws Exception {
        String[] answers = {
            "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\nEXTRA",
            "HTTP/1.1 204 No Content\r\n\r\nEXTRA",
        };
        upstream((req, out) -> out.write(ascii(answers[Integer.parseInt(req.head().split(" ")[1].substring(1))])));
        start(up.address(), b -> b.buffering(buffering));
        try (HttpTestClient c = client()) {
            for (int i = 0; i < answers.length; i++) {
                for (int k = 0; k < 2; k++) {
                    HttpTestClient.Response r = c.get("/" + i).read();
                    assertEquals(i == 4 ? 204 : 200, r.status(), answers[i]);
                    assertEquals(i == 4 ? "" : "ok", r.text(), answers[i]);
                }
                assertEquals(2 * (i + 1), up.accepted(), "connections after " + answers[i]);
            }
        }
        assertEquals(0, retried.get());
    }

    @Test
    void stoppingTheProxyClosesItsIdleUpstreamConnectionsAndLeavesNoDescriptorBehind() throws Exception {
        upstream(ReverseProxyKeepaliveTest::ok);
        long before = openDescriptors();
        start(up.address(), b -> b);
        List<HttpTestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                HttpTestClient c = client();
                clients.add(c);
                c.get("/x"); // six requests in flight at once: six upstream connections
            }
            for (HttpTestClient c : clients) {
                assertEquals("ok", c.read().text());
            }
        } finally {
            for (HttpTestClient c : clients) {
                c.close();
            }
        }
        assertTrue(proxy.awaitOpenConnections(0, 10_000));
        assertEquals(up.accepted(), proxy.idleUpstreamConnections());
        proxy.close();
        proxy = null;
        assertTrue(up.awaitOpenConnections(0, 10_000), "upstream connections still open after the proxy stopped");
        awaitDescriptors(before);
    }

    // ------------------------------------------------------------------------------------------------------

    /** Many clients at once over kept connections: files of random sizes from the static server, by SHA-256. */
    @ParameterizedTest(name = "buffering {0}")
    @ValueSource(booleans = {true, false})
    void manyConcurrentClientsGetIntactFilesOverKeptConnections(boolean buffering) throws Exception {
        long seed = Seeds.seed("ReverseProxyKeepaliveTest.files");
        Random rnd = new Random(seed);
        Path root = Files.createDirectories(tmp.resolve("root")).toRealPath();
        int files = 10;
        String[] sums = new String[files];
        for (int i = 0; i < files; i++) {
            byte[] b = new byte[rnd.nextInt(3) == 0 ? rnd.nextInt(100) : rnd.nextInt(1_500_000)];
            rnd.nextBytes(b);
            Files.write(root.resolve("f" + i), b);
            sums[i] = sha256(b);
        }
        origin = new StaticServer(StaticConfig.builder().root(root).listen(loopback()).platform("generic").workers(1)
                .build());
        origin.start();
        start(origin.address(), b -> b.buffering(buffering).buffers(4, 4096).busyBuffersSize(8192)
                .clientSendBuffer(8192));
        int clients = 16;
        run(clients, rnd, r -> {
            try (HttpTestClient c = new HttpTestClient(proxy.address(), r.nextBoolean() ? 4096 : 0)
                    .readChunk(1 + r.nextInt(70_000))) {
                for (int k = 0; k < 6; k++) {
                    int f = r.nextInt(files);
                    String m = r.nextInt(4) == 0 ? "HEAD" : "GET";
                    c.request(m, "/f" + f);
                    HttpTestClient.Response resp = c.read(m.equals("HEAD"), false);
                    assertEquals(200, resp.status());
                    if (m.equals("GET")) {
                        assertEquals(sums[f], resp.sha256(), "file f" + f + " (seed " + seed + ")");
                    }
                }
            }
        });
        long opened = Arrays.stream(origin.acceptedPerListener()).sum();
        assertTrue(opened <= clients, "upstream connections for " + clients * 6 + " requests: " + opened
                + " (seed " + seed + ")");
        assertEquals(0, retried.get());
    }

    /**
     * Many clients at once, chunked and Content-Length answers of random sizes written in random pieces, through a
     * cache of two connections per worker: most responses end with the cache full.
     */
    @ParameterizedTest(name = "buffering {0}")
    @ValueSource(booleans = {true, false})
    void manyConcurrentClientsGetIntactChunkedAndLengthBodiesOverKeptConnections(boolean buffering) throws Exception {
        long seed = Seeds.seed("ReverseProxyKeepaliveTest.scripted");
        Random rnd = new Random(seed);
        byte[] wire = new byte[200_000];
        rnd.nextBytes(wire);
        upstream((req, out) -> {
            String[] p = req.head().split(" ")[1].substring(1).split("-");
            int length = Integer.parseInt(p[0]);
            int piece = Integer.parseInt(p[1]);
            if (p[2].equals("c")) {
                out.write(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
                ReverseProxyTest.writeChunked(out, wire, length, piece, true);
            } else {
                out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: " + length + "\r\n\r\n"));
                for (int i = 0; i < length; i += piece) {
                    out.write(wire, i, Math.min(piece, length - i));
                    out.flush();
                }
            }
        });
        // a cache smaller than the requests in flight: connections that find it full close, the oldest idle first
        start(up.address(), b -> b.buffering(buffering).upstreamKeepalive(2));
        int clients = 12;
        run(clients, rnd, r -> {
            try (HttpTestClient c = client()) {
                for (int k = 0; k < 8; k++) {
                    int length = r.nextInt(wire.length);
                    int piece = 1 + r.nextInt(r.nextBoolean() ? 2000 : 50_000);
                    String target = "/" + length + "-" + piece + (r.nextBoolean() ? "-c" : "-l");
                    HttpTestClient.Response resp = c.get(target).read(false, false);
                    assertEquals(sha256(Arrays.copyOf(wire, length)), resp.sha256(), target + " (seed " + seed + ")");
                }
            }
        });
        assertTrue(proxy.awaitOpenConnections(0, 10_000));
        int idle = proxy.idleUpstreamConnections();
        assertTrue(idle <= 4, "idle upstream connections, 2 workers with a cache of 2: " + idle);
        assertTrue(up.awaitOpenConnections(idle, 10_000), "upstream connections the proxy no longer keeps are open");
        assertEquals(0, retried.get());
    }

    @FunctionalInterface
    interface ClientRun {
        void run(Random r) throws Exception;
    }

    /** Runs {@code clients} clients at once, each with its own seed drawn from {@code rnd}. */
    private static void run(int clients, Random rnd, ClientRun body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < clients; t++) {
                long clientSeed = rnd.nextLong();
                done.add(pool.submit(() -> {
                    body.run(new Random(clientSeed));
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(100, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
