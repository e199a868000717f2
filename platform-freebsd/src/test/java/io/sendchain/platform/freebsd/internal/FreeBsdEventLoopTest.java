package io.sendchain.platform.freebsd.internal;

import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.testkit.EventLoopContract;
import io.sendchain.testkit.FaultPlan;

/** The event-loop contract on the FreeBSD platform: the kqueue driver over the emulated kernel. */
class FreeBsdEventLoopTest extends EventLoopContract {

    @Override
    protected Platform openPlatform() {
        return new FreeBsdPlatform(new EmulatedFreeBsdKernel(FaultPlan.none(), false), PlatformConfig.defaults());
    }
}
