package io.sendchain.platform.archfixturea;

import io.sendchain.testkit.Seeds;

/** Planted violation: main code depending on core's test kit, which is not core's exported API. */
public class UsesTestkit {
    public long seed() {
        return Seeds.seed("x");
    }
}
