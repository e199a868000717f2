package io.sendchain.examples.http;

/**
 * Zero allocation per request on the reverse proxy's kept-alive 4 KiB path, on the linux platform. Its FFM
 * downcalls capture errno through the JDK's call-state check, which slices the capture segment on every call: 40
 * bytes per call whenever C2 does not scalar-replace the slice (as the static path's test found). A proxied 4 KiB
 * request makes five calls (the client's read, the upstream's write, two upstream reads, the client's writev) and
 * a share of epoll_wait: the bound leaves room for those five and the once-a-second Date, as the static test's
 * does. Measured: under 1 byte per request (the upstream connection made again every 1000 requests included).
 * (No generic twin: the NIO platform's gathering write allocates its own ByteBuffer views, about 200 bytes per
 * request, which is the platform's cost, not the proxy's.)
 */
class LinuxReverseProxyAllocationTest extends ReverseProxyAllocationTest {

    @Override
    String platform() {
        return "linux";
    }

    @Override
    double maxBytesPerRequest() {
        return 5 * 40 + 8;
    }
}
