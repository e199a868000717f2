package io.sendchain.examples.http;

/** The connection economy tests on the generic platform (skipped where unavailable). */
class GenericConnectionEconomyTest extends ConnectionEconomyTest {

    @Override
    String platform() {
        return "generic";
    }
}
