package io.sendchain.examples.http;

/** The reverse proxy's request buffering on the linux platform (skipped where unavailable). */
class LinuxReverseProxyRequestBufferingTest extends ReverseProxyRequestBufferingTest {

    @Override
    String platform() {
        return "linux";
    }
}
