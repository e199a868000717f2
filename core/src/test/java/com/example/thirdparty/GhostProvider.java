package com.example.thirdparty;

import io.sendchain.spi.Availability;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformProvider;

/** A provider for an OS this is not: highest priority, unavailable with a reason. */
public final class GhostProvider implements PlatformProvider {

    @Override
    public String name() {
        return "ghost";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Availability probe() {
        return Availability.unavailable("needs GhostOS; this is " + System.getProperty("os.name"));
    }

    @Override
    public Platform create(PlatformConfig config) {
        throw new UnsupportedOperationException("unavailable providers are never created");
    }
}
