package io.sendchain.examples.http;

/** The connection economy tests on the linux platform (skipped where unavailable). */
class LinuxConnectionEconomyTest extends ConnectionEconomyTest {

    @Override
    String platform() {
        return "linux";
    }
}
