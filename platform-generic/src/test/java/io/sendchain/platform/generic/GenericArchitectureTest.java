package io.sendchain.platform.generic;

import io.sendchain.testkit.PlatformArchitectureContract;

/** platform-generic obeys the module rules. */
class GenericArchitectureTest extends PlatformArchitectureContract {

    @Override
    protected String basePackage() {
        return "io.sendchain.platform.generic";
    }
}
