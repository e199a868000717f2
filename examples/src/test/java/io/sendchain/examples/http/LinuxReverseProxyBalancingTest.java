package io.sendchain.examples.http;

/** Several upstream servers in the reverse proxy on the linux platform; skipped elsewhere. */
class LinuxReverseProxyBalancingTest extends ReverseProxyBalancingTest {

    @Override
    String platform() {
        return "linux";
    }
}
