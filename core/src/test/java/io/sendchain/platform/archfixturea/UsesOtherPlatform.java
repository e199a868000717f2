package io.sendchain.platform.archfixturea;

import io.sendchain.platform.archfixtureb.PlatformB;

/** Planted violation: one platform depending on another. */
public class UsesOtherPlatform {
    public Object other() {
        return new PlatformB();
    }
}
