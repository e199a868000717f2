package io.sendchain.examples.http;

/** The reverse proxy end to end on the generic (NIO) platform. */
class GenericReverseProxyTest extends ReverseProxyTest {

    @Override
    String platform() {
        return "generic";
    }
}
