package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zero allocation per request on the static path (issue 14): requests through a real loopback socket, the server's
 * event-loop thread's allocated bytes ({@code com.sun.management.ThreadMXBean}) read around a batch after warm-up,
 * for a cached 4 KiB file (from its descriptor and from memory), a range, HEAD, 304 (If-None-Match, If-Modified-Since), 416 and a cached 404. A new
 * per-request allocation on any of these paths makes it fail.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class StaticServerAllocationTest {

    /** Requests measured per case. */
    private static final int REQUESTS = 10_000;
    /** Requests before measuring: enough for the JIT to compile the path (escape analysis included). */
    private static final int WARMUP = 30_000;

    @TempDir
    Path root;
    StaticServer server;
    SocketChannel client;
    final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);

    /** The platform the server runs on. */
    abstract String platform();

    /**
     * The bound, averaged over {@link #REQUESTS}: what the platform's own calls may allocate per request, plus room
     * for the once-a-second Date. Any object the request path makes per request is at least 16 bytes.
     */
    abstract double maxBytesPerRequest();

    @BeforeEach
    void setUp() throws IOException {
        TestPlatforms.assumeAvailable(platform());
        byte[] content = new byte[4096];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) ('a' + i % 26);
        }
        Files.write(root.resolve("hot.txt"), content);
        start(StaticConfig.FileCache.of(100).withErrors(true));
    }

    private void start(StaticConfig.FileCache cache) throws IOException {
        server = LoopAllocation.unchecked(() -> new StaticServer(StaticConfig.builder().root(root.toRealPath())
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).platform(platform()).workers(1)
                .openFileCache(cache).build()));
        client = SocketChannel.open(server.start());
    }

    @AfterEach
    void tearDown() throws IOException {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aCachedFileAllocatesNothingPerRequest() throws IOException {
        assertZeroAllocation("GET /hot.txt HTTP/1.1\r\nHost: t\r\n\r\n", "HTTP/1.1 200 OK");
    }

    @Test
    void aFileSentFromMemoryAllocatesNothingPerRequest() throws IOException {
        client.close();
        server.close();
        start(StaticConfig.FileCache.of(100).withMemory(1 << 20));
        assertZeroAllocation("GET /hot.txt HTTP/1.1\r\nHost: t\r\n\r\n", "HTTP/1.1 200 OK");
        assertEquals(1, ((StaticServer.StaticWorker) server.workers()[0]).files.memoryFiles(), "sent from memory");
    }

    @Test
    void aRangeOfACachedFileAllocatesNothingPerRequest() throws IOException {
        assertZeroAllocation("GET /hot.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=100-1099\r\n\r\n",
                "HTTP/1.1 206 Partial Content");
    }

    @Test
    void headOfACachedFileAllocatesNothingPerRequest() throws IOException {
        assertZeroAllocation("HEAD /hot.txt HTTP/1.1\r\nHost: t\r\n\r\n", "HTTP/1.1 200 OK");
    }

    @Test
    void notModifiedAllocatesNothingPerRequest() throws IOException {
        String head = exchange("GET /hot.txt HTTP/1.1\r\nHost: t\r\n\r\n");
        String etag = header(head, "ETag");
        String lastModified = header(head, "Last-Modified");
        assertZeroAllocation("GET /hot.txt HTTP/1.1\r\nHost: t\r\nIf-None-Match: W/\"x\", " + etag + "\r\n\r\n",
                "HTTP/1.1 304 Not Modified");
        assertZeroAllocation("GET /hot.txt HTTP/1.1\r\nHost: t\r\nIf-Modified-Since: " + lastModified + "\r\n\r\n",
                "HTTP/1.1 304 Not Modified");
    }

    @Test
    void rangeNotSatisfiableAllocatesNothingPerRequest() throws IOException {
        assertZeroAllocation("GET /hot.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=5000-\r\n\r\n",
                "HTTP/1.1 416 Range Not Satisfiable");
    }

    @Test
    void aCachedNotFoundAllocatesNothingPerRequest() throws IOException {
        assertZeroAllocation("GET /missing.txt HTTP/1.1\r\nHost: t\r\n\r\n", "HTTP/1.1 404 Not Found");
    }

    /**
     * Without the open file cache (the default) each request looks at its file and opens it again: the platform's
     * {@code stat} (no exception for a missing file) and the file ref of the response are what may allocate.
     */
    @Test
    void withoutTheCacheARequestAllocatesNoMoreThanItsFileRef() throws IOException {
        client.close();
        server.close();
        start(null);
        String head = exchange("GET /hot.txt HTTP/1.1\r\nHost: t\r\n\r\n");
        String etag = header(head, "ETag");
        assertAllocation("GET /hot.txt HTTP/1.1\r\nHost: t\r\n\r\n", "HTTP/1.1 200 OK",
                maxBytesPerUncachedRequest());
        assertAllocation("GET /hot.txt HTTP/1.1\r\nHost: t\r\nIf-None-Match: " + etag + "\r\n\r\n",
                "HTTP/1.1 304 Not Modified", maxBytesPerUncachedRequest());
        assertAllocation("GET /missing.txt HTTP/1.1\r\nHost: t\r\n\r\n", "HTTP/1.1 404 Not Found",
                maxBytesPerUncachedRequest());
        assertAllocation("GET /hot.txt/x HTTP/1.1\r\nHost: t\r\n\r\n", "HTTP/1.1 404 Not Found",
                maxBytesPerUncachedRequest());
    }

    /** The bound per request without the open file cache (a file ref and what the platform's stat makes). */
    abstract double maxBytesPerUncachedRequest();

    /** Sends {@code request} many times on one kept-alive connection; the loop thread allocates (almost) nothing. */
    private void assertZeroAllocation(String request, String statusLine) throws IOException {
        assertAllocation(request, statusLine, maxBytesPerRequest());
    }

    private void assertAllocation(String request, String statusLine, double bound) throws IOException {
        String head = exchange(request);
        assertTrue(head.startsWith(statusLine + "\r\n"), head);
        int length = in.position(); // every answer is as long as this one (the Date has a fixed width)
        ByteBuffer req = ByteBuffer.allocateDirect(request.length());
        req.put(request.getBytes(StandardCharsets.ISO_8859_1)).flip();
        LoopAllocation.exchange(client, req, in, length, WARMUP);
        long allocated = LoopAllocation.allocatedDuring(loopThread(), client, req, in, length, REQUESTS);
        double perRequest = (double) allocated / REQUESTS;
        System.out.printf("%s %s: %d bytes over %d requests, %.2f B/request%n", platform(), statusLine, allocated,
                REQUESTS, perRequest);
        assertTrue(perRequest < bound,
                statusLine + ": " + perRequest + " bytes allocated per request on the loop thread");
        assertEquals(statusLine, exchange(request).lines().findFirst().orElseThrow(), "still answering");
    }

    /** One request and its whole answer; returns the head, {@link #in} holds head and body. */
    private String exchange(String request) throws IOException {
        client.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1)));
        in.clear();
        for (;;) {
            if (client.read(in) < 0) {
                throw new IOException("closed");
            }
            String text = text();
            int end = text.indexOf("\r\n\r\n");
            if (end < 0) {
                continue;
            }
            String head = text.substring(0, end + 2);
            String cl = header(head, "Content-Length");
            long body = cl == null || request.startsWith("HEAD") || head.contains(" 304 ") ? 0 : Long.parseLong(cl);
            if (in.position() >= end + 4 + body) {
                assertEquals(end + 4 + body, in.position(), "one answer");
                return head;
            }
        }
    }

    private String text() {
        byte[] b = new byte[in.position()];
        in.duplicate().flip().get(b);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static String header(String head, String name) {
        for (String line : head.split("\r\n")) {
            if (line.regionMatches(true, 0, name + ":", 0, name.length() + 1)) {
                return line.substring(name.length() + 1).trim();
            }
        }
        return null;
    }

    private static long loopThread() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("sendchain-worker"))
                .findFirst().orElseThrow().threadId();
    }
}
