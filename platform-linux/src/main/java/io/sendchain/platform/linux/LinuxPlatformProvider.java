package io.sendchain.platform.linux;

import io.sendchain.platform.linux.internal.LinuxProbe;
import io.sendchain.spi.Availability;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformOption;
import io.sendchain.spi.PlatformProvider;
import java.util.List;

/**
 * The linux provider: epoll, sendfile with TCP_CORK, thread-pool sendfile, all through FFM. Available on Linux
 * (x86_64, aarch64) when the JVM grants native access to this module.
 */
public final class LinuxPlatformProvider implements PlatformProvider {

    public LinuxPlatformProvider() {
        // discovery instantiates every provider; the probe does the work, once
    }

    @Override
    public String name() {
        return "linux";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Availability probe() {
        return LinuxProbe.result();
    }

    /** {@link LinuxOptions#ALL}. */
    @Override
    public List<PlatformOption<?>> options() {
        return LinuxOptions.ALL;
    }

    @Override
    public Platform create(PlatformConfig config) {
        return LinuxProbe.create(config);
    }
}
