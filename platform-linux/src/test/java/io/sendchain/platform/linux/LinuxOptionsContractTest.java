package io.sendchain.platform.linux;

import io.sendchain.spi.PlatformProvider;
import io.sendchain.testkit.PlatformOptionsContract;
import java.util.List;

/** The linux provider declares aio.threads and more.max, and refuses any other option. */
class LinuxOptionsContractTest extends PlatformOptionsContract {

    @Override
    protected PlatformProvider provider() {
        return new LinuxPlatformProvider();
    }

    @Override
    protected List<String> expectedOptionNames() {
        return List.of("aio.threads", "more.max");
    }
}
