package io.sendchain.platform.freebsd;

import io.sendchain.testkit.PlatformArchitectureContract;

/** platform-freebsd obeys the module rules: FFM only in its internal package, core's API only, no other platform. */
class FreeBsdArchitectureTest extends PlatformArchitectureContract {

    @Override
    protected String basePackage() {
        return "io.sendchain.platform.freebsd";
    }
}
