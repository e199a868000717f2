package io.sendchain.examples.http;

/** Upstream keep-alive in the reverse proxy on the linux platform; skipped elsewhere. */
class LinuxReverseProxyKeepaliveTest extends ReverseProxyKeepaliveTest {

    @Override
    String platform() {
        return "linux";
    }
}
