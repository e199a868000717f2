package io.sendchain.examples.http;

/**
 * Zero allocation per request on the static path, on the generic (NIO) platform, whose calls allocate nothing per
 * request once compiled: the strict bound, which any per-request object of the request path breaks.
 */
class GenericStaticServerAllocationTest extends StaticServerAllocationTest {

    @Override
    String platform() {
        return "generic";
    }

    @Override
    double maxBytesPerRequest() {
        return 8;
    }
}
