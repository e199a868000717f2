package io.sendchain.platform.linux.internal;

import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.testkit.EventLoopContract;

/** The event-loop contract on the linux platform: epoll, sendfile on the loop thread. */
class LinuxEventLoopTest extends EventLoopContract {

    @Override
    protected Platform openPlatform() {
        return new LinuxPlatform(new Syscalls(), PlatformConfig.defaults());
    }
}
