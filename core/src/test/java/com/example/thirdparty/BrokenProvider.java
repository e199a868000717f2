package com.example.thirdparty;

import io.sendchain.spi.Availability;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformProvider;

/** A provider whose jar is broken: its constructor fails. */
public final class BrokenProvider implements PlatformProvider {

    public BrokenProvider() {
        throw new IllegalStateException("missing native library acme-broken");
    }

    @Override
    public String name() {
        return "broken";
    }

    @Override
    public int priority() {
        return 1000;
    }

    @Override
    public Availability probe() {
        return Availability.available("never reached");
    }

    @Override
    public Platform create(PlatformConfig config) {
        throw new UnsupportedOperationException();
    }
}
