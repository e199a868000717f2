package io.sendchain.examples.http;

/**
 * Zero allocation per request on the static path, on the generic (NIO) platform, whose calls allocate nothing per
 * request once compiled: 0.00 to 0.04 bytes per request when this class runs alone. In the full suite, after
 * other tests shaped the JIT's profiles, a constant 24 bytes per request showed on every path (a small object C2
 * no longer scalar-replaces; its site is not identified yet), hence a bound of 32: any string, path or file ref
 * the request path would make per request (40 bytes and up, 1.4 KiB before issue 14) still breaks it.
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
}
