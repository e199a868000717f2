package io.sendchain.platform.linux.internal;

import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.testkit.FaultPlan;
import io.sendchain.testkit.SendChainContract;

/** The send-chain contract on the linux platform: the real kernel through FFM, with and without faults. */
class LinuxSendChainContractTest extends SendChainContract {

    @Override
    protected Platform openPlatform(FaultPlan faults) {
        return new LinuxPlatform(new FaultyLinuxKernel(new Syscalls(), faults), PlatformConfig.defaults());
    }
}
