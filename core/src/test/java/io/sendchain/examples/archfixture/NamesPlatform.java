package io.sendchain.examples.archfixture;

import io.sendchain.platform.archfixturea.PlatformA;

/** Planted violation: an example naming a platform class instead of asking the SPI. */
public class NamesPlatform {
    public Object platform() {
        return new PlatformA();
    }
}
