package io.sendchain.platform.linux.internal;

import io.sendchain.event.Connection;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.testkit.FaultPlan;
import io.sendchain.testkit.SendChainContract;
import java.io.IOException;
import java.net.StandardSocketOptions;

/**
 * The send-chain contract on the linux platform with headers sent by {@code MSG_MORE} before file runs of up to
 * 256 KiB that end a chain (TCP_NODELAY on, as a server sets it), with and without faults.
 */
class LinuxMsgMoreSendChainContractTest extends SendChainContract {

    @Override
    protected Platform openPlatform(FaultPlan faults) {
        return new LinuxPlatform(new FaultyLinuxKernel(new Syscalls(), faults),
                PlatformConfig.defaults().with(LinuxPlatform.MORE_MAX, 256L * 1024));
    }

    @Override
    protected void prepare(Connection c) throws IOException {
        c.stream().setOption(StandardSocketOptions.TCP_NODELAY, true);
    }
}
