package io.sendchain.platform.freebsd.internal;

import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.testkit.FaultPlan;
import io.sendchain.testkit.SendChainContract;

/** The contract again with the old sendfile whose nbytes counted the headers, and the platform told so. */
class FreeBsdNbytesBugContractTest extends SendChainContract {

    @Override
    protected Platform openPlatform(FaultPlan faults) {
        return new FreeBsdPlatform(new EmulatedFreeBsdKernel(faults, true),
                PlatformConfig.defaults().with(FreeBsdPlatform.NBYTES_BUG, true));
    }
}
