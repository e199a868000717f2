package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 * Several upstream servers (nginx's {@code upstream} block with {@code proxy_next_upstream error timeout}): weighted
 * round robin, a failed server left out for {@code fail_timeout} and tried again after it, requests passed on to the
 * next server when that is safe, "no live upstreams"; subclassed once per platform. One worker, so the balancing
 * order is nginx's exactly; {@code fail_timeout} runs on a clock the tests move.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
abstract class ReverseProxyBalancingTest {

    abstract String platform();

    @TempDir
    Path tmp;
    final List<ScriptedUpstream> ups = new ArrayList<>();
    ReverseProxy proxy;
    /** The proxy's clock for fail_timeout, in ms; moved by the tests. */
    final AtomicLong now = new AtomicLong(1_000_000);
    /** Servers the proxy reported failed, in order, with whether the request went on ({@code name next}). */
    final List<String> failed = new CopyOnWriteArrayList<>();
    final AtomicInteger retried = new AtomicInteger();
    /** The sockets holding the ports {@link #closedPort} gave, closed at the end. */
    final List<Socket> reserved = new ArrayList<>();
    /** Released at the end: a stalled upstream's script waits on it. */
    final CountDownLatch released = new CountDownLatch(1);
    long descriptorsBefore;

    /** Whether this JVM already ran a proxy and a scripted upstream once (see {@link #setUp}). */
    private static volatile boolean warmedUp;

    @BeforeEach
    void setUp() throws Exception {
        TestPlatforms.assumeAvailable(platform());
        if (!warmedUp) {
            // the JDK opens some descriptors once, on first use (virtual threads' I/O pollers, the platform's first
            // loop): one round trip first, so the baseline is what the proxy leaves behind, not what the JVM keeps
            ScriptedUpstream w = named("w");
            start(x -> x.upstream(w.address()));
            try (HttpTestClient cl = client()) {
                cl.get("/").read();
            }
            proxy.close();
            proxy = null;
            assertTrue(w.awaitOpenConnections(0, 10_000));
            w.close();
            ups.clear();
            warmedUp = true;
        }
        descriptorsBefore = openDescriptors();
    }

    @AfterEach
    void tearDown() throws IOException {
        released.countDown();
        if (proxy != null) {
            proxy.close();
        }
        for (ScriptedUpstream u : ups) {
            u.close();
        }
        for (Socket s : reserved) {
            s.close();
        }
        awaitDescriptors(descriptorsBefore);
    }

    private static InetSocketAddress loopback() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    /** A keep-alive upstream answering with {@code name} as its body. */
    ScriptedUpstream named(String name) throws IOException {
        ScriptedUpstream u = new ScriptedUpstream((req, out) -> answer(name, out), true);
        ups.add(u);
        return u;
    }

    ScriptedUpstream scripted(ScriptedUpstream.Script s) throws IOException {
        ScriptedUpstream u = new ScriptedUpstream(s, true);
        ups.add(u);
        return u;
    }

    static void answer(String name, OutputStream out) throws IOException {
        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + name.length() + "\r\n\r\n" + name)
                .getBytes(StandardCharsets.ISO_8859_1));
    }

    /** A loopback port nobody listens on: connecting is refused. */
    /**
     * A loopback port nothing listens on, kept bound (not listening) until the test ends, so a connect to it is
     * refused. A port that was bound and closed again could be taken meanwhile, even by the proxy's own connection
     * to it: a loopback connect whose ephemeral port is the one it connects to reaches itself and succeeds (this
     * test failed once so). A bound port is never handed out as an ephemeral one.
     */
    InetSocketAddress closedPort() throws IOException {
        Socket s = new Socket();
        reserved.add(s);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return (InetSocketAddress) s.getLocalSocketAddress();
    }

    static ProxyConfig.UpstreamServer server(InetSocketAddress a, String params) {
        return ProxyConfig.UpstreamServer.parse(a.getHostString() + ":" + a.getPort() + params);
    }

    static String name(InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }

    void start(UnaryOperator<ProxyConfig.Builder> settings) throws IOException {
        proxy = new ReverseProxy(settings.apply(ProxyConfig.builder().listen(loopback()).platform(platform())
                .workers(1).tempPath(tmp)).build());
        proxy.clock(now::get);
        proxy.probe(new ReverseProxy.Probe() {
            @Override
            public void upstreamFailed(String server, boolean next) {
                failed.add(server + (next ? " next" : " last"));
            }

            @Override
            public void upstreamRetried() {
                retried.incrementAndGet();
            }
        });
        proxy.start();
    }

    HttpTestClient client() throws IOException {
        return new HttpTestClient(proxy.address());
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    /** Waits up to 5 s for the process's descriptors to come down to {@code want} (closes may be lazy). */
    private static void awaitDescriptors(long want) throws IOException {
        if (!Files.isDirectory(Path.of("/proc/self/fd"))) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long n;
        while ((n = openDescriptors()) > want) {
            if (System.nanoTime() > deadline) {
                assertEquals(want, n, "descriptors back to baseline within 5 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    // ------------------------------------------------------------------------------------------------------

    /** nginx's smooth weighted round robin for weights 5, 1, 1: a a b a c a a, and again. */
    @Test
    void requestsAreSharedByWeightInNginxsSmoothOrderAndKeptConnectionsStayWithTheirServer() throws Exception {
        ScriptedUpstream a = named("a");
        ScriptedUpstream b = named("b");
        ScriptedUpstream c = named("c");
        start(x -> x.upstream(server(a.address(), ",weight=5")).upstream(b.address()).upstream(c.address()));
        StringBuilder order = new StringBuilder();
        try (HttpTestClient cl = client()) {
            for (int i = 0; i < 14; i++) {
                order.append(cl.get("/r" + i).read().text());
            }
        }
        assertEquals("aabacaaaabacaa", order.toString());
        // each server's requests went over one kept connection to it
        assertEquals(1, a.accepted());
        assertEquals(1, b.accepted());
        assertEquals(1, c.accepted());
        assertEquals(List.of(), failed);
    }

    /**
     * The test: one upstream down, requests go to the other; after fail_timeout it is tried again and, up
     * again, gets its share. Down as a reset after the request came, or as a stall past the read timeout.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"reset", "stalled"})
    void aFailedServerIsLeftOutUntilFailTimeoutThenTriedAgain(String how) throws Exception {
        boolean[] down = {true};
        AtomicInteger seenByA = new AtomicInteger();
        ScriptedUpstream a = scripted((req, out) -> {
            seenByA.incrementAndGet();
            if (down[0]) {
                if (how.equals("reset")) {
                    req.socket().setSoLinger(true, 0);
                    req.socket().close();
                } else {
                    try {
                        released.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    req.socket().close();
                }
                return;
            }
            answer("a", out);
        });
        ScriptedUpstream b = named("b");
        start(x -> x.upstream(server(a.address(), ",max_fails=1,fail_timeout=10s")).upstream(b.address())
                .readTimeoutMillis(300));
        String aName = name(a.address());
        try (HttpTestClient cl = client()) {
            // a is chosen first, fails, and the request goes on to b
            assertEquals("b", cl.get("/first").read().text());
            assertEquals(List.of(aName + " next"), failed);
            for (int i = 0; i < 10; i++) {
                assertEquals("b", cl.get("/down" + i).read().text());
            }
            assertEquals(1, seenByA.get(), "a is left out while within fail_timeout");
            assertEquals(List.of(aName + " next"), failed);

            down[0] = false;
            now.addAndGet(10_001);
            StringBuilder order = new StringBuilder();
            for (int i = 0; i < 7; i++) {
                order.append(cl.get("/up" + i).read().text());
            }
            // a's effective weight starts at 0 after its failure and is regained by one per pick (nginx's
            // slow start for a recovering server): b, b, then a in turn
            assertEquals("bbababa", order.toString());
            assertEquals(4, seenByA.get());
        }
        assertEquals(List.of(aName + " next"), failed);
        assertEquals(0, retried.get());
    }

    /** A refused connection is a failure too; a server refusing again after fail_timeout is left out again. */
    @Test
    void aServerThatRefusesIsLeftOutAndEveryRequestIsAnsweredByTheOthers() throws Exception {
        InetSocketAddress gone = closedPort();
        ScriptedUpstream b = named("b");
        ScriptedUpstream c = named("c");
        start(x -> x.upstream(server(gone, ",fail_timeout=5s")).upstream(b.address()).upstream(c.address()));
        try (HttpTestClient cl = client()) {
            for (int i = 0; i < 8; i++) {
                String body = cl.get("/r" + i).read().text();
                assertTrue(body.equals("b") || body.equals("c"), body);
            }
            assertEquals(List.of(name(gone) + " next"), failed);
            now.addAndGet(5_001);
            for (int i = 0; i < 8; i++) {
                String body = cl.get("/again" + i).read().text();
                assertTrue(body.equals("b") || body.equals("c"), body);
            }
        }
        assertEquals(List.of(name(gone) + " next", name(gone) + " next"), failed);
    }

    /**
     * Four clients over two workers, one of three servers resetting every request: every request is answered by
     * the others, and each worker, counting failures on its own (nginx without a zone), tries it once.
     */
    @Test
    void concurrentClientsOverTwoWorkersAreAllAnsweredWhileOneServerIsDown() throws Exception {
        ScriptedUpstream a = scripted((req, out) -> {
            req.socket().setSoLinger(true, 0);
            req.socket().close();
        });
        ScriptedUpstream b = named("b");
        ScriptedUpstream c = named("c");
        proxy = new ReverseProxy(ProxyConfig.builder().listen(loopback()).platform(platform()).workers(2)
                .reusePort(false).tempPath(tmp).upstream(a.address()).upstream(b.address()).upstream(c.address())
                .build());
        proxy.clock(now::get);
        proxy.probe(new ReverseProxy.Probe() {
            @Override
            public void upstreamFailed(String server, boolean next) {
                failed.add(server + (next ? " next" : " last"));
            }
        });
        proxy.start();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(pool.submit(() -> {
                    try (HttpTestClient cl = client()) {
                        for (int i = 0; i < 50; i++) {
                            String body = cl.get("/x" + i).read().text();
                            assertTrue(body.equals("b") || body.equals("c"), body);
                        }
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        // a worker leaves the down server out from its first failure on; until that failure is seen, each of its
        // two clients may have a request there (round robin comes back to it after b and c answer): at most two
        // tries per worker, where without passive health a third of the 200 requests would go there
        assertTrue(failed.size() >= 1 && failed.size() <= 4, "the down server is tried at most twice per worker: "
                + failed);
        assertTrue(a.accepted() <= 4, "connections to the down server: " + a.accepted());
    }

    /** Every server failed: a 502; then all are left out and the next request is a 502 without trying any. */
    @Test
    void allServersDownIsA502AndThenNoLiveUpstreams() throws Exception {
        InetSocketAddress one = closedPort();
        InetSocketAddress two = closedPort();
        start(x -> x.upstream(one).upstream(two));
        try (HttpTestClient cl = client()) {
            assertEquals(502, cl.get("/a").read().status());
            assertEquals(List.of(name(one) + " next", name(two) + " last"), failed);
            assertEquals(502, cl.get("/b").read().status()); // no live upstreams
        }
        assertEquals(2, failed.size(), "no server was tried for the second request: " + failed);
    }

    /** nginx's default leaves out non_idempotent: a POST that went out to a failing server is not sent again. */
    @Test
    void aPostThatWentOutIsNotPassedOnButOneRefusedAtConnectIs() throws Exception {
        ScriptedUpstream a = scripted((req, out) -> {
            req.socket().setSoLinger(true, 0);
            req.socket().close();
        });
        List<byte[]> bodies = new CopyOnWriteArrayList<>();
        ScriptedUpstream b = scripted((req, out) -> {
            bodies.add(req.body());
            answer("b", out);
        });
        start(x -> x.upstream(server(a.address(), ",max_fails=0")).upstream(b.address()));
        byte[] body = "x".repeat(100).getBytes(StandardCharsets.ISO_8859_1);
        try (HttpTestClient cl = client()) {
            cl.send("POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n" + "x".repeat(100));
            assertEquals(502, cl.read().status());
        }
        assertEquals(List.of(name(a.address()) + " last"), failed);
        assertEquals(0, b.accepted());

        // a closed port fails before anything is sent: the POST goes on to the next server
        proxy.close();
        proxy = null;
        failed.clear();
        InetSocketAddress gone = closedPort();
        start(x -> x.upstream(gone).upstream(b.address()));
        try (HttpTestClient cl = client()) {
            cl.send("POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n" + "x".repeat(100));
            assertEquals("b", cl.read().text());
        }
        assertEquals(List.of(name(gone) + " next"), failed);
        assertEquals(1, bodies.size());
        assertArrayEquals(body, bodies.get(0));
    }

    @Test
    void nextUpstreamTriesAndOffLimitWhereAFailedRequestGoes() throws Exception {
        InetSocketAddress one = closedPort();
        InetSocketAddress two = closedPort();
        ScriptedUpstream c = named("c");
        start(x -> x.upstream(one).upstream(two).upstream(c.address()).nextUpstreamTries(2));
        try (HttpTestClient cl = client()) {
            assertEquals(502, cl.get("/a").read().status());
            assertEquals(List.of(name(one) + " next", name(two) + " last"), failed);
            assertEquals("c", cl.get("/b").read().text()); // both others are left out now
        }
        proxy.close();
        proxy = null;
        failed.clear();
        start(x -> x.upstream(one).upstream(c.address()).nextUpstream(0));
        try (HttpTestClient cl = client()) {
            assertEquals(502, cl.get("/a").read().status());
            assertEquals("c", cl.get("/b").read().text());
        }
        assertEquals(List.of(name(one) + " last"), failed);
    }

    /**
     * proxy_next_upstream http_502 (not nginx's default): a 502 from one server is a failure and the request goes on
     * while a try is left; the last try's 502 reaches the client as the upstream sent it. By default a 502 is an
     * answer like any other.
     */
    @Test
    void anUpstreams502GoesToTheNextServerOnlyWhenProxyNextUpstreamNamesIt() throws Exception {
        ScriptedUpstream a = scripted((req, out) -> out.write(
                "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 5\r\n\r\nbad-a".getBytes(StandardCharsets.ISO_8859_1)));
        ScriptedUpstream b = named("b");
        start(x -> x.upstream(a.address()).upstream(b.address()));
        try (HttpTestClient cl = client()) {
            HttpTestClient.Response r = cl.get("/1").read();
            assertEquals(502, r.status());
            assertEquals("bad-a", r.text());
        }
        assertEquals(List.of(), failed);
        proxy.close();
        proxy = null;
        start(x -> x.upstream(a.address()).upstream(b.address())
                .nextUpstream(ProxyConfig.nextUpstream("error timeout http_502")));
        try (HttpTestClient cl = client()) {
            assertEquals("b", cl.get("/2").read().text());
            assertEquals("b", cl.get("/3").read().text()); // a is left out for fail_timeout
        }
        assertEquals(List.of(name(a.address()) + " next"), failed);
        proxy.close();
        proxy = null;
        failed.clear();
        ScriptedUpstream c = scripted((req, out) -> out.write(
                "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 5\r\n\r\nbad-c".getBytes(StandardCharsets.ISO_8859_1)));
        start(x -> x.upstream(a.address()).upstream(c.address())
                .nextUpstream(ProxyConfig.nextUpstream("error timeout http_502")));
        try (HttpTestClient cl = client()) {
            HttpTestClient.Response r = cl.get("/4").read();
            assertEquals(502, r.status());
            assertEquals("bad-c", r.text(), "the last try's answer as the upstream sent it");
        }
        assertEquals(List.of(name(a.address()) + " next"), failed);
    }

    /**
     * A kept connection the upstream closed under a request is retried on a new connection to the same server,
     * and that is not the server's failure.
     */
    @Test
    void aStaleKeptConnectionIsRetriedOnTheSameServerAndNotCountedAsAFailure() throws Exception {
        ScriptedUpstream a = scripted((req, out) -> {
            if (req.connection() == 1 && req.number() == 2) {
                req.socket().setSoLinger(true, 0);
                req.socket().close();
                return;
            }
            answer("a", out);
        });
        ScriptedUpstream b = named("b");
        start(x -> x.upstream(a.address()).upstream(b.address()));
        StringBuilder order = new StringBuilder();
        try (HttpTestClient cl = client()) {
            for (int i = 0; i < 4; i++) {
                order.append(cl.get("/r" + i).read().text());
            }
        }
        assertEquals("abab", order.toString());
        assertEquals(1, retried.get());
        assertEquals(2, a.accepted());
        assertEquals(1, b.accepted());
        assertEquals(List.of(), failed);
    }

    /** The Host sent is the group's name (nginx's $proxy_host for an upstream block): the first server's, or set. */
    @Test
    void theHostSentUpstreamIsTheGroupsName() throws Exception {
        ScriptedUpstream a = named("a");
        ScriptedUpstream b = named("b");
        start(x -> x.upstream(a.address()).upstream(b.address()));
        try (HttpTestClient cl = client()) {
            cl.get("/1").read();
            cl.get("/2").read();
        }
        assertEquals(name(a.address()), a.nextRequest().header("Host"));
        assertEquals(name(a.address()), b.nextRequest().header("Host"));
        proxy.close();
        proxy = null;
        start(x -> x.upstream(a.address()).upstream(b.address()).upstreamName("backend"));
        try (HttpTestClient cl = client()) {
            cl.get("/3").read();
        }
        ScriptedUpstream.Request r = a.nextRequest();
        assertEquals("backend", r.header("Host"), r.head());
    }
}
