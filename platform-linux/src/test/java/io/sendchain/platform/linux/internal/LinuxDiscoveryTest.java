package io.sendchain.platform.linux.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.platform.linux.LinuxPlatformProvider;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformRegistry;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** On this Linux machine, with native access enabled for the tests, the linux provider is available and wins. */
class LinuxDiscoveryTest {

    @Test
    void theProbeSaysAvailableWithWhatItUses() {
        var a = new LinuxPlatformProvider().probe();
        assertTrue(a.available(), a.reason());
        assertTrue(a.reason().contains("epoll") && a.reason().contains("sendfile"), a.reason());
    }

    @Test
    void theRegistrySelectsLinuxByPriority() throws IOException {
        PlatformRegistry r = PlatformRegistry.load();
        PlatformRegistry.Choice c = r.choose(PlatformConfig.defaults());
        assertEquals("linux", c.name());
        assertEquals(LinuxPlatformProvider.class.getName(), c.chosen().source());
    }
}
