package io.sendchain.platform.darwin;

import io.sendchain.platform.darwin.internal.DarwinProbe;
import io.sendchain.spi.Availability;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformProvider;

/** The macOS provider: kqueue and sendfile with headers and trailers, through FFM. Available on macOS only. */
public final class DarwinPlatformProvider implements PlatformProvider {

    public DarwinPlatformProvider() {
        // the probe does the work, once
    }

    @Override
    public String name() {
        return "darwin";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Availability probe() {
        return DarwinProbe.result();
    }

    @Override
    public Platform create(PlatformConfig config) {
        return DarwinProbe.create(config);
    }
}
