package io.sendchain.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformOption;
import io.sendchain.spi.PlatformProvider;
import io.sendchain.spi.PlatformRegistry;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A provider's declared options: well formed, listed by the registry, and the only ones a config may set for it. A
 * provider's tests subclass it, naming the provider and the option names it must declare. The checks refuse a
 * config before the platform is made, so they run where the platform itself is not available.
 */
public abstract class PlatformOptionsContract {

    /** The provider under test. */
    protected abstract PlatformProvider provider();

    /** The names of the options the platform reads, in declaration order. */
    protected abstract List<String> expectedOptionNames();

    private PlatformRegistry.Candidate candidate() {
        return PlatformRegistry.of(List.of(provider())).candidates().get(0);
    }

    @Test
    void theProviderDeclaresExactlyTheOptionsItsPlatformReads() {
        assertEquals(expectedOptionNames(), provider().options().stream().map(PlatformOption::name).toList());
        assertEquals(provider().options(), candidate().options(), "the registry lists what the provider declares");
    }

    @Test
    void everyOptionHasOneNameADescriptionAndADefaultThatReadsBackFromItsText() {
        Set<String> names = new HashSet<>();
        for (PlatformOption<?> o : provider().options()) {
            assertTrue(names.add(o.name()), "declared twice: " + o.name());
            assertFalse(o.description().isBlank(), o.name());
            assertEquals(o.defaultValue(), reparsedDefault(o), o.name());
            assertEquals(o.defaultValue(), PlatformConfig.defaults().get(o), "an option not set has its default");
        }
    }

    private static <T> T reparsedDefault(PlatformOption<T> o) {
        return o.parse(o.format(o.defaultValue()));
    }

    @Test
    void anUnknownOptionIsRefusedListingEveryDeclaredOne() {
        String name = provider().name();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> candidate().create(PlatformConfig.defaults().withPlatform(name).with("no.such-option", "1")));
        assertTrue(e.getMessage().startsWith("unknown option \"no.such-option\" for platform " + name + "; known: "),
                e.getMessage());
        for (PlatformOption<?> o : provider().options()) {
            assertTrue(e.getMessage().contains(o.toString()), "lists " + o + ": " + e.getMessage());
        }
        if (provider().options().isEmpty()) {
            assertTrue(e.getMessage().endsWith("known: none"), e.getMessage());
        }
    }

    @Test
    void aValueAnOptionCannotReadIsRefusedNamingTheValue() {
        for (PlatformOption<?> o : provider().options()) {
            if (accepts(o, "?!")) {
                continue; // an option of free text: nothing to refuse
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> candidate().create(PlatformConfig.defaults().with(o.name(), "?!")));
            assertTrue(e.getMessage().startsWith("bad value \"?!\" for option " + o.name() + ": ")
                    && e.getMessage().contains("platform " + provider().name()), e.getMessage());
        }
    }

    private static boolean accepts(PlatformOption<?> o, String text) {
        try {
            o.parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
