package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * nginx's connection economy in the static server and the proxy: idle keep-alive connections hold no memory of
 * their loop, memory comes from the loop and goes back to it, aborted downloads and connection churn leave no
 * descriptor, connection or memory behind, and the loop's memory bound closes new connections only. Subclassed
 * once per platform.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class ConnectionEconomyTest {

    /** The platform this run uses; the test is skipped if it is not available here. */
    abstract String platform();

    @TempDir
    Path tmp;
    Path root;
    byte[] big;
    private final List<AutoCloseable> servers = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        TestPlatforms.assumeAvailable(platform());
        root = Files.createDirectories(tmp.resolve("root")).toRealPath();
        Files.writeString(root.resolve("hello.txt"), "hello, world\n");
        Files.write(root.resolve("4k.bin"), new byte[4096]);
        big = new byte[16 << 20];
        new Random(11).nextBytes(big);
        Files.write(root.resolve("big.bin"), big);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable s : servers.reversed()) {
            s.close();
        }
    }

    private StaticServer start(StaticConfig.Builder b) throws IOException {
        StaticServer server = new StaticServer(b.root(root)
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).platform(platform()).build());
        servers.add(server);
        server.start();
        return server;
    }

    private static long inUse(AbstractHttpServer s) throws IOException {
        return s.memoryStats().stream().mapToLong(AbstractHttpServer.MemoryStats::inUse).sum();
    }

    private static long reserved(AbstractHttpServer s) throws IOException {
        return s.memoryStats().stream().mapToLong(AbstractHttpServer.MemoryStats::reserved).sum();
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    /**
     * Waits up to {@code seconds} for {@code value} to come down to {@code want} (a closed NIO channel's descriptor
     * goes only when its selector next wakes); fails with the last value otherwise.
     */
    private static void awaitAtMost(long want, LongSupplier value, int seconds, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long v;
        while ((v = value.getAsLong()) > want) {
            if (System.nanoTime() > deadline) {
                assertEquals(want, v, what + " within " + seconds + " s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    private static long unchecked(IoLong s) {
        try {
            return s.get();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @FunctionalInterface
    private interface IoLong {
        long get() throws IOException;
    }

    @Test
    void idleKeptAliveConnectionsHoldNoLoopMemoryAndStayUsable() throws Exception {
        // sendfile off: a response takes copies from the loop, so memory visibly comes and goes
        StaticServer server = start(StaticConfig.builder().workers(1).sendfile(false));
        List<HttpTestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                HttpTestClient c = new HttpTestClient(server.address());
                clients.add(c);
                assertEquals(200, c.get("/hello.txt").read().status());
            }
            // a download the client does not read: the response holds the loop's memory meanwhile
            HttpTestClient stalled = new HttpTestClient(server.address(), 4096);
            clients.add(stalled);
            stalled.get("/big.bin");
            awaitAtMost(-1, () -> -unchecked(() -> inUse(server)), 10, "memory in use while a download is stalled");
            assertEquals(200, stalled.read(false, false).status(), "the stalled download completes");
            assertEquals(41, server.openConnections());
            assertEquals(0, inUse(server), "41 idle keep-alive connections hold no memory of the loop");
            for (HttpTestClient c : clients) {
                assertEquals("hello, world\n", c.get("/hello.txt").read().text(), "idle connections still work");
            }
            assertEquals(0, inUse(server));
        } finally {
            for (HttpTestClient c : clients) {
                c.close();
            }
        }
        assertTrue(server.awaitOpenConnections(0, 10_000));
    }

    /**
     * A new connection is read at once and watched by the loop's driver only if still open when its cycle ends
     * (EventLoop.addDeferred): one whose request comes only after that first read met nothing must still be
     * answered, as must a connection per request, and one that never sends must still meet its header timeout.
     */
    @Test
    void aConnectionWhoseRequestComesAfterItsFirstReadIsWatchedAndAnswered() throws Exception {
        StaticServer server = start(StaticConfig.builder().workers(1).headerTimeoutMillis(2_000));
        AbstractHttpServer.Worker worker = server.workers()[0];
        try (HttpTestClient late = new HttpTestClient(server.address());
                HttpTestClient silent = new HttpTestClient(server.address())) {
            awaitAtMost(-2, () -> -worker.accepted, 10, "the two connections accepted");
            // a whole exchange on a third connection: the loop has run past the cycles that took the first two
            try (HttpTestClient other = new HttpTestClient(server.address())) {
                assertEquals(200, other.get("/hello.txt", "Connection: close").read().status());
            }
            assertEquals("hello, world\n", late.get("/hello.txt").read().text(), "answered once its bytes came");
            assertEquals("hello, world\n", late.get("/hello.txt").read().text(), "and kept alive");
            for (int i = 0; i < 50; i++) {
                try (HttpTestClient once = new HttpTestClient(server.address())) {
                    assertEquals(200, once.get("/4k.bin", "Connection: close").read().status());
                }
            }
            assertTrue(server.awaitOpenConnections(1, 10_000), "the silent one is closed by its header timeout");
            assertEquals("hello, world\n", late.get("/hello.txt").read().text());
        }
        assertTrue(server.awaitOpenConnections(0, 10_000));
    }

    @Test
    void pipelinedRequestsBeyondTheSmallHeaderBufferAreAnsweredInOrder() throws Exception {
        StaticServer server = start(StaticConfig.builder().workers(1));
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            String target = i % 2 == 0 ? "/hello.txt" : "/4k.bin";
            many.append("GET ").append(target).append("?n=").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        assertTrue(many.length() > 2048, "more than the 1k buffer holds");
        try (HttpTestClient c = new HttpTestClient(server.address())) {
            c.send(many.toString());
            for (int i = 0; i < 60; i++) {
                HttpTestClient.Response r = c.read();
                assertEquals(200, r.status());
                assertEquals(i % 2 == 0 ? 13 : 4096, r.length(), "response " + i);
            }
            assertEquals(0, inUse(server), "nothing held once the pipeline is drained");
        }
    }

    static Stream<Arguments> modes() {
        return Stream.of(Arguments.of(true, 0), Arguments.of(true, 2), Arguments.of(false, 0),
                Arguments.of(false, 2));
    }

    /** Clients that reset the connection after 256 KiB of a 16 MiB download, in every sendfile and aio mode. */
    @ParameterizedTest(name = "sendfile {0}, aio threads {1}")
    @MethodSource("modes")
    void abortedDownloadsLeaveNoDescriptorConnectionOrMemoryBehind(boolean sendfile, int aioThreads)
            throws Exception {
        StaticServer server = start(StaticConfig.builder().workers(1).sendfile(sendfile).aioThreads(aioThreads)
                .clientSendTimeoutMillis(60_000));
        try (HttpTestClient warm = new HttpTestClient(server.address())) {
            assertEquals(200, warm.get("/big.bin").read(false, false).status());
        }
        assertTrue(server.awaitOpenConnections(0, 10_000));
        awaitAtMost(0, () -> unchecked(() -> inUse(server)), 5, "memory in use after the warm-up");
        long before = openDescriptors();
        for (int i = 0; i < 20; i++) {
            HttpTestClient c = new HttpTestClient(server.address(), 8192);
            c.get("/big.bin");
            InputStream in = c.socket.getInputStream();
            assertEquals(256 * 1024, in.readNBytes(256 * 1024).length);
            c.socket.setSoLinger(true, 0);
            c.close(); // RST mid-response
        }
        // far less than the send timeout: the resets are noticed, not waited out
        assertTrue(server.awaitOpenConnections(0, 5_000), "every aborted connection was closed");
        awaitAtMost(before, () -> unchecked(ConnectionEconomyTest::openDescriptors), 5, "descriptors");
        awaitAtMost(0, () -> unchecked(() -> inUse(server)), 5, "memory in use");
        try (HttpTestClient c = new HttpTestClient(server.address())) {
            HttpTestClient.Response r = c.get("/big.bin").read(false, false);
            assertEquals(HexFormat.of().formatHex(HttpTestClient.sha256().digest(big)), r.sha256());
        }
    }

    /** Thousands of one-request connections through the static server and through the proxy in front of it. */
    @Test
    void connectionChurnLeavesDescriptorsConnectionsAndMemoryAtTheirBaseline() throws Exception {
        StaticServer origin = start(StaticConfig.builder().workers(2));
        ReverseProxy proxy = new ReverseProxy(ProxyConfig.builder().upstream(origin.address())
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).platform(platform())
                .workers(2).build());
        servers.add(proxy);
        proxy.start();
        for (InetSocketAddress a : List.of(origin.address(), proxy.address())) {
            try (HttpTestClient c = new HttpTestClient(a)) {
                assertEquals(200, c.get("/4k.bin").read().status());
            }
        }
        assertTrue(proxy.awaitOpenConnections(0, 10_000));
        // kept-alive upstream connections stay open on both sides by design: each is a descriptor in the proxy and
        // one in the origin, and an open connection of the origin
        int idleBefore = proxy.idleUpstreamConnections();
        assertTrue(origin.awaitOpenConnections(idleBefore, 10_000));
        long before = openDescriptors();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 250; i++) {
                        InetSocketAddress a = (i + thread) % 2 == 0 ? origin.address() : proxy.address();
                        try (HttpTestClient c = new HttpTestClient(a)) {
                            HttpTestClient.Response r = c.get("/4k.bin", "Connection: close").read();
                            assertEquals(200, r.status());
                            assertEquals(4096, r.length());
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
        assertTrue(proxy.awaitOpenConnections(0, 5_000), "proxy connections closed");
        int idle = proxy.idleUpstreamConnections();
        // each worker keeps at most as many as it had requests in flight at once: 8 clients, 2 workers
        assertTrue(idle <= 16, "idle upstream connections after 8 concurrent clients: " + idle);
        assertTrue(origin.awaitOpenConnections(idle, 5_000), "origin connections closed but the proxy's idle ones");
        awaitAtMost(before + 2L * (idle - idleBefore), () -> unchecked(ConnectionEconomyTest::openDescriptors), 5,
                "descriptors after churn");
        awaitAtMost(0, () -> unchecked(() -> inUse(origin) + inUse(proxy)), 5, "memory in use after churn");
        // 2000 connections came and went; what the loops keep is what a few concurrent requests need
        assertTrue(reserved(origin) + reserved(proxy) <= 8L << 20,
                "memory reserved by the loops: " + (reserved(origin) + reserved(proxy)));
    }

    @Test
    void theLoopsMemoryBoundClosesNewConnectionsAndLeavesRunningOnesAlone() throws Exception {
        // one block of 1 MiB: 16 pages, one for heads, the others hold two 32k copies (one stalled download) each
        StaticServer server = start(StaticConfig.builder().workers(1).sendfile(false).outputBuffers(2, 32 * 1024)
                .workerMemory(1 << 20));
        List<HttpTestClient> clients = new ArrayList<>();
        int complete = 0;
        int refused = 0;
        try {
            for (int i = 0; i < 20; i++) {
                HttpTestClient c = new HttpTestClient(server.address(), 4096);
                clients.add(c);
                c.get("/big.bin");
            }
            String want = HexFormat.of().formatHex(HttpTestClient.sha256().digest(big));
            for (HttpTestClient c : clients) {
                HttpTestClient.Response r;
                try {
                    r = c.read(false, false);
                } catch (IOException e) {
                    refused++; // closed without a response
                    continue;
                }
                assertEquals(want, r.sha256(), "a download that got its memory completes intact");
                complete++;
            }
        } finally {
            for (HttpTestClient c : clients) {
                c.close();
            }
        }
        assertTrue(refused > 0, "connections beyond the bound were closed");
        assertTrue(server.memoryStats().get(0).refused() > 0, "the loop counted them");
        assertTrue(complete >= 10, "connections within the bound were served: " + complete);
        assertTrue(server.awaitOpenConnections(0, 10_000));
        assertEquals(0, inUse(server));
        try (HttpTestClient c = new HttpTestClient(server.address())) {
            assertEquals("hello, world\n", c.get("/hello.txt").read().text(), "freed memory serves new connections");
        }
    }
}
