package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.testkit.Seeds;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The reverse proxy's zero-copy relay on Linux (splice through kernel pipes): bodies intact by SHA-256 for fast,
 * slow and stalled clients, buffered or not; truncation; pipes and descriptors back to where they were.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReverseProxySpliceTest {

    @TempDir
    Path tmp;
    Path root;
    StaticServer origin;
    ScriptedUpstream scripted;
    ReverseProxy proxy;
    long descriptorsBefore;
    final ReverseProxyTest.Recorder probe = new ReverseProxyTest.Recorder();
    final String[] sums = new String[4];
    static final int[] SIZES = {0, 1, 64 << 10, 1 << 20};

    /**
     * The JDK keeps sockets of its own once used: from its first network use, and the one it dups over a socket
     * closed while another thread blocks on it. Both are made here, before any baseline is taken.
     */
    @BeforeAll
    static void warmUp() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket s = new Socket(ss.getInetAddress(), ss.getLocalPort());
                Socket a = ss.accept()) {
            s.getOutputStream().write(1);
            a.getInputStream().read();
            CountDownLatch reading = new CountDownLatch(1);
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    reading.countDown();
                    a.getInputStream().read();
                } catch (IOException e) {
                    // closed under it, as intended
                }
            });
            reading.await();
            while (t.getState() != Thread.State.RUNNABLE || !t.isAlive()) {
                if (!t.isAlive()) {
                    break;
                }
                Thread.onSpinWait();
            }
            a.close();
            t.join(10_000);
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        TestPlatforms.assumeAvailable("linux");
        descriptorsBefore = pipesAndSockets();
        root = Files.createDirectories(tmp.resolve("root")).toRealPath();
        Random rnd = new Random(15);
        for (int i = 0; i < SIZES.length; i++) {
            byte[] b = new byte[SIZES[i]];
            rnd.nextBytes(b);
            Files.write(root.resolve("f" + SIZES[i]), b);
            sums[i] = sha256(b);
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (origin != null) {
            origin.close();
        }
        if (scripted != null) {
            assertTrue(scripted.awaitOpenConnections(0, 10_000), "the scripted upstream still serves");
            scripted.close();
        }
        // a socket closed while a thread of the scripted upstream still blocks on it is closed by the JDK when that
        // thread lets go: wait for it, as for the connections above
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pipesAndSockets() > descriptorsBefore && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            Thread.yield();
        }
        assertEquals(descriptorsBefore, pipesAndSockets(), "pipes or sockets left open");
    }

    /** Pipes and sockets of this process, from {@code /proc/self/fd}. */
    static long pipesAndSockets() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.filter(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    return target.startsWith("pipe:") || target.startsWith("socket:");
                } catch (IOException e) {
                    return false; // the listing's own descriptor, closed meanwhile
                }
            }).count();
        }
    }

    static String sha256(byte[] b) {
        return HexFormat.of().formatHex(HttpTestClient.sha256().digest(b));
    }

    private static InetSocketAddress loopback() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    InetSocketAddress origin() throws IOException {
        origin = new StaticServer(StaticConfig.builder().root(root).listen(loopback()).platform("generic").workers(1)
                .build());
        origin.start();
        return origin.address();
    }

    /**
     * A started one-worker linux proxy to {@code upstream} with splice on for any body size, temp files under
     * {@code tmp}, {@code probe} watching it, and the settings of the test (both splice test classes use it).
     */
    static ReverseProxy spliceProxy(InetSocketAddress upstream, Path tmp, ReverseProxy.Probe probe,
            UnaryOperator<ProxyConfig.Builder> settings) throws IOException {
        ProxyConfig.Builder b = ProxyConfig.builder().listen(loopback()).upstream(upstream).platform("linux")
                .workers(1).tempPath(Files.createDirectories(tmp.resolve("temp"))).splice(true).spliceMinSize(1);
        ReverseProxy proxy = new ReverseProxy(settings.apply(b).build());
        proxy.probe(probe);
        proxy.start();
        return proxy;
    }

    void start(InetSocketAddress upstream, UnaryOperator<ProxyConfig.Builder> settings) throws IOException {
        proxy = spliceProxy(upstream, tmp, probe, settings);
    }

    ReverseProxy.ProxyWorker worker() {
        return (ReverseProxy.ProxyWorker) proxy.workers()[0];
    }

    /** Open and idle pipes of {@code proxy}'s one worker's splicer, read on its loop. */
    static int[] pipes(ReverseProxy proxy) throws Exception {
        CompletableFuture<int[]> f = new CompletableFuture<>();
        ReverseProxy.ProxyWorker w = (ReverseProxy.ProxyWorker) proxy.workers()[0];
        w.loop.execute(() -> f.complete(new int[] {w.splicer.openPipes(), w.splicer.idlePipes()}));
        return f.get(10, TimeUnit.SECONDS);
    }

    int[] pipes() throws Exception {
        return pipes(proxy);
    }

    /**
     * Waits until the worker has closed every client connection: the client may read a response's last bytes
     * before the loop thread, back from the splice call that sent them, counts them, so the counters are read
     * only after the worker is done with the connection.
     */
    void settled() throws Exception {
        assertTrue(proxy.awaitOpenConnections(0, 10_000), "client connections still open");
    }

    void assertNoPipeLent() throws Exception {
        assertNoPipeLent(proxy);
    }

    /** After {@code proxy}'s worker closed every client connection: each pipe it opened is idle in its pool. */
    static void assertNoPipeLent(ReverseProxy proxy) throws Exception {
        assertTrue(proxy.awaitOpenConnections(0, 10_000), "client connections still open");
        int[] p = pipes(proxy);
        assertEquals(p[0], p[1], "every open pipe is idle in the pool: open " + p[0] + ", idle " + p[1]);
    }

    @ParameterizedTest(name = "buffering {0}")
    @ValueSource(booleans = {true, false})
    void bodiesOfEverySizeReachAFastClientIntactAndTheLargeOnesAreSpliced(boolean buffering) throws Exception {
        start(origin(), b -> b.buffering(buffering));
        try (HttpTestClient c = new HttpTestClient(proxy.address())) {
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < SIZES.length; i++) {
                    HttpTestClient.Response r = c.get("/f" + SIZES[i]).read(false, false);
                    assertEquals(200, r.status());
                    assertEquals(SIZES[i], r.length());
                    assertEquals(sums[i], r.sha256(), "f" + SIZES[i]);
                }
            }
        }
        settled();
        ReverseProxy.ProxyWorker w = worker();
        assertTrue(proxy.spliceOn());
        // 0 B and 1 B come with the head; 64 KiB and 1 MiB, less what came with the head, go through the pipe
        // (1 B is spliced too when the upstream's head and body arrive apart, as sendfile sends them)
        assertTrue(w.splicedResponses >= 4 && w.splicedResponses <= 6, "responses spliced: " + w.splicedResponses);
        long large = 2L * ((64 << 10) + (1 << 20));
        long most = large + 2; // the 1 B bodies too, when they came apart from their heads
        assertTrue(w.splicedBytes <= most, "spliced " + w.splicedBytes);
        if (!buffering) {
            assertTrue(w.splicedBytes >= large - 4 * 4096, "spliced " + w.splicedBytes);
        } else {
            // a fast client may still fall behind for a moment, and the rest of that body goes through memory
            assertTrue(w.splicedBytes > 0, "spliced " + w.splicedBytes);
        }
        assertTrue(proxy.statusText().contains("splice.on 1\n"), proxy.statusText());
        proxy.close();
        assertEquals(0, w.splicer.openPipes(), "closing the proxy closes the worker's pipes");
        proxy = null;
    }

    @ParameterizedTest(name = "buffering {0}")
    @ValueSource(booleans = {true, false})
    void aSlowClientGetsEveryByteSplicedAtItsPaceOrBufferedOnceItFallsBehind(boolean buffering) throws Exception {
        start(origin(), b -> b.buffering(buffering).buffers(8, 4096).clientSendBuffer(4096));
        try (HttpTestClient c = new HttpTestClient(proxy.address(), 4096).readChunk(1000)) {
            for (int i = 0; i < SIZES.length; i++) {
                assertEquals(sums[i], c.get("/f" + SIZES[i]).read(false, false).sha256(), "f" + SIZES[i]);
            }
        }
        settled();
        ReverseProxy.ProxyWorker w = worker();
        if (buffering) {
            assertTrue(w.spliceFallbacks > 0, "a client that falls behind sends the rest through the event pipe");
        } else {
            assertEquals(0, w.spliceFallbacks, "unbuffered, the relay goes at the client's pace");
            assertTrue(w.splicedBytes > (1 << 20), "spliced " + w.splicedBytes);
        }
        assertNoPipeLent();
    }

    @Test
    void aStalledClientCostsTheWorkerNoCpuAndThenGetsEveryByte() throws Exception {
        byte[] big = new byte[8 << 20];
        new Random(8).nextBytes(big);
        Files.write(root.resolve("8m"), big);
        start(origin(), b -> b.buffering(false).clientSendBuffer(4096));
        try (HttpTestClient c = new HttpTestClient(proxy.address(), 4096)) {
            c.get("/8m");
            // the client reads nothing: the socket and the pipe fill, and the worker must wait, not spin. A second
            // of the loop thread's CPU time is the evidence (a spinning loop burns most of it)
            Thread loopThread = worker().loop.thread();
            var mx = ManagementFactory.getThreadMXBean();
            long cpu0 = mx.getThreadCpuTime(loopThread.threadId());
            long t0 = System.nanoTime();
            Thread.sleep(1000); // an observation window, not synchronisation
            long cpuMs = (mx.getThreadCpuTime(loopThread.threadId()) - cpu0) / 1_000_000;
            long wallMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(cpuMs < wallMs / 5, "the worker used " + cpuMs + " ms of CPU in " + wallMs + " ms");
            HttpTestClient.Response r = c.read(false, false);
            assertEquals(sha256(big), r.sha256());
        }
        settled();
        assertEquals(0, worker().spliceFallbacks);
        assertTrue(worker().splicedBytes > (8 << 20) - 8192, "spliced " + worker().splicedBytes);
        assertNoPipeLent();
    }

    @Test
    void aStalledClientWithBufferingOnFallsBackToTheEventPipeAndTheUpstreamIsReadToTheEnd() throws Exception {
        start(origin(), b -> b.buffers(8, 4096).clientSendBuffer(4096));
        try (HttpTestClient c = new HttpTestClient(proxy.address(), 4096).readChunk(1000)) {
            c.get("/f" + (1 << 20), "Connection: close");
            assertTrue(probe.upstreamFinished.await(60, TimeUnit.SECONDS), "the upstream was not read to the end");
            assertEquals(sums[3], c.read(false, false).sha256());
            assertTrue(c.closedByServer());
        }
        assertEquals(1, worker().spliceFallbacks);
        assertNoPipeLent();
    }

    @Test
    void aClientThatGoesAwayMidBodyLeavesNoPipeLentAndNoDescriptorOpen() throws Exception {
        byte[] big = new byte[8 << 20];
        Files.write(root.resolve("8m"), big);
        start(origin(), b -> b.buffering(false).clientSendBuffer(4096));
        try (HttpTestClient c = new HttpTestClient(proxy.address(), 4096)) {
            c.get("/8m");
            InputStream in = c.socket.getInputStream();
            in.readNBytes(100_000); // the head and some body: the relay is under way
            c.socket.setSoLinger(true, 0);
        }
        assertTrue(probe.ended.await(30, TimeUnit.SECONDS), "the proxy did not notice the client left");
        assertEquals(1, probe.incomplete.get());
        assertNoPipeLent();
    }

    @ParameterizedTest(name = "buffering {0}")
    @ValueSource(booleans = {true, false})
    void aTruncatedUpstreamClosesTheClientConnectionBeforeTheFullLength(boolean buffering) throws Exception {
        byte[] body = new byte[600_000];
        new Random(6).nextBytes(body);
        scripted = new ScriptedUpstream((req, out) -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
        });
        start(scripted.address(), b -> b.buffering(buffering).upstreamKeepalive(0));
        try (HttpTestClient c = new HttpTestClient(proxy.address())) {
            HttpTestClient.Response r = c.get("/t").read(false, true, true);
            assertFalse(r.complete());
            assertTrue(r.length() <= body.length, "got " + r.length());
            assertArrayEquals(java.util.Arrays.copyOf(body, (int) r.length()), r.body());
            assertTrue(c.closedByServer());
        }
        assertTrue(worker().splicedBytes > 0, "the body was spliced");
        assertEquals(1, probe.incomplete.get());
        assertNoPipeLent();
    }

    @Test
    void anUpstreamThatStallsMidBodyTimesOutUnderTheReadTimeoutAndTheClientConnectionIsClosed() throws Exception {
        byte[] body = new byte[300_000];
        new Random(30).nextBytes(body);
        CountDownLatch release = new CountDownLatch(1);
        scripted = new ScriptedUpstream((req, out) -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            try {
                release.await(60, TimeUnit.SECONDS); // holds the connection open, sending nothing more
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        start(scripted.address(), b -> b.buffering(false).upstreamKeepalive(0).readTimeoutMillis(300));
        try (HttpTestClient c = new HttpTestClient(proxy.address())) {
            HttpTestClient.Response r = c.get("/t").read(false, true, true);
            assertFalse(r.complete());
            assertArrayEquals(body, r.body(), "what came before the stall arrives, then the close");
            assertTrue(c.closedByServer());
        } finally {
            release.countDown();
        }
        assertTrue(worker().splicedBytes > 0);
        assertEquals(1, probe.incomplete.get());
        assertNoPipeLent();
    }

    @Test
    void aClientThatTakesNothingIsClosedUnderTheSendTimeout() throws Exception {
        byte[] big = new byte[8 << 20];
        Files.write(root.resolve("8m"), big);
        start(origin(), b -> b.buffering(false).clientSendBuffer(4096).clientSendTimeoutMillis(300));
        try (HttpTestClient c = new HttpTestClient(proxy.address(), 4096)) {
            c.get("/8m");
            assertTrue(probe.ended.await(30, TimeUnit.SECONDS), "the send timeout did not end the response");
            HttpTestClient.Response r = c.read(false, false, true);
            assertFalse(r.complete());
        }
        assertEquals(1, probe.incomplete.get());
        assertNoPipeLent();
    }

    @Test
    void sixtyFourMegabytesArriveIntact() throws Exception {
        long seed = Seeds.seed("ReverseProxySpliceTest.64m");
        Random rnd = new Random(seed);
        MessageDigest sha = HttpTestClient.sha256();
        Path file = root.resolve("64m");
        try (OutputStream out = Files.newOutputStream(file)) {
            byte[] block = new byte[1 << 20];
            for (int i = 0; i < 64; i++) {
                rnd.nextBytes(block);
                sha.update(block);
                out.write(block);
            }
        }
        start(origin(), b -> b);
        try (HttpTestClient c = new HttpTestClient(proxy.address())) {
            HttpTestClient.Response r = c.get("/64m").read(false, false);
            assertEquals(64L << 20, r.length());
            assertEquals(HexFormat.of().formatHex(sha.digest()), r.sha256(), "seed " + seed);
        }
        assertTrue(worker().splicedBytes > 0, "spliced " + worker().splicedBytes);
        assertNoPipeLent();
    }

    @Test
    void withSpliceOffNothingIsSplicedAndTheBodiesStillArrive() throws Exception {
        start(origin(), b -> b.splice(false));
        try (HttpTestClient c = new HttpTestClient(proxy.address())) {
            assertEquals(sums[3], c.get("/f" + (1 << 20)).read(false, false).sha256());
        }
        assertEquals(null, worker().splicer);
        assertTrue(proxy.statusText().contains("splice.on 0\n"));
    }
}
