package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zero allocation per request on the reverse proxy's kept-alive path (issue 15): 4 KiB GETs from one kept-alive
 * client through the proxy (one worker, upstream keep-alive, buffering on: the event pipe) to an upstream on a
 * thread of its own that answers each request with the same 4 KiB response (Content-Length, an nginx-like head);
 * the proxy's event-loop thread's allocated bytes ({@code com.sun.management.ThreadMXBean}) read around a batch
 * after warm-up. A string, map, lambda or boxed value made per request on the path makes it fail.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class ReverseProxyAllocationTest {

    /** Requests measured. */
    private static final int REQUESTS = 10_000;
    /** Requests before measuring: enough for the JIT to compile the path (escape analysis included). */
    private static final int WARMUP = 30_000;
    private static final int BODY = 4096;
    private static final String REQUEST = "GET /4k.bin HTTP/1.1\r\nHost: t\r\nUser-Agent: test\r\n\r\n";

    @TempDir
    Path tmp;
    ServerSocketChannel upstreamListener;
    Thread upstream;
    ReverseProxy proxy;
    SocketChannel client;
    final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);

    /** The platform the proxy runs on. */
    abstract String platform();

    /**
     * The bound, averaged over {@link #REQUESTS}: what the platform's own calls may allocate per request, plus room
     * for the once-a-second Date. Any object the request path makes per request is at least 16 bytes.
     */
    abstract double maxBytesPerRequest();

    @BeforeEach
    void setUp() throws IOException {
        TestPlatforms.assumeAvailable(platform());
        upstreamListener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        upstream = Thread.ofPlatform().daemon().name("test-upstream").start(this::serveUpstream);
        proxy = LoopAllocation.unchecked(() -> new ReverseProxy(ProxyConfig.builder()
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .upstream((InetSocketAddress) upstreamListener.getLocalAddress()).platform(platform())
                .workers(1).tempPath(tmp).build()));
        client = SocketChannel.open(proxy.start());
    }

    @AfterEach
    void tearDown() throws IOException {
        if (client != null) {
            client.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (upstreamListener != null) {
            upstreamListener.close();
        }
        if (upstream != null) {
            upstream.interrupt();
        }
    }

    @Test
    void aKeptAliveGetOf4KiBAllocatesNothingPerRequest() throws IOException {
        String head = exchange();
        assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n"), head);
        int length = in.position(); // every answer is as long as this one (the Date has a fixed width)
        ByteBuffer req = ByteBuffer.allocateDirect(REQUEST.length());
        req.put(REQUEST.getBytes(StandardCharsets.ISO_8859_1)).flip();
        LoopAllocation.exchange(client, req, in, length, WARMUP);
        long allocated = LoopAllocation.allocatedDuring(proxy.workers()[0].loop.thread().threadId(), client, req, in,
                length, REQUESTS);
        double perRequest = (double) allocated / REQUESTS;
        System.out.printf("%s proxy 4 KiB GET: %d bytes over %d requests, %.2f B/request%n", platform(), allocated,
                REQUESTS, perRequest);
        assertTrue(perRequest < maxBytesPerRequest(),
                perRequest + " bytes allocated per request on the proxy's loop thread");
        // keepalive_requests (1000 by default) ends each upstream connection after its thousandth request
        int requests = WARMUP + REQUESTS + 2;
        assertTrue(upstreamConnections <= requests / 1000 + 1,
                upstreamConnections + " upstream connections for " + requests + " requests");
        assertTrue(exchange().startsWith("HTTP/1.1 200 OK\r\n"), "still answering");
    }

    /** One request and its whole answer; returns the head, {@link #in} holds head and body. */
    private String exchange() throws IOException {
        client.write(ByteBuffer.wrap(REQUEST.getBytes(StandardCharsets.ISO_8859_1)));
        in.clear();
        for (;;) {
            if (client.read(in) < 0) {
                throw new IOException("closed");
            }
            byte[] b = new byte[in.position()];
            in.duplicate().flip().get(b);
            String text = new String(b, StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            if (end >= 0 && in.position() >= end + 4 + BODY) {
                assertEquals(end + 4 + BODY, in.position(), "one answer");
                return text.substring(0, end + 2);
            }
        }
    }

    /** Upstream connections accepted (written by the upstream thread, read after the requests it answered). */
    volatile int upstreamConnections;

    /**
     * The upstream: one connection at a time (the proxy keeps one), each request (its head ends in an empty line;
     * the proxy sends GETs without a body) answered with the same head, nginx's shape, and 4 KiB.
     */
    private void serveUpstream() {
        byte[] body = new byte[BODY];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) i;
        }
        byte[] head = ("HTTP/1.1 200 OK\r\nServer: upstream\r\nDate: Thu, 26 Nov 2026 12:00:00 GMT\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Length: " + BODY + "\r\n"
                + "Last-Modified: Thu, 26 Nov 2026 11:00:00 GMT\r\nConnection: keep-alive\r\n"
                + "ETag: \"6926f0a0-1000\"\r\nAccept-Ranges: bytes\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer response = ByteBuffer.allocateDirect(head.length + BODY).put(head).put(body).flip();
        ByteBuffer req = ByteBuffer.allocateDirect(16 * 1024);
        try {
            for (;;) {
                try (SocketChannel s = upstreamListener.accept()) {
                    upstreamConnections++;
                    req.clear();
                    int matched = 0; // bytes of "\r\n\r\n" seen in a row
                    for (;;) {
                        int n = s.read(req);
                        if (n < 0) {
                            break;
                        }
                        req.flip();
                        while (req.hasRemaining()) {
                            byte c = req.get();
                            matched = c == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : c == '\r' ? 1 : 0;
                            if (matched == 4) {
                                matched = 0;
                                response.rewind();
                                while (response.hasRemaining()) {
                                    s.write(response);
                                }
                            }
                        }
                        req.clear();
                    }
                }
            }
        } catch (IOException e) {
            // the listener closed: the test is over
        }
    }
}
