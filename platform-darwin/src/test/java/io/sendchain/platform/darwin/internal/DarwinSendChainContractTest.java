package io.sendchain.platform.darwin.internal;

import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.testkit.FaultPlan;
import io.sendchain.testkit.SendChainContract;

/** The send-chain contract on the macOS platform, through the emulated macOS kernel over loopback. */
class DarwinSendChainContractTest extends SendChainContract {

    @Override
    protected Platform openPlatform(FaultPlan faults) {
        return new DarwinPlatform(new EmulatedDarwinKernel(faults), PlatformConfig.defaults());
    }
}
