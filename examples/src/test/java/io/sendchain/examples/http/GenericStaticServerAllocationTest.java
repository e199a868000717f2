package io.sendchain.examples.http;

/**
 * Zero allocation per request on the static path, on the generic (NIO) platform: 0.00 to 0.04 bytes per request
 * when this class runs alone. After the rest of the examples' tests shaped the JIT's profiles, a constant 24 bytes
 * per request showed on every path: the JDK's gathering write ({@code SocketChannel.write(ByteBuffer[])}) acquiring
 * the scope of segment-backed buffers ({@code IOUtil.Releaser}, {@code IOUtil.LinkedRunnable}), which C2 then no
 * longer scalar-replaces (JFR, issue 14). Hence a bound of 32: any string, path or file ref the request path would
 * make per request (40 bytes and up; 1.4 KiB before issue 14) still breaks it.
 */
class GenericStaticServerAllocationTest extends StaticServerAllocationTest {

    @Override
    String platform() {
        return "generic";
    }

    @Override
    double maxBytesPerRequest() {
        return 32;
    }

    /**
     * Without the cache, the generic platform looks at files through {@code java.nio.file} (its attributes, a 404's
     * exception): about 1 KB per request, less than before the resolved targets were kept per worker (a 404 made
     * 1.6 KB).
     */
    @Override
    double maxBytesPerUncachedRequest() {
        return 1_200;
    }
}
