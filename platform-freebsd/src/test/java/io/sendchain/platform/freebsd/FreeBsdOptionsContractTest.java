package io.sendchain.platform.freebsd;

import io.sendchain.spi.PlatformProvider;
import io.sendchain.testkit.PlatformOptionsContract;
import java.util.List;

/** The FreeBSD provider declares the nbytes bug, SF_NODISKIO and TCP_NOPUSH switches, and refuses any other option. */
class FreeBsdOptionsContractTest extends PlatformOptionsContract {

    @Override
    protected PlatformProvider provider() {
        return new FreeBsdPlatformProvider();
    }

    @Override
    protected List<String> expectedOptionNames() {
        return List.of("freebsd.nbytes-bug", "freebsd.nodiskio", "tcp.nopush");
    }
}
