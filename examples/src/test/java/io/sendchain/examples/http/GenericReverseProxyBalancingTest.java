package io.sendchain.examples.http;

/** Several upstream servers in the reverse proxy on the generic platform. */
class GenericReverseProxyBalancingTest extends ReverseProxyBalancingTest {

    @Override
    String platform() {
        return "generic";
    }
}
