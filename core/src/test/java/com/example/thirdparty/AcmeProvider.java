package com.example.thirdparty;

import io.sendchain.spi.Availability;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformProvider;

/** A third party's provider, outside sendchain's packages: available, middling priority. */
public final class AcmeProvider implements PlatformProvider {

    @Override
    public String name() {
        return "acme";
    }

    @Override
    public int priority() {
        return 50;
    }

    @Override
    public Availability probe() {
        return Availability.available("acme transport probed fine");
    }

    @Override
    public Platform create(PlatformConfig config) {
        throw new UnsupportedOperationException("the registry tests never create a platform");
    }
}
