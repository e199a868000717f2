package io.sendchain.platform.freebsd;

import io.sendchain.platform.freebsd.internal.FreeBsdProbe;
import io.sendchain.spi.Availability;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformOption;
import io.sendchain.spi.PlatformProvider;
import java.util.List;

/** The FreeBSD provider: kqueue and sendfile with headers and trailers, through FFM. Available on FreeBSD only. */
public final class FreeBsdPlatformProvider implements PlatformProvider {

    public FreeBsdPlatformProvider() {
        // the probe does the work, once
    }

    @Override
    public String name() {
        return "freebsd";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Availability probe() {
        return FreeBsdProbe.result();
    }

    /** {@link FreeBsdOptions#ALL}. */
    @Override
    public List<PlatformOption<?>> options() {
        return FreeBsdOptions.ALL;
    }

    @Override
    public Platform create(PlatformConfig config) {
        return FreeBsdProbe.create(config);
    }
}
