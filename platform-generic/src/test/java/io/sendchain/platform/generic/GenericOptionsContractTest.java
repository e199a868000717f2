package io.sendchain.platform.generic;

import io.sendchain.spi.PlatformProvider;
import io.sendchain.testkit.PlatformOptionsContract;
import java.util.List;

/** The generic provider reads no options and refuses any. */
class GenericOptionsContractTest extends PlatformOptionsContract {

    @Override
    protected PlatformProvider provider() {
        return new GenericPlatformProvider();
    }

    @Override
    protected List<String> expectedOptionNames() {
        return List.of();
    }
}
