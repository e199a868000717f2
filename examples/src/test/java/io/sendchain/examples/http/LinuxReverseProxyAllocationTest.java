package io.sendchain.examples.http;

/**
 * Zero allocation per request on the reverse proxy's kept-alive 4 KiB path, on the linux platform. Its FFM
 * downcalls capture errno through the JDK's call-state check, which slices the capture segment on every call: 40
 * bytes per call whenever C2 does not scalar-replace the slice (as the static path's test found). A proxied 4 KiB
 * request makes four calls (the client's read, the upstream's write, one upstream read for head and body, the
 * client's writev), a share of epoll_wait, and a connect every 1000 requests (keepalive_requests): the bound
 * leaves room for five calls and the once-a-second Date, as the static test's does. Measured 0.7 to 11 bytes a
 * request (the same before issue 15's changes: only the JDK's slice shows in JFR). A String made per request
 * (56 bytes and up) fails it only when C2 also keeps the slices; the bound cannot be tighter without flaking.
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
