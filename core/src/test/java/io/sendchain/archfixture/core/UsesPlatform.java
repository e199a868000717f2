package io.sendchain.archfixture.core;

import io.sendchain.platform.archfixturea.PlatformA;

/** Planted violation: core naming a platform class. */
public class UsesPlatform {
    public Object platform() {
        return new PlatformA();
    }
}
