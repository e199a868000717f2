package io.sendchain.examples.http;

/** The static server's request parsing and body discarding on the generic platform (skipped where unavailable). */
class GenericStaticServerRequestTest extends StaticServerRequestTest {

    @Override
    String platform() {
        return "generic";
    }
}
