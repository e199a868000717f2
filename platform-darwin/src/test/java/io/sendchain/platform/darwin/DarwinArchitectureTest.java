package io.sendchain.platform.darwin;

import io.sendchain.testkit.PlatformArchitectureContract;

/** platform-darwin obeys the module rules: FFM only in its internal package, core's API only, no other platform. */
class DarwinArchitectureTest extends PlatformArchitectureContract {

    @Override
    protected String basePackage() {
        return "io.sendchain.platform.darwin";
    }
}
