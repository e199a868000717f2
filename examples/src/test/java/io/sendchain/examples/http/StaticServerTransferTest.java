package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.spi.PlatformRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Files of edge sizes, a 64 MiB file and a sparse file over 4 GiB, fetched with the JDK's HTTP client and with a
 * slow raw reader, compared by SHA-256: on every available platform, with sendfile on and off (and with the
 * thread pool on linux).
 */
class StaticServerTransferTest {

    private static final long FOUR_GIB = 1L << 32;
    private static Path root;
    private static final Map<String, String> SHA = new LinkedHashMap<>();
    private static final Map<String, Long> SIZE = new LinkedHashMap<>();

    @BeforeAll
    static void makeFiles() throws IOException {
        root = Files.createTempDirectory("sendchain-transfer");
        Random rnd = new Random(20261121);
        for (long size : new long[] {0, 1, 4095, 4096, 4097, (1 << 20) + 3, 64L << 20}) {
            byte[] data = new byte[(int) size];
            rnd.nextBytes(data);
            String name = "f" + size + ".bin";
            Files.write(root.resolve(name), data);
            SHA.put(name, HexFormat.of().formatHex(HttpTestClient.sha256().digest(data)));
            SIZE.put(name, size);
        }
        // sparse: holes everywhere but a few blocks around 2 GiB and 4 GiB
        Path sparse = root.resolve("sparse.bin");
        long sparseSize = FOUR_GIB + (1 << 20) + 7;
        try (FileChannel w = FileChannel.open(sparse, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long at : new long[] {0, (1L << 31) - 5000, (1L << 31) + 123_457, FOUR_GIB - 70_000,
                    sparseSize - 100_000}) {
                byte[] block = new byte[100_000];
                rnd.nextBytes(block);
                w.write(ByteBuffer.wrap(block), at);
            }
        }
        SHA.put("sparse.bin", sha(sparse));
        SIZE.put("sparse.bin", sparseSize);
    }

    @AfterAll
    static void deleteFiles() throws IOException {
        Demo.delete(root);
    }

    private static String sha(Path p) throws IOException {
        MessageDigest md = HttpTestClient.sha256();
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static Stream<Arguments> configs() {
        List<Arguments> list = new ArrayList<>();
        for (PlatformRegistry.Candidate c : PlatformRegistry.load().candidates()) {
            if (!c.available()) {
                continue;
            }
            list.add(Arguments.of(c.name(), true, 0));
            list.add(Arguments.of(c.name(), false, 0));
            if (c.name().equals("linux")) {
                list.add(Arguments.of(c.name(), true, 2));
            }
        }
        return list.stream();
    }

    private static StaticServer start(String platform, boolean sendfile, int aio) throws IOException {
        StaticServer s = new StaticServer(StaticConfig.builder().root(root.toRealPath())
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).platform(platform)
                .sendfile(sendfile).aioThreads(aio).workers(2).build());
        s.start();
        assertEquals(platform, s.platformChoice().name());
        return s;
    }

    @ParameterizedTest(name = "{0} sendfile={1} aio={2}")
    @MethodSource("configs")
    void everyEdgeSizeArrivesIntactThroughTheJdkClient(String platform, boolean sendfile, int aio) throws Exception {
        try (StaticServer s = start(platform, sendfile, aio)) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (Map.Entry<String, String> e : SHA.entrySet()) {
                if (e.getKey().equals("sparse.bin")) {
                    continue;
                }
                URI uri = URI.create("http://127.0.0.1:" + s.address().getPort() + "/" + e.getKey());
                HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(uri).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                assertEquals(200, r.statusCode(), e.getKey());
                MessageDigest md = HttpTestClient.sha256();
                long n = 0;
                try (InputStream in = r.body()) {
                    byte[] buf = new byte[1 << 16];
                    int k;
                    while ((k = in.read(buf)) > 0) {
                        md.update(buf, 0, k);
                        n += k;
                    }
                }
                assertEquals(SIZE.get(e.getKey()), n, e.getKey());
                assertEquals(e.getValue(), HexFormat.of().formatHex(md.digest()), e.getKey());
                assertEquals(Long.toString(SIZE.get(e.getKey())), r.headers().firstValue("content-length").orElseThrow());
            }
            client.close();
        }
    }

    @ParameterizedTest(name = "{0} sendfile={1} aio={2}")
    @MethodSource("configs")
    void aSlowSmallBufferReaderGets64MibIntactOnOneKeepAliveConnection(String platform, boolean sendfile, int aio)
            throws Exception {
        try (StaticServer s = start(platform, sendfile, aio);
                HttpTestClient c = new HttpTestClient(s.address()).readChunk(1500)) {
            c.socket.setReceiveBufferSize(16 * 1024);
            for (String name : new String[] {"f67108864.bin", "f4097.bin", "f0.bin"}) {
                HttpTestClient.Response r = c.get("/" + name).read(false, false);
                assertEquals(200, r.status());
                assertEquals(SHA.get(name), r.sha256(), name);
            }
        }
    }

    @ParameterizedTest(name = "{0} sendfile={1} aio={2}")
    @MethodSource("configs")
    void aSparseFileOver4GibArrivesIntact(String platform, boolean sendfile, int aio) throws Exception {
        try (StaticServer s = start(platform, sendfile, aio); HttpTestClient c = new HttpTestClient(s.address())) {
            c.readChunk(1 << 20);
            HttpTestClient.Response r = c.get("/sparse.bin").read(false, false);
            assertEquals(200, r.status());
            assertEquals(SIZE.get("sparse.bin"), r.length());
            assertEquals(SHA.get("sparse.bin"), r.sha256());
            // and a range that starts above 4 GiB
            HttpTestClient.Response tail = c.get("/sparse.bin", "Range: bytes=" + (FOUR_GIB + 10) + "-").read();
            assertEquals(206, tail.status());
            byte[] want = new byte[(int) (SIZE.get("sparse.bin") - FOUR_GIB - 10)];
            try (FileChannel f = FileChannel.open(root.resolve("sparse.bin"))) {
                f.read(ByteBuffer.wrap(want), FOUR_GIB + 10);
            }
            assertTrue(java.util.Arrays.equals(want, tail.body()), "the range above 4 GiB");
        }
    }
}
