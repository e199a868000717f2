package io.sendchain.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.thirdparty.AcmeProvider;
import com.example.thirdparty.GhostProvider;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PlatformRegistry: discovery with ServiceLoader, the choice rules, and the listing. */
class PlatformRegistryTest {

    @TempDir
    Path dir;

    @AfterEach
    void clearProperty() {
        System.clearProperty(PlatformRegistry.PROPERTY);
    }

    /** A simple provider with a given name, priority and availability. */
    private record Fixed(String name, int priority, boolean ok) implements PlatformProvider {
        @Override
        public Availability probe() {
            return ok ? Availability.available("fine") : Availability.unavailable("not here");
        }

        @Override
        public Platform create(PlatformConfig config) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void theAvailableProviderWithTheHighestPriorityIsChosen() throws IOException {
        PlatformRegistry r = PlatformRegistry.of(List.of(new Fixed("low", 0, true), new Fixed("high", 10, true),
                new Fixed("best-but-absent", 99, false)));
        PlatformRegistry.Choice c = r.choose(PlatformConfig.defaults());
        assertEquals("high", c.name());
        assertEquals("highest priority available (10)", c.why());
    }

    @Test
    void tiesAreBrokenByName() throws IOException {
        PlatformRegistry r = PlatformRegistry.of(List.of(new Fixed("zeta", 5, true), new Fixed("alpha", 5, true)));
        PlatformRegistry.Choice c = r.choose(PlatformConfig.defaults());
        assertEquals("alpha", c.name());
        assertTrue(c.why().contains("tie broken by name"), c.why());
    }

    @Test
    void anExplicitChoiceInTheConfigWinsOverPriority() throws IOException {
        PlatformRegistry r = PlatformRegistry.of(List.of(new Fixed("low", 0, true), new Fixed("high", 10, true)));
        PlatformRegistry.Choice c = r.choose(PlatformConfig.defaults().withPlatform("LOW"));
        assertEquals("low", c.name());
        assertEquals("chosen by the configuration", c.why());
    }

    @Test
    void theSystemPropertyChoosesWhenTheConfigDoesNot() throws IOException {
        PlatformRegistry r = PlatformRegistry.of(List.of(new Fixed("low", 0, true), new Fixed("high", 10, true)));
        System.setProperty(PlatformRegistry.PROPERTY, "low");
        assertEquals("low", r.choose(PlatformConfig.defaults()).name());
        assertEquals("high", r.choose(PlatformConfig.defaults().withPlatform("high")).name(),
                "the configuration's explicit choice beats the property");
    }

    @Test
    void anExplicitChoiceThatIsUnavailableFailsWithItsReasonInsteadOfFallingBack() {
        PlatformRegistry r = PlatformRegistry.of(List.of(new Fixed("low", 0, true), new GhostProvider()));
        NoPlatformException e = assertThrows(NoPlatformException.class,
                () -> r.choose(PlatformConfig.defaults().withPlatform("ghost")));
        assertTrue(e.getMessage().startsWith("platform \"ghost\" (chosen by the configuration) is not available: "
                + "needs GhostOS"), e.getMessage());
        assertTrue(e.getMessage().contains("low"), "the message lists every provider: " + e.getMessage());
    }

    @Test
    void anExplicitChoiceThatIsNotInstalledFailsListingWhatIs() {
        PlatformRegistry r = PlatformRegistry.of(List.of(new Fixed("low", 0, true)));
        System.setProperty(PlatformRegistry.PROPERTY, "linux");
        NoPlatformException e = assertThrows(NoPlatformException.class, () -> r.choose(PlatformConfig.defaults()));
        assertTrue(e.getMessage().startsWith("platform \"linux\" (chosen by -Dsendchain.platform) is not installed"),
                e.getMessage());
        assertTrue(e.getMessage().contains("low"), e.getMessage());
    }

    @Test
    void whenNothingIsAvailableOneErrorListsEveryProviderAndWhy() {
        PlatformRegistry r = PlatformRegistry.of(List.of(new GhostProvider(), new Fixed("other", 1, false)));
        NoPlatformException e = assertThrows(NoPlatformException.class, () -> r.choose(PlatformConfig.defaults()));
        assertTrue(e.getMessage().startsWith("no platform is available"), e.getMessage());
        assertTrue(e.getMessage().contains("ghost") && e.getMessage().contains("needs GhostOS")
                && e.getMessage().contains("other") && e.getMessage().contains("not here"), e.getMessage());
    }

    @Test
    void aProbeThatThrowsMakesItsProviderUnavailableNotTheRegistry() throws IOException {
        PlatformRegistry r = PlatformRegistry.of(List.of(new PlatformProvider() {
            @Override
            public String name() {
                return "exploding";
            }

            @Override
            public int priority() {
                return 100;
            }

            @Override
            public Availability probe() {
                throw new UnsatisfiedLinkError("libfoo.so");
            }

            @Override
            public Platform create(PlatformConfig config) {
                throw new UnsupportedOperationException();
            }
        }, new Fixed("ok", 0, true)));
        assertEquals("ok", r.choose(PlatformConfig.defaults()).name());
        assertTrue(r.describe(null).contains("probe failed: java.lang.UnsatisfiedLinkError: libfoo.so"),
                r.describe(null));
    }

    @Test
    void aProviderOutsideTheProjectIsDiscoveredThroughItsServiceFileAndChosenByName() throws IOException {
        PlatformRegistry r = PlatformRegistry.load(loaderWithServices(
                AcmeProvider.class.getName(), GhostProvider.class.getName()));
        List<String> names = r.candidates().stream().map(PlatformRegistry.Candidate::name).toList();
        assertTrue(names.contains("acme") && names.contains("ghost"), names.toString());
        PlatformRegistry.Choice c = r.choose(PlatformConfig.defaults().withPlatform("acme"));
        assertEquals("acme", c.name());
        assertEquals(AcmeProvider.class.getName(), c.chosen().source());
        assertEquals("acme", r.choose(PlatformConfig.defaults()).name(), "ghost outranks it but is unavailable");
    }

    @Test
    void aBrokenProviderJarIsLoggedAndSkipped() throws IOException {
        PlatformRegistry r = PlatformRegistry.load(loaderWithServices(
                "com.example.thirdparty.BrokenProvider", "com.example.thirdparty.DoesNotExist",
                AcmeProvider.class.getName()));
        assertEquals("acme", r.choose(PlatformConfig.defaults()).name());
        String listing = r.describe(null);
        assertTrue(listing.contains("failed to load") && listing.contains("BrokenProvider")
                && listing.contains("DoesNotExist"), listing);
        assertFalse(r.candidates().stream().filter(c -> !c.name().equals("acme")).anyMatch(c -> c.available()));
    }

    @Test
    void theListingShowsEveryProviderWithStatusAndReasonAndTheSelection() throws IOException {
        PlatformRegistry r = PlatformRegistry.of(List.of(new AcmeProvider(), new GhostProvider(),
                new Fixed("plain", 0, true)));
        PlatformRegistry.Choice c = r.choose(PlatformConfig.defaults());
        String listing = r.describe(c);
        String[] lines = listing.split("\n");
        assertTrue(lines[0].startsWith("platform") && lines[0].contains("reason"), listing);
        assertTrue(lines[1].startsWith("ghost") && lines[1].contains("unavailable") && lines[1].contains("GhostOS"),
                listing);
        assertTrue(lines[2].startsWith("acme") && lines[2].contains("selected"), listing);
        assertTrue(lines[3].startsWith("plain") && lines[3].contains("available"), listing);
        assertEquals("selected acme: highest priority available (50)", lines[4]);
    }

    /** A class loader that sees a services file listing {@code classes} (and the test class path behind it). */
    private URLClassLoader loaderWithServices(String... classes) throws IOException {
        Path services = dir.resolve("META-INF/services");
        Files.createDirectories(services);
        Files.write(services.resolve(PlatformProvider.class.getName()), List.of(classes));
        return new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader());
    }
}
