package io.sendchain.platform.generic;

import io.sendchain.spi.Platform;
import io.sendchain.testkit.EventLoopContract;

/** The event-loop contract on the generic platform (NIO Selector driver). */
class GenericEventLoopTest extends EventLoopContract {

    @Override
    protected Platform openPlatform() {
        return new GenericPlatform(NioKernel.REAL);
    }
}
