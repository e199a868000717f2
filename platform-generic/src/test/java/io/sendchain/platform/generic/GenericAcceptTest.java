package io.sendchain.platform.generic;

import io.sendchain.event.ListenSocket;
import io.sendchain.spi.Platform;
import io.sendchain.testkit.AcceptContract;

/**
 * The accept contract on the generic platform: SO_REUSEPORT through NIO. NIO's accept has no seam for injecting
 * EMFILE; the examples' descriptor-exhaustion test runs the generic platform out of descriptors for real.
 */
class GenericAcceptTest extends AcceptContract {

    @Override
    protected Platform openPlatform() {
        return new GenericPlatform(NioKernel.REAL);
    }

    @Override
    protected boolean failNextAccepts(ListenSocket ls, int count) {
        return false;
    }
}
