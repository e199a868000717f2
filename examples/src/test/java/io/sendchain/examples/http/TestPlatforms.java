package io.sendchain.examples.http;

import io.sendchain.spi.PlatformRegistry;
import org.junit.jupiter.api.Assumptions;

/** Skips a test whose platform this machine does not offer (the per-platform subclasses of the server suites). */
final class TestPlatforms {

    private TestPlatforms() {
    }

    static void assumeAvailable(String platform) {
        boolean available = PlatformRegistry.load().candidates().stream()
                .anyMatch(c -> c.name().equals(platform) && c.available());
        Assumptions.assumeTrue(available, platform + " is not available here");
    }
}
