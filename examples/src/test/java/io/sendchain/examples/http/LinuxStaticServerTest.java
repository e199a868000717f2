package io.sendchain.examples.http;

/** The static server's protocol, safety and fault tests on the linux platform (skipped where unavailable). */
class LinuxStaticServerTest extends StaticServerProtocolTest {

    @Override
    String platform() {
        return "linux";
    }
}
