package io.sendchain.platform.generic;

import io.sendchain.spi.Availability;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformProvider;

/** The portable provider: always available, lowest priority, chosen when nothing OS-specific fits. */
public final class GenericPlatformProvider implements PlatformProvider {

    static final String NAME = "generic";

    public GenericPlatformProvider() {
        // discovery instantiates every provider; nothing to do
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public Availability probe() {
        return Availability.available("pure Java (NIO Selector, gathering writes, FileChannel.transferTo); "
                + "runs everywhere");
    }

    @Override
    public Platform create(PlatformConfig config) {
        return new GenericPlatform(NioKernel.REAL);
    }
}
