package io.sendchain.examples.http;

/** The static server's request parsing and body discarding on the linux platform (skipped where unavailable). */
class LinuxStaticServerRequestTest extends StaticServerRequestTest {

    @Override
    String platform() {
        return "linux";
    }
}
