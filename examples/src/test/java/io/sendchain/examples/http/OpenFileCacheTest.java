package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.buf.FileRef;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * nginx's open_file_cache in the static server: descriptors shared by a worker's responses, revalidation after
 * valid (the root and symlink checks included), replaced and deleted files, eviction past max, inactive, min_uses,
 * cached errors, and the descriptors it holds accounted for. Real files; the clock is the {@code now} handed in.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OpenFileCacheTest {

    private static final Path FDS = Path.of("/proc/self/fd");

    @TempDir
    Path tmp;
    Path root;
    int opened;
    final List<FileRef> refs = new ArrayList<>();
    OpenFileCache cache;
    StaticServer server;
    /** The lookups' platform, as a server's: the best one here ({@code Platform.stat} as a worker calls it). */
    Platform platform;

    @BeforeEach
    void setUp() throws IOException {
        platform = PlatformRegistry.load().open(PlatformConfig.defaults());
        root = Files.createDirectories(tmp.resolve("root")).toRealPath();
        Files.writeString(root.resolve("a.txt"), "first");
        Files.writeString(root.resolve("b.txt"), "bee");
        Files.writeString(root.resolve("c.txt"), "sea");
        Files.writeString(tmp.resolve("secret.txt"), "outside the root");
    }

    @AfterEach
    void tearDown() throws IOException {
        for (FileRef r : refs) {
            r.close();
        }
        if (cache != null) {
            cache.close();
        }
        if (server != null) {
            server.close();
        }
        platform.close();
    }

    private OpenFileCache cache(StaticConfig.FileCache settings) {
        cache = new OpenFileCache(new FileLookup(root, false, platform), p -> {
            opened++;
            return FileRef.open(p);
        }, settings);
        return cache;
    }

    private FileRef open(OpenFileCache.Entry e) throws IOException {
        FileRef r = cache.open(e);
        refs.add(r);
        return r;
    }

    private static String read(FileRef r) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) r.size());
        while (b.hasRemaining() && r.channel().read(b, b.position()) > 0) {
            // positional reads, as the output chain makes them
        }
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }

    private static void replace(Path file, String content) throws IOException {
        Path fresh = file.resolveSibling(file.getFileName() + ".new");
        Files.writeString(fresh, content);
        Files.move(fresh, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static long fds() throws IOException {
        try (var s = Files.list(FDS)) {
            return s.count();
        }
    }

    @Test
    void responsesOfAWorkerShareOneDescriptorEachWithItsOwnFileRef() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(FDS));
        long before = fds();
        cache(StaticConfig.FileCache.of(10));
        Path a = root.resolve("a.txt");
        FileRef first = open(cache.lookup(a, 0));
        FileRef second = open(cache.lookup(a, 1));
        assertNotSame(first, second, "each response has its own ref (its own thread-pool read slot)");
        assertEquals(1, opened, "one open for both responses");
        assertEquals(1, cache.descriptors());
        assertEquals(1, cache.hits());
        assertEquals("first", read(first));
        first.close();
        assertEquals("first", read(second), "closing one response's ref leaves the shared descriptor open");
        second.close();
        assertEquals(1, cache.descriptors(), "cached: kept open with no response using it");
        assertEquals(before + 1, fds(), "the cache's descriptor is the only one more");
        assertEquals("first", read(open(cache.lookup(a, 2))));
        assertEquals(1, opened);
        refs.forEach(OpenFileCacheTest::closeQuietly);
        cache.close();
        assertEquals(0, cache.descriptors());
        assertEquals(before, fds(), "closing the cache closes its descriptors");
    }

    @Test
    void aResultIsTrustedUntilValidThenTheFileSystemIsAskedAgain() throws IOException {
        cache(StaticConfig.FileCache.of(10).withValidMillis(1000));
        Path b = root.resolve("b.txt");
        assertEquals(3, cache.lookup(b, 0).found().attrs().size());
        Files.writeString(b, "a longer bee");
        assertEquals(3, cache.lookup(b, 999).found().attrs().size(), "within valid: the cached stat");
        assertEquals(12, cache.lookup(b, 1000).found().attrs().size(), "after valid: stat again");
        assertEquals(1, cache.invalidations());
    }

    @Test
    void aFileReplacedWhileCachedIsServedNewAfterRevalidationAndTheOldDescriptorClosesWithItsLastResponse()
            throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(FDS));
        long before = fds();
        cache(StaticConfig.FileCache.of(10).withValidMillis(100));
        Path a = root.resolve("a.txt");
        FileRef sending = open(cache.lookup(a, 0));
        replace(a, "second version");
        assertEquals("first", read(open(cache.lookup(a, 50))), "within valid: the cached descriptor");
        OpenFileCache.Entry e = cache.lookup(a, 100);
        assertEquals(14, e.found().attrs().size());
        FileRef fresh = open(e);
        assertEquals("second version", read(fresh), "after valid: the new file");
        assertEquals(2, opened);
        assertEquals(2, cache.descriptors(), "the old descriptor stays while responses still send from it");
        assertEquals("first", read(sending), "a response under way finishes from the file it started");
        refs.remove(fresh);
        refs.forEach(OpenFileCacheTest::closeQuietly);
        refs.clear();
        assertEquals(1, cache.descriptors(), "the old descriptor closed with its last response");
        assertEquals(before + 1, fds());
        fresh.close();
        cache.close();
        assertEquals(before, fds(), "no descriptor leaked");
    }

    @Test
    void aFileReplacedByOneOfTheSameSizeAndTimeIsToldApartByItsIdentity() throws IOException {
        cache(StaticConfig.FileCache.of(10).withValidMillis(100));
        Path a = root.resolve("a.txt");
        FileTime mtime = Files.getLastModifiedTime(a);
        FileRef sending = open(cache.lookup(a, 0));
        Path fresh = a.resolveSibling("a.txt.new");
        Files.writeString(fresh, "FIRST"); // as long as "first", and as old
        Files.setLastModifiedTime(fresh, mtime);
        Files.move(fresh, a, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        assertEquals(0, cache.invalidations());
        OpenFileCache.Entry e = cache.lookup(a, 100);
        assertEquals(1, cache.invalidations(), "the same size and time, another file: " + e.found().attrs().fileKey());
        assertEquals("FIRST", read(open(e)));
        assertEquals("first", read(sending));
        cache.lookup(a, 200);
        assertEquals(1, cache.invalidations(), "the same file again: nothing to invalidate");
    }

    @Test
    void aFileDeletedWhileCachedIsNotFoundAfterRevalidationWithoutLeakingItsDescriptor() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(FDS));
        long before = fds();
        cache(StaticConfig.FileCache.of(10).withValidMillis(100));
        Path a = root.resolve("a.txt");
        FileRef sending = open(cache.lookup(a, 0));
        Files.delete(a);
        assertEquals(0, cache.lookup(a, 99).found().status(), "within valid: still the cached result");
        OpenFileCache.Entry e = cache.lookup(a, 100);
        assertEquals(404, e.found().status());
        assertEquals(0, cache.entries(), "errors off: the error is not kept");
        assertEquals("first", read(sending));
        assertEquals(1, cache.descriptors());
        sending.close();
        assertEquals(0, cache.descriptors());
        assertEquals(before, fds(), "the deleted file's descriptor closed with its last response");
    }

    @Test
    void pastMaxTheLeastRecentlyUsedEntryIsEvictedAndItsDescriptorClosesOnceUnused() throws IOException {
        cache(StaticConfig.FileCache.of(2));
        Path a = root.resolve("a.txt");
        Path b = root.resolve("b.txt");
        Path c = root.resolve("c.txt");
        FileRef aRef = open(cache.lookup(a, 0));
        open(cache.lookup(b, 1)).close();
        cache.lookup(a, 2); // a is now the most recently used: b goes first
        open(cache.lookup(c, 3)).close();
        assertEquals(2, cache.entries());
        assertEquals(1, cache.evictions());
        assertEquals(2, cache.descriptors(), "a and c; b's closed with its entry (no response held it)");
        cache.lookup(b, 4); // evicts a, still held by a response
        assertEquals(2, cache.evictions());
        assertEquals(2, cache.descriptors(), "a's stays open while its response sends from it");
        assertEquals("first", read(aRef));
        aRef.close();
        assertEquals(1, cache.descriptors(), "a's closed with its last response");
        assertEquals(2, cache.entries());
    }

    @Test
    void errorsAreCachedOnlyWhenAsked() throws IOException {
        Path late = root.resolve("late.txt");
        cache(StaticConfig.FileCache.of(10).withValidMillis(1000));
        assertEquals(404, cache.lookup(late, 0).found().status());
        Files.writeString(late, "here now");
        assertEquals(0, cache.lookup(late, 1).found().status(), "errors off: a missing file is looked at again");
        cache.close();
        Files.delete(late);

        cache(StaticConfig.FileCache.of(10).withValidMillis(1000).withErrors(true));
        assertEquals(404, cache.lookup(late, 0).found().status());
        Files.writeString(late, "here now");
        assertEquals(404, cache.lookup(late, 999).found().status(), "errors on: the 404 is kept until valid");
        assertEquals(0, cache.lookup(late, 1000).found().status());
    }

    @Test
    void anEntryUnusedForInactiveGoesAtTheNextLookup() throws IOException {
        cache(StaticConfig.FileCache.of(10).withInactiveMillis(500));
        open(cache.lookup(root.resolve("a.txt"), 0)).close();
        assertEquals(1, cache.descriptors());
        cache.lookup(root.resolve("b.txt"), 500);
        assertEquals(1, cache.expirations());
        assertEquals(1, cache.entries());
        assertEquals(0, cache.descriptors());
    }

    @Test
    void belowMinUsesEachResponseOpensItsOwnDescriptor() throws IOException {
        cache(StaticConfig.FileCache.of(10).withMinUses(3));
        Path a = root.resolve("a.txt");
        open(cache.lookup(a, 0)).close();
        open(cache.lookup(a, 1)).close();
        assertEquals(0, cache.descriptors());
        assertEquals(2, opened);
        FileRef shared = open(cache.lookup(a, 2));
        open(cache.lookup(a, 3)).close();
        assertEquals(1, cache.descriptors());
        assertEquals(3, opened, "from the third use on, one shared descriptor");
        assertNotNull(OpenFileCache.descriptor(cache.lookup(a, 4)));
        shared.close();
    }

    // ------------------------------------------------------------ through the server, on loopback

    private StaticServer start(StaticConfig.FileCache settings) throws IOException {
        server = new StaticServer(StaticConfig.builder().root(root)
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).workers(1).status(true)
                .openFileCache(settings).build());
        server.start();
        return server;
    }

    @Test
    void aCachedPathThatBecomesASymlinkOutOfTheRootStopsBeingServedAtRevalidation() throws IOException {
        start(StaticConfig.FileCache.of(10).withValidMillis(0)); // every request revalidates: no waiting
        Path a = root.resolve("a.txt");
        try (HttpTestClient c = new HttpTestClient(server.address())) {
            assertEquals("first", c.get("/a.txt").read().text());
            assertEquals("first", c.get("/a.txt").read().text());
            Files.delete(a);
            Files.createSymbolicLink(a, tmp.resolve("secret.txt"));
            assertEquals(403, c.get("/a.txt").read().status());
        }
    }

    @Test
    void theStatusPageCountsTheCacheAndTheServerLeaksNoDescriptor() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(FDS));
        serveAndCount(false); // the first round loads what the JDK opens lazily (class path jars, ...)
        long before = fds();
        serveAndCount(true);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (fds() > before && System.nanoTime() < deadline) {
            // a closed NIO channel's descriptor goes when its selector next wakes: a bounded wait, not a sleep
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
        }
        assertEquals(before, fds(), "every descriptor closed with the server");
    }

    private void serveAndCount(boolean check) throws Exception {
        start(StaticConfig.FileCache.of(10));
        long started = fds();
        try (HttpTestClient c = new HttpTestClient(server.address())) {
            for (int i = 0; i < 20; i++) {
                assertEquals("first", c.get("/a.txt").read().text());
                assertEquals("bee", c.get("/b.txt").read().text());
            }
            assertEquals(404, c.get("/none.txt").read().status());
            String status = c.get(AbstractHttpSession.STATUS_PATH).read().text();
            assertTrue(status.contains("open_file_cache.entries 2\n"), status);
            assertTrue(status.contains("open_file_cache.descriptors 2\n"), status);
            assertTrue(status.contains("open_file_cache.misses 3\n"), status);
            assertTrue(status.contains("open_file_cache.hits 38\n"), status);
            assertEquals(2, server.cachedDescriptors());
            if (check) {
                // the connection's two ends (client and server are in this process); the rest is the cache's
                assertEquals(started + 2 + server.cachedDescriptors(), fds());
            }
        }
        assertTrue(server.awaitOpenConnections(0, 10_000));
        server.close();
        server = null;
    }

    @ParameterizedTest(name = "sendfile {0}")
    @ValueSource(booleans = {true, false})
    void concurrentThreadPoolTransfersShareOneDescriptorAndEachGetsEveryByte(boolean sendfile) throws Exception {
        byte[] big = new byte[4 << 20];
        long seed = Long.getLong("sendchain.seed", System.nanoTime());
        System.out.println("concurrentThreadPoolTransfersShareOneDescriptor: seed " + seed
                + " (replay with -Dsendchain.seed=" + seed + ")");
        new java.util.Random(seed).nextBytes(big);
        Files.write(root.resolve("big.bin"), big);
        String want = java.util.HexFormat.of().formatHex(HttpTestClient.sha256().digest(big));
        server = new StaticServer(StaticConfig.builder().root(root)
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).workers(1).aioThreads(2)
                .sendfile(sendfile).openFileCache(StaticConfig.FileCache.of(10)).build());
        server.start();
        List<HttpTestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                HttpTestClient c = new HttpTestClient(server.address());
                clients.add(c);
                c.get("/big.bin"); // all four requested before any is read: their transfers overlap
            }
            for (HttpTestClient c : clients) {
                assertEquals(want, c.read(false, true).sha256());
            }
            assertEquals(1, server.cachedDescriptors(), "one descriptor for the four responses");
        } finally {
            for (HttpTestClient c : clients) {
                c.close();
            }
        }
        assertTrue(server.awaitOpenConnections(0, 10_000));
    }

    // ---------------------------------------------------------------- contents in memory (--open-file-cache-memory)

    private static String text(OpenFileCache.Content ct) {
        return new String(ct.bytes().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    @Test
    void aSmallFileIsReadIntoMemoryOnceAndEveryResponseSendsFromThoseBytes() throws IOException {
        cache(StaticConfig.FileCache.of(10).withMemory(1024));
        Path a = root.resolve("a.txt");
        OpenFileCache.Content first = cache.content(cache.lookup(a, 0));
        OpenFileCache.Content second = cache.content(cache.lookup(a, 1));
        assertNotNull(first);
        assertTrue(first == second, "one copy for every response");
        assertEquals("first", text(first));
        assertEquals(0, opened, "no descriptor for a file served from memory");
        assertEquals(5, cache.memoryBytes());
        assertEquals(1, cache.memoryFiles());
        assertEquals(2, cache.memoryHits());
        first.close();
        second.close();
    }

    @Test
    void aFileOverThePerFileLimitOrWithMemoryOffIsNotKeptInMemory() throws IOException {
        cache(StaticConfig.FileCache.of(10).withMemory(1024).withMemoryMaxFile(4));
        assertEquals(null, cache.content(cache.lookup(root.resolve("a.txt"), 0)), "5 bytes > 4");
        assertNotNull(cache.content(cache.lookup(root.resolve("b.txt"), 0)));
        cache.close();
        cache(StaticConfig.FileCache.of(10));
        assertEquals(null, cache.content(cache.lookup(root.resolve("b.txt"), 0)), "memory off by default");
        assertEquals(0, cache.memoryBytes());
    }

    @Test
    void aChangedFileIsReadAgainAfterValidAndTheOldBytesAreFreedWithTheirLastResponse() throws IOException {
        cache(StaticConfig.FileCache.of(10).withMemory(1024).withValidMillis(1000));
        Path a = root.resolve("a.txt");
        OpenFileCache.Content sending = cache.content(cache.lookup(a, 0));
        replace(a, "second version");
        OpenFileCache.Content within = cache.content(cache.lookup(a, 999));
        assertEquals("first", text(within), "within valid: the bytes read before");
        within.close();
        OpenFileCache.Content fresh = cache.content(cache.lookup(a, 1000));
        assertEquals("second version", text(fresh), "after valid: the new file's bytes");
        assertTrue(sending.bytes().scope().isAlive(), "a response under way keeps the old bytes");
        assertEquals(5 + 14, cache.memoryBytes(), "both copies count until the old one is freed");
        sending.close();
        assertTrue(!sending.bytes().scope().isAlive(), "the old bytes freed with their last response");
        assertEquals(14, cache.memoryBytes());
        fresh.close();
    }

    @Test
    void theMemoryBoundIsKeptByDroppingTheLeastRecentlyUsedContents() throws IOException {
        cache(StaticConfig.FileCache.of(10).withMemory(8));
        OpenFileCache.Content a = cache.content(cache.lookup(root.resolve("a.txt"), 0)); // 5 bytes
        a.close();
        OpenFileCache.Content b = cache.content(cache.lookup(root.resolve("b.txt"), 1)); // 3 bytes: 8 in all
        b.close();
        assertEquals(8, cache.memoryBytes());
        OpenFileCache.Content c = cache.content(cache.lookup(root.resolve("c.txt"), 2)); // a, the oldest, goes
        assertEquals("sea", text(c));
        assertEquals(6, cache.memoryBytes());
        assertEquals(2, cache.memoryFiles());
        assertEquals(1, cache.memoryEvictions());
        assertTrue(!a.bytes().scope().isAlive(), "the evicted content's memory is freed");
        assertTrue(b.bytes().scope().isAlive());
        c.close();
    }

    @Test
    void aContentStillSentIsNotFreedToMakeRoomAndTheBoundHolds() throws IOException {
        cache(StaticConfig.FileCache.of(10).withMemory(8));
        OpenFileCache.Content a = cache.content(cache.lookup(root.resolve("a.txt"), 0)); // 5 bytes, held
        OpenFileCache.Content b = cache.content(cache.lookup(root.resolve("b.txt"), 1)); // 3 bytes
        b.close();
        Path d = root.resolve("d.txt");
        Files.writeString(d, "dee!");
        assertEquals(null, cache.content(cache.lookup(d, 2)), "4 more bytes do not fit while a is sent");
        assertTrue(cache.memoryBytes() <= 8, "bound: " + cache.memoryBytes());
        assertTrue(a.bytes().scope().isAlive(), "a response still sends from it");
        a.close();
        assertTrue(!a.bytes().scope().isAlive(), "detached for room, freed with its last response");
    }

    @Test
    void closingTheCacheFreesEveryContentNoResponseHolds() throws IOException {
        cache(StaticConfig.FileCache.of(10).withMemory(1024));
        OpenFileCache.Content a = cache.content(cache.lookup(root.resolve("a.txt"), 0));
        a.close();
        OpenFileCache.Content b = cache.content(cache.lookup(root.resolve("b.txt"), 0));
        cache.close();
        assertTrue(!a.bytes().scope().isAlive(), "freed at close");
        assertTrue(b.bytes().scope().isAlive(), "held by a response");
        assertEquals(3, cache.memoryBytes());
        b.close();
        assertTrue(!b.bytes().scope().isAlive());
        assertEquals(0, cache.memoryBytes());
        assertEquals(0, cache.memoryFiles());
    }

    @Test
    void theServerSendsASmallFileFromMemoryAndANewVersionAfterValid() throws Exception {
        Path a = root.resolve("a.txt");
        server = new StaticServer(StaticConfig.builder().root(root)
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).workers(1).status(true)
                .openFileCache(StaticConfig.FileCache.of(10).withMemory(64 * 1024).withValidMillis(0)).build());
        server.start();
        try (HttpTestClient c = new HttpTestClient(server.address())) {
            for (int i = 0; i < 5; i++) {
                assertEquals("first", c.get("/a.txt").read().text());
            }
            HttpTestClient.Response r = c.get("/a.txt", "Range: bytes=1-3").read();
            assertEquals(206, r.status());
            assertEquals("irs", r.text());
            replace(a, "second version");
            assertEquals("second version", c.get("/a.txt").read().text(), "valid 0: looked at again, read again");
            String status = c.get(AbstractHttpSession.STATUS_PATH).read().text();
            assertTrue(status.contains("open_file_cache.memory_files 1\n"), status);
            assertTrue(status.contains("open_file_cache.memory_bytes 14\n"), status);
            assertTrue(status.contains("open_file_cache.memory_hits 7\n"), status);
            assertTrue(status.contains("open_file_cache.descriptors 0\n"), "no descriptor kept: " + status);
        }
        assertTrue(server.awaitOpenConnections(0, 10_000));
    }

    private static void closeQuietly(FileRef r) {
        try {
            r.close();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
