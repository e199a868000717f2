package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.testkit.Seeds;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The reverse proxy's chunked passthrough on Linux: chunk data spliced, framing passed on as the upstream sent it;
 * bodies intact by SHA-256 for fast, slow and stalled clients, truncation, upstream reuse, pipes and descriptors.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReverseProxySpliceChunkedTest {

    static final int KIB = 1024;
    static final int MIB = 1024 * 1024;

    @TempDir
    Path tmp;
    ScriptedUpstream upstream;
    ReverseProxy proxy;
    long descriptorsBefore;
    final ReverseProxyTest.Recorder probe = new ReverseProxyTest.Recorder();

    @BeforeAll
    static void warmUp() throws Exception {
        ReverseProxySpliceTest.warmUp();
    }

    @BeforeEach
    void setUp() throws IOException {
        TestPlatforms.assumeAvailable("linux");
        descriptorsBefore = ReverseProxySpliceTest.pipesAndSockets();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (upstream != null) {
            assertTrue(upstream.awaitOpenConnections(0, 10_000), "the scripted upstream still serves");
            upstream.close();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ReverseProxySpliceTest.pipesAndSockets() > descriptorsBefore && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            Thread.yield();
        }
        assertEquals(descriptorsBefore, ReverseProxySpliceTest.pipesAndSockets(), "pipes or sockets left open");
    }

    // ---------------------------------------------------------------- the upstream's bodies

    /** A response body as the upstream frames it: its data and the wire bytes (framing included). */
    record Chunked(byte[] data, byte[] wire, List<Integer> chunks) {
        /** Where chunk {@code i}'s size line starts on the wire. */
        int sizeLineAt(int i) {
            int at = 0;
            for (int k = 0; k < i; k++) {
                at += Integer.toHexString(chunks.get(k)).length() + 2 + chunks.get(k) + 2;
            }
            return at;
        }
    }

    static Chunked chunked(byte[] data, List<Integer> chunks) {
        ByteArrayOutputStream wire = new ByteArrayOutputStream(data.length + 16 * chunks.size() + 8);
        int at = 0;
        for (int n : chunks) {
            wire.writeBytes(ascii(Integer.toHexString(n) + "\r\n"));
            wire.write(data, at, n);
            wire.writeBytes(ascii("\r\n"));
            at += n;
        }
        wire.writeBytes(ascii("0\r\n\r\n"));
        return new Chunked(data, wire.toByteArray(), chunks);
    }

    /** {@code size} bytes of data from {@code seed}, cut in chunks of 1 B to {@code maxChunk} (log-uniform). */
    static Chunked random(int size, int maxChunk, long seed) {
        Random rnd = new Random(seed);
        byte[] data = new byte[size];
        rnd.nextBytes(data);
        List<Integer> chunks = new ArrayList<>();
        for (int left = size; left > 0; ) {
            int n = (int) Math.min(left, Math.max(1, Math.round(Math.exp(rnd.nextDouble() * Math.log(maxChunk)))));
            chunks.add(n);
            left -= n;
        }
        return chunked(data, chunks);
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Writes {@code wire[from, to)} in pieces of random sizes, so the proxy's reads split it anywhere. */
    static void writeInPieces(java.io.OutputStream out, byte[] wire, int from, int to, Random rnd)
            throws IOException {
        for (int i = from; i < to; ) {
            int n = Math.min(to - i, 1 + rnd.nextInt(rnd.nextBoolean() ? 300 : 256 * KIB));
            out.write(wire, i, n);
            out.flush();
            i += n;
        }
    }

    // ---------------------------------------------------------------- the proxy

    /** A one-worker linux proxy with splice on for any chunk size, and the settings of the test. */
    void start(UnaryOperator<ProxyConfig.Builder> settings) throws IOException {
        proxy = ReverseProxySpliceTest.spliceProxy(upstream.address(), tmp, probe, settings);
    }

    ReverseProxy.ProxyWorker worker() {
        return (ReverseProxy.ProxyWorker) proxy.workers()[0];
    }

    void assertNoPipeLent() throws Exception {
        ReverseProxySpliceTest.assertNoPipeLent(proxy);
    }

    /** Bytes of chunk data the proxy must have spliced at least: all but a buffer's worth of each large chunk. */
    static long splicedAtLeast(List<Chunked> bodies) {
        long sum = 0;
        for (Chunked b : bodies) {
            for (int n : b.chunks()) {
                sum += Math.max(0, n - 64 * KIB);
            }
        }
        return sum;
    }

    // ---------------------------------------------------------------- tests

    /**
     * Responses of 0 B to 3 MiB cut in chunks of 1 B to 1 MiB, on one kept-alive client connection and one
     * kept-alive upstream connection: each arrives whole (de-chunked by the client, SHA-256), the large chunks'
     * data was spliced, and the upstream connection served them all (a complete response leaves it reusable).
     */
    @ParameterizedTest(name = "buffering {0}")
    @ValueSource(booleans = {true, false})
    @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void chunkedBodiesOfEverySizeAndChunkingReachAFastClientIntactOverOneUpstreamConnection(boolean buffering)
            throws Exception {
        long seed = Seeds.seed("ReverseProxySpliceChunkedTest.fast");
        Random rnd = new Random(seed);
        int[] sizes = {0, 1, 1000, 20 * KIB, 64 * KIB, MIB + 7, 3 * MIB};
        int[] maxChunks = {1, 16, 4 * KIB, 64 * KIB, 256 * KIB, MIB};
        List<Chunked> bodies = new ArrayList<>();
        for (int size : sizes) {
            for (int max : maxChunks) {
                // chunk counts the client reads in reasonable time: 1 B chunks for the small bodies only
                if ((double) size * Math.log(Math.max(2, max)) / max <= 4000) {
                    bodies.add(random(size, max, rnd.nextLong()));
                }
            }
        }
        upstream = new ScriptedUpstream((req, out) -> {
            int i = Integer.parseInt(req.head().split(" ")[1].substring(1));
            out.write(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
            writeInPieces(out, bodies.get(i).wire(), 0, bodies.get(i).wire().length, new Random(i));
        }, true);
        start(b -> b.buffering(buffering));
        try (HttpTestClient c = new HttpTestClient(proxy.address())) {
            for (int i = 0; i < bodies.size(); i++) {
                Chunked b = bodies.get(i);
                HttpTestClient.Response r = c.get("/" + i).read(false, false);
                assertEquals(200, r.status());
                assertEquals("chunked", r.header("Transfer-Encoding"));
                assertEquals(b.data().length, r.length(), "body " + i + ", seed " + seed);
                assertEquals(ReverseProxySpliceTest.sha256(b.data()), r.sha256(), "body " + i + ", seed " + seed);
            }
        }
        assertNoPipeLent();
        ReverseProxy.ProxyWorker w = worker();
        long total = bodies.stream().mapToLong(b -> b.data().length).sum();
        long least = splicedAtLeast(bodies);
        assertTrue(least > MIB, "the chunkings include large chunks: " + least);
        assertTrue(w.splicedBytes >= least && w.splicedBytes <= total,
                "spliced " + w.splicedBytes + " of " + total + ", at least " + least + " (seed " + seed + ")");
        assertTrue(w.splicedResponses > 0);
        assertEquals(0, w.spliceFallbacks);
        assertEquals(1, upstream.accepted(), "every response left the upstream connection reusable");
    }

    /**
     * A client that reads slowly through a small socket buffer, and one that reads nothing for a while and then
     * resumes: every byte arrives; a stalled client costs the worker no CPU (it waits, does not spin).
     */
    @ParameterizedTest(name = "buffering {0}")
    @ValueSource(booleans = {true, false})
    @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void slowAndStalledClientsGetEveryChunkIntact(boolean buffering) throws Exception {
        long seed = Seeds.seed("ReverseProxySpliceChunkedTest.slow");
        Random rnd = new Random(seed);
        List<Chunked> bodies = List.of(random(2 * MIB, MIB, rnd.nextLong()), random(300 * KIB, 4 * KIB,
                rnd.nextLong()), random(3 * MIB, 256 * KIB, rnd.nextLong()));
        upstream = new ScriptedUpstream((req, out) -> {
            int i = Integer.parseInt(req.head().split(" ")[1].substring(1));
            out.write(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
            writeInPieces(out, bodies.get(i).wire(), 0, bodies.get(i).wire().length, new Random(i));
        }, true);
        start(b -> b.buffering(buffering).buffers(8, 4096).clientSendBuffer(4096));
        try (HttpTestClient c = new HttpTestClient(proxy.address(), 4096).readChunk(1000)) {
            for (int i = 0; i < bodies.size(); i++) {
                assertEquals(ReverseProxySpliceTest.sha256(bodies.get(i).data()), c.get("/" + i).read(false, false)
                        .sha256(), "slow, body " + i + ", seed " + seed);
            }
        }
        try (HttpTestClient c = new HttpTestClient(proxy.address(), 4096)) {
            c.get("/2");
            // the client reads nothing: the socket and the pipe fill and the worker must wait. The loop thread's
            // CPU time over a second is the evidence (an observation window, not synchronisation)
            Thread loopThread = worker().loop.thread();
            var mx = ManagementFactory.getThreadMXBean();
            long cpu0 = mx.getThreadCpuTime(loopThread.threadId());
            long t0 = System.nanoTime();
            Thread.sleep(1000);
            long cpuMs = (mx.getThreadCpuTime(loopThread.threadId()) - cpu0) / 1_000_000;
            long wallMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(cpuMs < wallMs / 5, "the worker used " + cpuMs + " ms of CPU in " + wallMs + " ms");
            assertEquals(ReverseProxySpliceTest.sha256(bodies.get(2).data()), c.read(false, false).sha256(),
                    "stalled, seed " + seed);
            assertEquals(ReverseProxySpliceTest.sha256(bodies.get(0).data()), c.get("/0").read(false, false)
                    .sha256(), "after the stall, seed " + seed);
        }
        assertNoPipeLent();
        assertTrue(worker().splicedBytes > (buffering ? 0 : 4L * MIB), "spliced " + worker().splicedBytes);
        if (!buffering) {
            assertEquals(0, worker().spliceFallbacks, "unbuffered, the relay goes at the client's pace");
        }
        assertEquals(0, probe.incomplete.get());
    }

    /**
     * The framing reaches the client byte for byte as the upstream wrote it: upper-case sizes with leading zeros,
     * extensions, trailers; and the upstream connection is reused after it.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theUpstreamsFramingReachesTheClientByteForByte() throws Exception {
        byte[] data = new byte[200 * KIB];
        new Random(4).nextBytes(data);
        ByteArrayOutputStream w = new ByteArrayOutputStream();
        w.writeBytes(ascii("0001E ;name=\"v\"\r\n"));
        w.write(data, 0, 30);
        w.writeBytes(ascii("\r\n" + Integer.toHexString(150 * KIB).toUpperCase() + "\t; a=b\r\n"));
        w.write(data, 30, 150 * KIB);
        w.writeBytes(ascii("\r\n" + Integer.toHexString(data.length - 30 - 150 * KIB) + "\r\n"));
        w.write(data, 30 + 150 * KIB, data.length - 30 - 150 * KIB);
        w.writeBytes(ascii("\r\n0;end\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n"));
        byte[] wire = w.toByteArray();
        upstream = new ScriptedUpstream((req, out) -> {
            out.write(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
            writeInPieces(out, wire, 0, wire.length, new Random(5));
        }, true);
        start(b -> b);
        try (RawClient c = new RawClient(proxy.address())) {
            for (int i = 0; i < 3; i++) {
                c.get("/f");
                assertEquals("chunked", c.head().get("transfer-encoding"));
                assertArrayEquals(wire, c.readNBytes(wire.length), "response " + i);
            }
        }
        assertNoPipeLent();
        assertTrue(worker().splicedBytes >= 150 * KIB - 64 * KIB, "spliced " + worker().splicedBytes);
        assertEquals(1, upstream.accepted());
    }

    /**
     * With buffering on, a client that stalls in a large chunk gets the rest through the event pipe, still framed as
     * the upstream framed it, and the upstream is read to its end meanwhile; an upstream that then stops mid-chunk
     * still ends the client connection without a last chunk (what it sent may be cut short, as on the memory path).
     */
    @ParameterizedTest(name = "truncated {0}")
    @ValueSource(booleans = {false, true})
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aStalledClientWithBufferingOnFallsBackToTheEventPipeWithTheUpstreamsFraming(boolean truncated)
            throws Exception {
        byte[] data = new byte[3 * MIB + 100];
        new Random(9).nextBytes(data);
        Chunked b = chunked(data, List.of(100, MIB, 2 * MIB));
        int end = truncated ? b.sizeLineAt(2) + 8 + MIB : b.wire().length;
        upstream = new ScriptedUpstream((req, out) -> {
            out.write(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
            writeInPieces(out, b.wire(), 0, end, new Random(10));
            if (truncated) {
                req.socket().close();
            }
        }, true);
        start(s -> s.buffers(8, 4096).clientSendBuffer(4096));
        try (RawClient c = new RawClient(proxy.address(), 4096)) {
            c.getAndClose("/s");
            assertTrue(probe.upstreamFinished.await(60, TimeUnit.SECONDS), "the upstream was not read to the end");
            assertEquals("chunked", c.head().get("transfer-encoding"));
            byte[] got = c.readToEnd(); // the proxy closes: Connection: close
            assertTrue(probe.ended.await(10, TimeUnit.SECONDS));
            if (truncated) {
                // as on the memory path, what the event pipe still held may be dropped with the close
                assertTrue(got.length <= end, got.length + " > " + end);
                assertArrayEquals(Arrays.copyOf(b.wire(), got.length), got, "a verbatim prefix of the body");
                assertEquals(1, probe.incomplete.get());
            } else {
                assertArrayEquals(b.wire(), got, "the body as the upstream framed it");
                assertEquals(0, probe.incomplete.get());
            }
        }
        assertEquals(1, worker().spliceFallbacks);
        assertNoPipeLent();
    }

    /** Where a truncating upstream stops. */
    enum Cut { MID_DATA, MID_SIZE_LINE, AFTER_SPLICED_DATA, BEFORE_LAST_CHUNK, INSIDE_LAST_CHUNK, MID_TRAILER }

    /**
     * An upstream that closes inside a chunk, a size line, the CRLF after spliced data, or before or inside the
     * last chunk: the client gets a verbatim prefix of the body without a last chunk and then the close; the
     * upstream connection is not kept; pipes and descriptors go back to where they were.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(Cut.class)
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aTruncatedChunkedUpstreamClosesTheClientConnectionWithoutALastChunk(Cut cut) throws Exception {
        byte[] data = new byte[100_000 + 300_000 + 5000 + 700_000];
        new Random(cut.ordinal()).nextBytes(data);
        Chunked b = chunked(data, List.of(100_000, 300_000, 5000, 700_000));
        byte[] full = b.wire();
        byte[] wire = cut == Cut.MID_TRAILER
                ? Arrays.copyOf(Arrays.copyOf(full, full.length - 2), full.length - 2 + 5) : full;
        if (cut == Cut.MID_TRAILER) {
            System.arraycopy(ascii("X-A: "), 0, wire, full.length - 2, 5);
        }
        int end = switch (cut) {
            case MID_DATA -> b.sizeLineAt(1) + 7 + 150_000; // "493e0\r\n" and half of the 300 000
            case MID_SIZE_LINE -> b.sizeLineAt(2) + 2; // the spliced 300 000, its CRLF and the "13" of "1388"
            case AFTER_SPLICED_DATA -> b.sizeLineAt(2) - 1; // the 300 000's data and its CR
            case BEFORE_LAST_CHUNK -> full.length - 5;
            case INSIDE_LAST_CHUNK -> full.length - 2; // "0\r\n" without the blank line
            case MID_TRAILER -> wire.length; // "0\r\nX-A: " and the close
        };
        upstream = new ScriptedUpstream((req, out) -> {
            out.write(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
            writeInPieces(out, wire, 0, end, new Random(7));
            req.socket().close();
        }, true);
        start(b2 -> b2);
        try (RawClient c = new RawClient(proxy.address())) {
            c.get("/t");
            assertEquals("chunked", c.head().get("transfer-encoding"));
            byte[] got = c.readToEnd();
            assertTrue(got.length <= end, cut + ": " + got.length + " > " + end);
            assertArrayEquals(Arrays.copyOf(wire, got.length), got, cut + ": a verbatim prefix of the body");
            assertTrue(got.length <= b.sizeLineAt(4), cut + ": no byte of the last chunk reaches the client, got "
                    + got.length + " of " + b.sizeLineAt(4) + " before it");
            assertTrue(got.length >= 100_000, cut + ": what came before the cut arrives: " + got.length);
        }
        assertTrue(probe.ended.await(10, TimeUnit.SECONDS));
        assertEquals(1, probe.incomplete.get());
        assertTrue(worker().splicedBytes > 0, "spliced " + worker().splicedBytes);
        assertNoPipeLent();
        assertEquals(1, upstream.accepted());
    }

    /** A client socket that reads a response head and then raw body bytes, framing included. */
    static final class RawClient implements AutoCloseable {
        final Socket socket;
        final InputStream in;

        RawClient(InetSocketAddress address) throws IOException {
            this(address, 0);
        }

        /** A client whose socket receive buffer is {@code rcvbuf} bytes (0: the system's). */
        RawClient(InetSocketAddress address, int rcvbuf) throws IOException {
            socket = new HttpTestClient(address, rcvbuf).socket; // its connect and timeouts; read raw here
            in = socket.getInputStream();
        }

        void get(String target) throws IOException {
            socket.getOutputStream().write(ascii("GET " + target + " HTTP/1.1\r\nHost: t\r\n\r\n"));
        }

        /** A request after which the proxy closes the connection. */
        void getAndClose(String target) throws IOException {
            socket.getOutputStream()
                    .write(ascii("GET " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
        }

        /** The head's headers, lower-case names. */
        java.util.Map<String, String> head() throws IOException {
            java.util.Map<String, String> h = new java.util.HashMap<>();
            String status = line();
            assertTrue(status.startsWith("HTTP/1.1 200"), status);
            for (String l = line(); !l.isEmpty(); l = line()) {
                int colon = l.indexOf(':');
                h.put(l.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT), l.substring(colon + 1).trim());
            }
            return h;
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            for (int ch = in.read(); ch != '\n'; ch = in.read()) {
                if (ch < 0) {
                    throw new IOException("closed in a head");
                }
                if (ch != '\r') {
                    sb.append((char) ch);
                }
            }
            return sb.toString();
        }

        byte[] readNBytes(int n) throws IOException {
            return in.readNBytes(n);
        }

        /** Everything up to the server's close (or reset). */
        byte[] readToEnd() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            byte[] buf = new byte[64 * KIB];
            for (;;) {
                int n;
                try {
                    n = in.read(buf);
                } catch (java.net.SocketException e) {
                    return b.toByteArray();
                }
                if (n < 0) {
                    return b.toByteArray();
                }
                b.write(buf, 0, n);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
