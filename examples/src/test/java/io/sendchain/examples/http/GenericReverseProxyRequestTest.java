package io.sendchain.examples.http;

/** The reverse proxy's request and upstream head parsing on the generic platform (skipped where unavailable). */
class GenericReverseProxyRequestTest extends ReverseProxyRequestTest {

    @Override
    String platform() {
        return "generic";
    }
}
