package io.sendchain.platform.generic;

import io.sendchain.spi.Platform;
import io.sendchain.testkit.FaultPlan;
import io.sendchain.testkit.SendChainContract;

/** The send-chain contract on the generic platform: real NIO, and NIO behind a fault-injecting kernel. */
class GenericSendChainContractTest extends SendChainContract {

    @Override
    protected Platform openPlatform(FaultPlan faults) {
        return new GenericPlatform(new FaultyNioKernel(faults));
    }
}
