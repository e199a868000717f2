package io.sendchain.examples.http;

/** The reverse proxy's request and upstream head parsing on the linux platform (skipped where unavailable). */
class LinuxReverseProxyRequestTest extends ReverseProxyRequestTest {

    @Override
    String platform() {
        return "linux";
    }
}
