package io.sendchain.examples.bench;

import io.sendchain.examples.http.ProxyHeadHarness;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The reverse proxy's byte work on heads per request (issue 15): {@code response} parses the head nginx sends for
 * a static file and copies its header lines to the client's head less the hop-by-hop ones; {@code request} parses
 * wrk's request head and copies it for the upstream. Run with {@code -prof gc}: both are 0 B/op.
 *
 * <p>Usage: {@code examples/bin/jmh ProxyHeadBenchmark -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m", "--enable-native-access=ALL-UNNAMED"})
public class ProxyHeadBenchmark {

    /** What nginx 1.22 sends for a 4 KiB file. */
    static final String RESPONSE = "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Thu, 26 Nov 2026 23:10:00 GMT\r\n"
            + "Content-Type: application/octet-stream\r\nContent-Length: 4096\r\n"
            + "Last-Modified: Thu, 26 Nov 2026 22:57:47 GMT\r\nConnection: keep-alive\r\n"
            + "ETag: \"6a67958b-1000\"\r\nAccept-Ranges: bytes\r\n\r\n";
    /** What wrk sends. */
    static final String REQUEST = "GET /4k.bin HTTP/1.1\r\nHost: 127.0.0.1:18105\r\n\r\n";

    private ProxyHeadHarness response;
    private ProxyHeadHarness request;

    @Setup
    public void setUp() {
        response = new ProxyHeadHarness(RESPONSE);
        request = new ProxyHeadHarness(REQUEST);
        if (response.response() < 0 || request.request() < 0) {
            throw new IllegalStateException("a head did not parse");
        }
    }

    @TearDown
    public void tearDown() {
        response.close();
        request.close();
    }

    @Benchmark
    public long response() {
        return response.response();
    }

    @Benchmark
    public long request() {
        return request.request();
    }
}
