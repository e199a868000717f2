package io.sendchain.examples.bench;

import io.sendchain.examples.http.StaticConfig;
import io.sendchain.examples.http.StaticPathHarness;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The static server's request path in steady state (issue 14): one op is one request on a kept-alive connection,
 * received from memory, parsed, routed through the open file cache, answered (head written, file buf handed to
 * the send chain, taken whole without being read), and the connection back to idle. Run with {@code -prof gc}: the
 * goal is 0 B/op for every case a client can ask for again and again, with the open file cache.
 *
 * <ul>
 *   <li>{@code hit}: a cached 4 KiB file, 200.</li>
 *   <li>{@code range}: a range of it, 206.</li>
 *   <li>{@code notModified}: If-None-Match with its tag, 304.</li>
 *   <li>{@code ims}: If-Modified-Since with its date, 304.</li>
 *   <li>{@code unsatisfiable}: a range past its end, 416.</li>
 *   <li>{@code notFound}: a missing file with {@code --open-file-cache-errors on}, 404.</li>
 *   <li>{@code badPath}: a path above the root, 400; the connection closes, so each op connects again (the
 *       harness's new {@code Connection} is in the figure).</li>
 * </ul>
 *
 * <p>{@code cache=on} (the figures above) is the server with {@code --open-file-cache max=1000} and errors cached,
 * {@code cache=errors-off} the same without caching errors;
 * {@code cache=off} is the default configuration, where each request looks at its file again and opens it for a
 * 200 (measured, not a goal: docs/BENCHMARKS.md).
 *
 * <p>Usage: {@code examples/bin/jmh StaticPathBenchmark -prof gc} ({@code -p cache=on} for the cached path only)
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m", "--enable-native-access=ALL-UNNAMED"})
public class StaticPathBenchmark {

    @Param({"hit", "range", "notModified", "ims", "unsatisfiable", "notFound", "badPath"})
    public String request;

    /**
     * The open file cache: {@code on} (max 1000, errors cached), {@code errors-off} (max 1000, errors not cached:
     * nginx's default {@code open_file_cache_errors off}, so a 404 looks at the file system again) or {@code off}
     * (the default configuration).
     */
    @Param({"on", "errors-off", "off"})
    public String cache;

    private Path root;
    private Arena arena;
    private StaticPathHarness harness;
    private MemorySegment head;

    @Setup
    public void setUp() throws IOException {
        root = Files.createTempDirectory("sendchain-bench").toRealPath();
        Path hot = root.resolve("hot.txt");
        Files.write(hot, new byte[4096]);
        long mtime = Files.getLastModifiedTime(hot).toMillis() / 1000;
        String etag = "\"" + Long.toHexString(mtime) + "-" + Long.toHexString(4096) + "\"";
        String lastModified = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME
                .format(java.time.Instant.ofEpochSecond(mtime).atZone(java.time.ZoneOffset.UTC));
        String text = switch (request) {
            case "hit" -> "GET /hot.txt HTTP/1.1\r\nHost: bench\r\n\r\n";
            case "range" -> "GET /hot.txt HTTP/1.1\r\nHost: bench\r\nRange: bytes=100-1099\r\n\r\n";
            case "notModified" -> "GET /hot.txt HTTP/1.1\r\nHost: bench\r\nIf-None-Match: " + etag + "\r\n\r\n";
            case "ims" -> "GET /hot.txt HTTP/1.1\r\nHost: bench\r\nIf-Modified-Since: " + lastModified + "\r\n\r\n";
            case "unsatisfiable" -> "GET /hot.txt HTTP/1.1\r\nHost: bench\r\nRange: bytes=5000-\r\n\r\n";
            case "notFound" -> "GET /missing.txt HTTP/1.1\r\nHost: bench\r\n\r\n";
            case "badPath" -> "GET /../secret HTTP/1.1\r\nHost: bench\r\n\r\n";
            default -> throw new IllegalArgumentException("request: " + request);
        };
        arena = Arena.ofConfined();
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        head = arena.allocate(bytes.length);
        MemorySegment.copy(bytes, 0, head, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
        harness = new StaticPathHarness(root, switch (cache) {
            case "on" -> StaticConfig.FileCache.of(1000).withErrors(true);
            case "errors-off" -> StaticConfig.FileCache.of(1000);
            case "off" -> null;
            default -> throw new IllegalArgumentException("cache: " + cache);
        });
    }

    @TearDown
    public void tearDown() throws IOException {
        harness.close();
        arena.close();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Benchmark
    public long request() {
        return harness.request(head);
    }
}
