package io.sendchain.platform.linux;

import io.sendchain.testkit.PlatformArchitectureContract;

/** platform-linux obeys the module rules: FFM only in its internal package, core's API only. */
class LinuxArchitectureTest extends PlatformArchitectureContract {

    @Override
    protected String basePackage() {
        return "io.sendchain.platform.linux";
    }
}
