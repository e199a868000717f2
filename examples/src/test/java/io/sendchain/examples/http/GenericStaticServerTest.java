package io.sendchain.examples.http;

/** The static server's protocol, safety and fault tests on the generic platform. */
class GenericStaticServerTest extends StaticServerProtocolTest {

    @Override
    String platform() {
        return "generic";
    }
}
