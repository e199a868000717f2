package io.sendchain.platform.darwin.internal;

import io.sendchain.event.ListenSocket;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.testkit.AcceptContract;
import io.sendchain.testkit.BsdEmulation;
import io.sendchain.testkit.FaultPlan;
import java.util.Arrays;

/** The accept contract on the macOS platform: the kqueue driver over the emulated kernel, EMFILE injected. */
class DarwinAcceptTest extends AcceptContract {

    private EmulatedDarwinKernel kernel;

    @Override
    protected Platform openPlatform() {
        kernel = new EmulatedDarwinKernel(FaultPlan.none());
        return new DarwinPlatform(kernel, PlatformConfig.defaults());
    }

    @Override
    protected boolean failNextAccepts(ListenSocket ls, int count) {
        int[] errors = new int[count];
        Arrays.fill(errors, BsdEmulation.EMFILE);
        kernel.os.injectAcceptErrors(((io.sendchain.spi.posix.PosixListenSocket) ls).fd(), errors);
        return true;
    }
}
