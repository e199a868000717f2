package io.sendchain.platform.linux.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.platform.linux.LinuxOptions;
import io.sendchain.platform.linux.LinuxPlatformProvider;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformRegistry;
import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
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

    @Test
    void onTheModulePathTheRegistryListsLinuxsOptionsAndTheirTypedKeysAreExported() throws Exception {
        // a module layer of core, platform-linux and slf4j-api, loaded apart from the test class path
        ModuleFinder finder = ModuleFinder.of(location(PlatformRegistry.class), location(LinuxPlatformProvider.class),
                location(org.slf4j.Logger.class));
        Configuration cf = ModuleLayer.boot().configuration()
                .resolveAndBind(finder, ModuleFinder.of(), Set.of("io.sendchain.core"));
        ModuleLayer layer = ModuleLayer.boot().defineModulesWithOneLoader(cf, ClassLoader.getPlatformClassLoader());
        Module linux = layer.findModule("io.sendchain.platform.linux").orElseThrow();
        assertTrue(linux.isExported("io.sendchain.platform.linux"), "LinuxOptions is API on the module path");
        assertFalse(linux.isExported("io.sendchain.platform.linux.internal"));

        ClassLoader loader = layer.findLoader("io.sendchain.core");
        Class<?> registryClass = loader.loadClass(PlatformRegistry.class.getName());
        Object registry = registryClass.getMethod("load").invoke(null);
        String listing = (String) registryClass.getMethod("describeOptions").invoke(registry);
        assertTrue(listing.contains("linux options:\n  aio.threads") && listing.contains("\n  more.max "), listing);
        List<?> all = (List<?>) loader.loadClass(LinuxOptions.class.getName()).getField("ALL").get(null);
        assertEquals(2, all.size());
    }

    private static Path location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
