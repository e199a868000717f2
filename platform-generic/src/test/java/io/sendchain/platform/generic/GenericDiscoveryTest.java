package io.sendchain.platform.generic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformRegistry;
import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The generic provider is found by ServiceLoader on the class path and on the module path. */
class GenericDiscoveryTest {

    @Test
    void onTheClassPathTheServicesFileMakesGenericAvailableAndChosen() throws IOException {
        PlatformRegistry registry = PlatformRegistry.load();
        PlatformRegistry.Choice choice = registry.choose(PlatformConfig.defaults().withPlatform("generic"));
        assertEquals(GenericPlatformProvider.class.getName(), choice.chosen().source());
        assertTrue(choice.chosen().available());
        try (Platform p = registry.open(PlatformConfig.defaults().withPlatform("generic"))) {
            assertEquals("generic", p.name());
        }
    }

    @Test
    void theListingOnThisMachineShowsEveryProviderWithAReason() throws IOException {
        PlatformRegistry registry = PlatformRegistry.load();
        String listing = registry.describe(registry.choose(PlatformConfig.defaults()));
        for (PlatformRegistry.Candidate c : registry.candidates()) {
            assertTrue(!c.availability().reason().isBlank(), "a reason for " + c.name());
            assertTrue(listing.contains(c.name()), listing);
        }
        assertTrue(listing.contains("generic") && listing.contains("runs everywhere"), listing);
    }

    @Test
    void onTheModulePathTheProvidesClauseMakesGenericAvailable() throws Exception {
        // a module layer of core, platform-generic and slf4j-api, loaded apart from the test class path
        ModuleFinder finder = ModuleFinder.of(location(PlatformRegistry.class), location(GenericPlatformProvider.class),
                location(org.slf4j.Logger.class));
        Configuration cf = ModuleLayer.boot().configuration()
                .resolveAndBind(finder, ModuleFinder.of(), Set.of("io.sendchain.core"));
        ModuleLayer layer = ModuleLayer.boot().defineModulesWithOneLoader(cf, ClassLoader.getPlatformClassLoader());
        assertTrue(layer.findModule("io.sendchain.platform.generic").isPresent(),
                "binding the core's 'uses' pulled in the provider module");

        ClassLoader loader = layer.findLoader("io.sendchain.core");
        Class<?> registryClass = loader.loadClass(PlatformRegistry.class.getName());
        assertTrue(registryClass.getModule().isNamed(), "core runs as a named module here");
        Class<?> configClass = loader.loadClass(PlatformConfig.class.getName());
        Object registry = registryClass.getMethod("load").invoke(null);
        Object config = configClass.getMethod("defaults").invoke(null);
        Object choice = registryClass.getMethod("choose", configClass).invoke(registry, config);
        Method describe = registryClass.getMethod("describe", choice.getClass());
        String listing = (String) describe.invoke(registry, choice);
        assertTrue(listing.contains("selected generic"), listing);
    }

    private static Path location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
