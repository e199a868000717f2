package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The static server's HTTP behaviour, its safety rules, its timeouts and its fault handling; subclassed once per
 * platform.
 */
abstract class StaticServerProtocolTest {

    /** The platform this run uses; the test is skipped if it is not available here. */
    abstract String platform();

    @TempDir
    Path tmp;
    Path root;
    byte[] big;
    StaticServer server;

    @BeforeEach
    void setUp() throws IOException {
        TestPlatforms.assumeAvailable(platform());
        root = Files.createDirectories(tmp.resolve("root")).toRealPath();
        Files.writeString(root.resolve("hello.txt"), "hello, world\n");
        Files.writeString(root.resolve("page.html"), "<p>hi</p>");
        Files.createDirectories(root.resolve("dir"));
        Files.writeString(root.resolve("dir/index.html"), "index of dir");
        Files.createDirectories(root.resolve("empty-dir"));
        big = new byte[8 << 20];
        new Random(7).nextBytes(big);
        Files.write(root.resolve("big.bin"), big);
        Files.writeString(tmp.resolve("secret.txt"), "outside the root");
        Files.createSymbolicLink(root.resolve("escape.txt"), tmp.resolve("secret.txt"));
        Files.createSymbolicLink(root.resolve("inside.txt"), root.resolve("hello.txt"));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** The open file cache the suite runs with: off, unless a subclass runs it with the cache on. */
    StaticConfig.FileCache openFileCache() {
        return null;
    }

    StaticServer start(StaticConfig.Builder b) throws IOException {
        if (b.openFileCache() == null) {
            b.openFileCache(openFileCache());
        }
        server = new StaticServer(b.root(root).listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .platform(platform()).workers(1).build());
        server.start();
        return server;
    }

    StaticServer start() throws IOException {
        return start(StaticConfig.builder());
    }

    HttpTestClient client() throws IOException {
        return new HttpTestClient(server.address());
    }

    @Nested
    class Responses {

        @Test
        void getAnswersWithTheFileAndNginxsHeaders() throws IOException {
            start();
            try (HttpTestClient c = client()) {
                HttpTestClient.Response r = c.get("/hello.txt").read();
                assertEquals(200, r.status());
                assertEquals("hello, world\n", r.text());
                assertEquals("text/plain", r.header("Content-Type"));
                assertEquals("13", r.header("Content-Length"));
                assertEquals("bytes", r.header("Accept-Ranges"));
                assertTrue(r.header("ETag").matches("\"[0-9a-f]+-d\""), r.header("ETag"));
                assertTrue(r.header("Last-Modified").endsWith(" GMT"), r.header("Last-Modified"));
                assertEquals("keep-alive", r.header("Connection"));
            }
        }

        @Test
        void headAnswersWithTheHeadersOnlyAndTheConnectionStaysUsable() throws IOException {
            start();
            try (HttpTestClient c = client()) {
                c.send("HEAD /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
                HttpTestClient.Response head = c.read(true, true);
                assertEquals(200, head.status());
                assertEquals(Integer.toString(big.length), head.header("Content-Length"));
                // no body bytes came: the next response starts right away
                assertEquals("hello, world\n", c.get("/hello.txt").read().text());
            }
        }

        @Test
        void aMatchingEtagOrAnUnchangedDateAnswers304WithoutABody() throws IOException {
            start();
            try (HttpTestClient c = client()) {
                HttpTestClient.Response first = c.get("/hello.txt").read();
                HttpTestClient.Response byTag = c.get("/hello.txt", "If-None-Match: " + first.header("ETag")).read();
                assertEquals(304, byTag.status());
                assertEquals(first.header("ETag"), byTag.header("ETag"));
                HttpTestClient.Response byDate =
                        c.get("/hello.txt", "If-Modified-Since: " + first.header("Last-Modified")).read();
                assertEquals(304, byDate.status());
                HttpTestClient.Response changed = c.get("/hello.txt", "If-None-Match: \"other\"").read();
                assertEquals(200, changed.status());
                HttpTestClient.Response old = c.get("/hello.txt",
                        "If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT").read();
                assertEquals(200, old.status());
            }
        }

        @Test
        void singleRangesAnswer206AndOutOfRangeAnswers416() throws IOException {
            start();
            try (HttpTestClient c = client()) {
                HttpTestClient.Response r = c.get("/big.bin", "Range: bytes=4096-8191").read();
                assertEquals(206, r.status());
                assertEquals("bytes 4096-8191/" + big.length, r.header("Content-Range"));
                assertArrayEquals(java.util.Arrays.copyOfRange(big, 4096, 8192), r.body());
                HttpTestClient.Response suffix = c.get("/big.bin", "Range: bytes=-3").read();
                assertArrayEquals(java.util.Arrays.copyOfRange(big, big.length - 3, big.length), suffix.body());
                HttpTestClient.Response open = c.get("/hello.txt", "Range: bytes=7-").read();
                assertEquals("world\n", open.text());
                HttpTestClient.Response beyond = c.get("/hello.txt", "Range: bytes=13-").read();
                assertEquals(416, beyond.status());
                assertEquals("bytes */13", beyond.header("Content-Range"));
                HttpTestClient.Response multi = c.get("/hello.txt", "Range: bytes=0-1,3-4").read();
                assertEquals(200, multi.status(), "several ranges: the whole file");
                HttpTestClient.Response stale = c.get("/hello.txt", "Range: bytes=0-1", "If-Range: \"stale\"").read();
                assertEquals(200, stale.status(), "If-Range that does not match: the whole file");
            }
        }

        @Test
        void pipelinedRequestsAreAnsweredInOrder() throws IOException {
            start();
            try (HttpTestClient c = client()) {
                c.send("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"
                        + "GET /page.html HTTP/1.1\r\nHost: x\r\n\r\n"
                        + "HEAD /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"
                        + "GET /dir/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                assertEquals("hello, world\n", c.read().text());
                assertEquals("<p>hi</p>", c.read().text());
                assertEquals("13", c.read(true, true).header("Content-Length"));
                HttpTestClient.Response last = c.read();
                assertEquals("index of dir", last.text());
                assertEquals("close", last.header("Connection"));
                assertTrue(c.closedByServer());
            }
        }

        @Test
        void directoriesRedirectToTheirSlashServeTheirIndexAndAreForbiddenWithout() throws IOException {
            start();
            try (HttpTestClient c = client()) {
                HttpTestClient.Response redirect = c.get("/dir").read();
                assertEquals(301, redirect.status());
                assertEquals("/dir/", redirect.header("Location"));
                assertEquals("index of dir", c.get("/dir/").read().text());
                assertEquals(403, c.get("/empty-dir/").read().status());
                assertEquals(404, c.get("/nothing-here").read().status());
                // the root itself: its index, or 403 without one (its parent is outside the root, as it should be)
                assertEquals(403, c.get("/").read().status());
                Files.writeString(root.resolve("index.html"), "the root's index");
                assertEquals("the root's index", c.get("/").read().text());
            }
        }

        @Test
        void http10ClosesUnlessAskedToKeepAlive() throws IOException {
            start();
            try (HttpTestClient c = client()) {
                c.send("GET /hello.txt HTTP/1.0\r\n\r\n");
                assertEquals("close", c.read().header("Connection"));
                assertTrue(c.closedByServer());
            }
            try (HttpTestClient c = client()) {
                c.send("GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
                assertEquals("keep-alive", c.read().header("Connection"));
                assertEquals(200, c.get("/hello.txt").read().status());
            }
        }

        @Test
        void aRequestBodyIsDiscardedAndTheNextRequestStillParses() throws IOException {
            start();
            try (HttpTestClient c = client()) {
                c.send("GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde"
                        + "GET /page.html HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals(200, c.read().status());
                assertEquals("<p>hi</p>", c.read().text());
            }
        }
    }

    @Nested
    class BadInput {

        private int status(String raw) throws IOException {
            try (HttpTestClient c = client()) {
                return c.send(raw).read().status();
            }
        }

        @Test
        void pathsThatClimbAboveTheRootAreRefused() throws IOException {
            start();
            assertEquals(400, status("GET /../secret.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
            assertEquals(400, status("GET /dir/../../secret.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
            assertEquals(400, status("GET /%2e%2e/secret.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
            assertEquals(400, status("GET /%2E%2E%2Fsecret.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
            assertEquals(400, status("GET /..%2fsecret.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
            assertEquals(200, status("GET /dir/../hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"), "inside the root is fine");
        }

        @Test
        void nulBytesAndBadEscapesAreRefused() throws IOException {
            start();
            assertEquals(400, status("GET /hello.txt%00.html HTTP/1.1\r\nHost: x\r\n\r\n"));
            assertEquals(400, status("GET /hello%zz HTTP/1.1\r\nHost: x\r\n\r\n"));
            assertEquals(400, status("GET /%c3%28 HTTP/1.1\r\nHost: x\r\n\r\n"));
        }

        @Test
        void symlinksLeavingTheRootAreForbiddenUnlessAllowed() throws IOException {
            start();
            assertEquals(403, status("GET /escape.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
            assertEquals(200, status("GET /inside.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
            server.close();
            start(StaticConfig.builder().symlinksOutsideRoot(true));
            assertEquals(200, status("GET /escape.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
        }

        @Test
        void directoryLinksLeavingTheRootAreForbiddenTooForEveryFileUnderThem() throws IOException {
            Path outside = Files.createDirectories(tmp.resolve("outside"));
            Files.writeString(outside.resolve("secret.txt"), "outside the root");
            Files.writeString(outside.resolve("index.html"), "an index outside the root");
            Files.createSymbolicLink(root.resolve("out"), outside);
            Files.createSymbolicLink(root.resolve("alias"), root.resolve("dir"));
            start();
            for (int i = 0; i < 2; i++) { // the second time from the worker's resolved targets and checked dirs
                assertEquals(403, status("GET /out/secret.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
                assertEquals(403, status("GET /out/ HTTP/1.1\r\nHost: x\r\n\r\n"));
                assertEquals(403, status("GET /out/index.html HTTP/1.1\r\nHost: x\r\n\r\n"));
                assertEquals(200, status("GET /alias/index.html HTTP/1.1\r\nHost: x\r\n\r\n"));
                assertEquals(200, status("GET /alias/ HTTP/1.1\r\nHost: x\r\n\r\n"));
            }
            server.close();
            start(StaticConfig.builder().symlinksOutsideRoot(true));
            assertEquals(200, status("GET /out/secret.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
            assertEquals(200, status("GET /out/ HTTP/1.1\r\nHost: x\r\n\r\n"));
        }

        @Test
        void aMissingFileAPathThroughAFileAndATooLongNameAreNotFound() throws IOException {
            start();
            for (int i = 0; i < 2; i++) {
                assertEquals(404, status("GET /missing.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
                assertEquals(404, status("GET /hello.txt/x HTTP/1.1\r\nHost: x\r\n\r\n"));
                assertEquals(404, status("GET /" + "n".repeat(300) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
                assertEquals(403, status("GET /empty-dir/ HTTP/1.1\r\nHost: x\r\n\r\n"));
            }
        }

        @Test
        void garbageRequestLinesAre400AndTheConnectionIsClosed() throws IOException {
            start();
            try (HttpTestClient c = client()) {
                HttpTestClient.Response r = c.send("HELLO THERE\r\n\r\n").read();
                assertEquals(400, r.status());
                assertEquals("close", r.header("Connection"));
                assertTrue(c.closedByServer());
            }
            assertEquals(400, status("GET /hello.txt HTTP/1.1\r\n\r\n"), "HTTP/1.1 without Host");
            assertEquals(400, status("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n"));
            assertEquals(400, status("GET /hello.txt HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n"));
            assertEquals(400, status("GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n"));
            assertEquals(505, status("GET /hello.txt HTTP/2.0\r\nHost: x\r\n\r\n"));
        }

        @Test
        void otherMethodsAre405WithAllow() throws IOException {
            start();
            try (HttpTestClient c = client()) {
                HttpTestClient.Response r = c.send("POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
                        .read();
                assertEquals(405, r.status());
                assertEquals("GET, HEAD", r.header("Allow"));
            }
        }

        @Test
        void aLongHeadMovesToALargeBufferAndAnOverlongRequestLineIs414() throws IOException {
            start(); // client_header_buffer_size 1k, large_client_header_buffers 4 8k
            assertEquals(200, status("GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(6000)
                    + "\r\nX-Big2: " + "c".repeat(6000) + "\r\n\r\n"), "a 12k head grows past one large buffer");
            assertEquals(404, status("GET /" + "a".repeat(3000) + " HTTP/1.1\r\nHost: x\r\n\r\n"),
                    "a 3k request line fits a large buffer (the file name is too long: not found, as nginx)");
            assertEquals(414, status("GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n"),
                    "a request line longer than one large buffer");
            assertEquals(431, status("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(33_000) + "\r\n\r\n"),
                    "a head longer than all large buffers");
        }

        @Test
        void anOverlongRequestLineIs414AndTooManyOrTooBigHeadersAre431() throws IOException {
            start(StaticConfig.builder().headerBufferSize(1024).largeHeaderBuffers(1, 1024).maxHeaders(10));
            assertEquals(414, status("GET /" + "a".repeat(2000) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
            assertEquals(431, status("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(2000) + "\r\n\r\n"));
            StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
            for (int i = 0; i < 11; i++) {
                many.append("X-").append(i).append(": y\r\n");
            }
            assertEquals(431, status(many.append("\r\n").toString()));
        }

        @Test
        void anUnreadableFileIs403() throws IOException {
            Path locked = root.resolve("locked.txt");
            Files.writeString(locked, "no");
            locked.toFile().setReadable(false, false);
            Assumptions.assumeFalse(Files.isReadable(locked), "running as root: permissions are not enforced");
            start();
            assertEquals(403, status("GET /locked.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
        }
    }

    @Nested
    class Faults {

        @Test
        void aSlowHeaderIsAnsweredWith408AndClosed() throws IOException {
            start(StaticConfig.builder().headerTimeoutMillis(300));
            try (HttpTestClient c = client()) {
                c.send("GET /hello.txt HTTP/1.1\r\nHo");
                HttpTestClient.Response r = c.read();
                assertEquals(408, r.status());
                assertTrue(c.closedByServer());
            }
        }

        @Test
        void anIdleKeepAliveConnectionIsClosedAfterTheKeepaliveTimeout() throws IOException {
            start(StaticConfig.builder().keepaliveTimeoutMillis(300));
            try (HttpTestClient c = client()) {
                assertEquals(200, c.get("/hello.txt").read().status());
                assertTrue(c.closedByServer(), "closed without a response once idle too long");
            }
        }

        @Test
        void aReaderThatStopsReadingIsClosedAfterTheSendTimeout() throws Exception {
            start(StaticConfig.builder().clientSendTimeoutMillis(300));
            try (HttpTestClient c = client()) {
                c.socket.setReceiveBufferSize(4096);
                c.get("/big.bin");
                // never read: the server's send times out and it closes the connection
                assertTrue(server.awaitOpenConnections(0, 10_000), "the stalled connection was closed");
            }
        }

        @Test
        void clientsThatAbortMidTransferAreClosedAndTheServerGoesOnWithoutLeakingDescriptors() throws Exception {
            start();
            Path fds = Path.of("/proc/self/fd");
            Assumptions.assumeTrue(Files.isDirectory(fds));
            // counted before any connection: a closed NIO channel's descriptor goes only when its selector next wakes
            long before = count(fds);
            try (HttpTestClient warm = client()) {
                assertEquals(200, warm.get("/big.bin").read(false, false).status());
            }
            assertTrue(server.awaitOpenConnections(0, 10_000));
            for (int i = 0; i < 20; i++) {
                HttpTestClient c = client();
                c.socket.setReceiveBufferSize(8192);
                c.get("/big.bin");
                c.socket.getInputStream().readNBytes(1000 + i * 100);
                c.socket.setSoLinger(true, 0);
                c.close(); // reset mid-response
            }
            try (HttpTestClient c = client()) {
                HttpTestClient.Response r = c.get("/big.bin").read(false, false);
                assertEquals(HexFormat.of().formatHex(HttpTestClient.sha256().digest(big)), r.sha256());
            }
            assertTrue(server.awaitOpenConnections(0, 10_000), "every aborted connection was closed");
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
            // the open file cache's descriptors (big.bin's) are its own, shown by its counters, not a leak
            long cached = server.cachedDescriptors();
            while (count(fds) > before + cached && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
            }
            assertEquals(before + cached, count(fds), "descriptors before and after 20 aborted transfers (and "
                    + cached + " the open file cache holds), within 5 s");
        }

        @Test
        void aFileTruncatedWhileBeingSentClosesTheConnectionAndTheServerGoesOn() throws Exception {
            start();
            // bigger than the socket buffers of both ends, so most of it is still to be sent when it shrinks
            byte[] victimBytes = new byte[64 << 20];
            Path victim = root.resolve("victim.bin");
            Files.write(victim, victimBytes);
            long got;
            try (HttpTestClient c = client()) {
                c.get("/victim.bin");
                byte[] head = c.socket.getInputStream().readNBytes(4096);
                assertTrue(new String(head, java.nio.charset.StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 200"));
                try (FileChannel w = FileChannel.open(victim, StandardOpenOption.WRITE)) {
                    w.truncate(100_000);
                }
                got = head.length;
                try {
                    got += c.socket.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                } catch (java.net.SocketException reset) {
                    // a reset also ends it
                }
            }
            assertTrue(got < victimBytes.length, "the response was cut short, not completed: " + got);
            assertTrue(server.awaitOpenConnections(0, 10_000), "the server closed the connection");
            try (HttpTestClient c = client()) {
                assertEquals(200, c.get("/hello.txt").read().status());
            }
        }

        @Test
        void theRateLimitHoldsTheTransferBack() throws IOException {
            start(StaticConfig.builder().limitRate(200 * 1024).limitRateAfter(0));
            try (HttpTestClient c = client()) {
                long t0 = System.nanoTime();
                HttpTestClient.Response r = c.get("/big.bin", "Range: bytes=0-307199").read(false, false);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(206, r.status());
                // 300 KiB at 200 KiB/s: the first second's allowance goes at once, the rest takes about 0.5 s
                assertTrue(ms >= 400, "took " + ms + " ms");
            }
        }

        @Test
        void sendfileOffWithTinyOutputBuffersStillDeliversEveryByte() throws IOException {
            start(StaticConfig.builder().sendfile(false).outputBuffers(3, 1000));
            try (HttpTestClient c = client()) {
                HttpTestClient.Response r = c.get("/big.bin").read(false, false);
                assertEquals(HexFormat.of().formatHex(HttpTestClient.sha256().digest(big)), r.sha256());
            }
        }
    }

    private static long count(Path fds) throws IOException {
        try (var s = Files.list(fds)) {
            return s.count();
        }
    }
}
