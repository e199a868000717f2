package io.sendchain.examples.http;

/** The reverse proxy's request buffering on the generic platform (skipped where unavailable). */
class GenericReverseProxyRequestBufferingTest extends ReverseProxyRequestBufferingTest {

    @Override
    String platform() {
        return "generic";
    }
}
