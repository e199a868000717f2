package io.sendchain.platform.darwin;

import io.sendchain.spi.PlatformProvider;
import io.sendchain.testkit.PlatformOptionsContract;
import java.util.List;

/** The darwin provider reads no options and refuses any. */
class DarwinOptionsContractTest extends PlatformOptionsContract {

    @Override
    protected PlatformProvider provider() {
        return new DarwinPlatformProvider();
    }

    @Override
    protected List<String> expectedOptionNames() {
        return List.of();
    }
}
