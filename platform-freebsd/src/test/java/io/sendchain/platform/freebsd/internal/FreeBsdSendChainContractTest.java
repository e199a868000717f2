package io.sendchain.platform.freebsd.internal;

import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.testkit.FaultPlan;
import io.sendchain.testkit.SendChainContract;

/** The send-chain contract on the FreeBSD platform, through the emulated FreeBSD kernel over loopback. */
class FreeBsdSendChainContractTest extends SendChainContract {

    @Override
    protected Platform openPlatform(FaultPlan faults) {
        return new FreeBsdPlatform(new EmulatedFreeBsdKernel(faults, false), PlatformConfig.defaults());
    }
}
