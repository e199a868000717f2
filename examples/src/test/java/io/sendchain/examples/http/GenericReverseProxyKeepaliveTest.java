package io.sendchain.examples.http;

/** Upstream keep-alive in the reverse proxy on the generic platform. */
class GenericReverseProxyKeepaliveTest extends ReverseProxyKeepaliveTest {

    @Override
    String platform() {
        return "generic";
    }
}
