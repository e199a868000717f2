package io.sendchain.platform.linux.internal;

import io.sendchain.event.ListenSocket;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.testkit.AcceptContract;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The accept contract on the linux platform: accept4 on epoll, SO_REUSEPORT; EMFILE injected into accept4. */
class LinuxAcceptTest extends AcceptContract {

    /** accept4 calls still to fail with EMFILE, by listening descriptor. */
    private final Map<Integer, AtomicInteger> failing = new ConcurrentHashMap<>();

    @Override
    protected Platform openPlatform() {
        return new LinuxPlatform(new DelegatingKernel(new Syscalls()) {
            @Override
            public int accept4(int fd, int flags) {
                AtomicInteger left = failing.get(fd);
                if (left != null && left.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    return -Linux.EMFILE;
                }
                return super.accept4(fd, flags);
            }
        }, PlatformConfig.defaults());
    }

    @Override
    protected boolean failNextAccepts(ListenSocket ls, int count) {
        failing.put(((io.sendchain.spi.posix.PosixListenSocket) ls).fd(), new AtomicInteger(count));
        return true;
    }
}
