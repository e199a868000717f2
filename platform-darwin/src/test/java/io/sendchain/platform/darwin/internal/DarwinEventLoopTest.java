package io.sendchain.platform.darwin.internal;

import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.testkit.EventLoopContract;
import io.sendchain.testkit.FaultPlan;

/** The event-loop contract on the macOS platform: the kqueue driver over the emulated kernel. */
class DarwinEventLoopTest extends EventLoopContract {

    @Override
    protected Platform openPlatform() {
        return new DarwinPlatform(new EmulatedDarwinKernel(FaultPlan.none()), PlatformConfig.defaults());
    }
}
