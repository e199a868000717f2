package io.sendchain.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Typed platform options: parsing and checking values, defaults, and the registry refusing what a platform lacks. */
class PlatformOptionsTest {

    private static final PlatformOption<Integer> THREADS = StandardPlatformOptions.AIO_THREADS;
    private static final PlatformOption<Long> MAX = PlatformOption.ofSize("more.max", Long.MAX_VALUE, 0,
            "how much");
    private static final PlatformOption<Boolean> FLAG = PlatformOption.ofBoolean("x.flag", true, "a switch");

    /** A provider declaring {@code options}; {@code create} records the config it was given. */
    private static final class Declaring implements PlatformProvider {
        final String name;
        final List<PlatformOption<?>> options;
        PlatformConfig created;

        Declaring(String name, List<PlatformOption<?>> options) {
            this.name = name;
            this.options = options;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int priority() {
            return 1;
        }

        @Override
        public Availability probe() {
            return Availability.available("here");
        }

        @Override
        public List<PlatformOption<?>> options() {
            return options;
        }

        @Override
        public Platform create(PlatformConfig config) {
            created = config;
            return null;
        }
    }

    @Test
    void anUnknownOptionIsRefusedListingTheOptionsThePlatformKnows() {
        Declaring linux = new Declaring("linux", List.of(THREADS, MAX));
        PlatformRegistry r = PlatformRegistry.of(List.of(linux));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> r.open(PlatformConfig.defaults().with("aio.thread", "4")));
        assertEquals("unknown option \"aio.thread\" for platform linux; known: aio.threads (int >= 0, default 0: "
                + THREADS.description() + "), more.max (size, default 0: how much)", e.getMessage());
        assertEquals(null, linux.created, "the platform was not created");
    }

    @Test
    void aPlatformWithoutOptionsRefusesAnyAndSaysItHasNone() {
        PlatformRegistry r = PlatformRegistry.of(List.of(new Declaring("generic", List.of())));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> r.open(PlatformConfig.defaults().with(THREADS, 4)));
        assertEquals("unknown option \"aio.threads\" for platform generic; known: none", e.getMessage());
    }

    @Test
    void aBadTextValueIsRefusedWhenThePlatformIsCreatedNamingTheValueAndThePlatform() {
        PlatformRegistry r = PlatformRegistry.of(List.of(new Declaring("linux", List.of(THREADS, MAX))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> r.open(PlatformConfig.defaults().with("more.max", "64q")));
        assertTrue(e.getMessage().startsWith("bad value \"64q\" for option more.max: not a size (bytes, or a number "
                + "with k, m or g) (platform linux: more.max (size, default 0: how much))"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> r.open(PlatformConfig.defaults().with("aio.threads", "-2")));
        assertEquals("bad value \"-2\" for option aio.threads: not an int >= 0 (platform linux: " + THREADS + ")",
                e.getMessage());
    }

    @Test
    void aBadTypedValueIsRefusedWhenItIsSet() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PlatformConfig.defaults().with(THREADS, -1));
        assertEquals("bad value -1 for option aio.threads: not an int >= 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> PlatformConfig.defaults().with(PlatformOption.ofSize("s", 1 << 20, 0, "d"), 2L << 20));
        assertEquals("bad value 2m for option s: more than 1m", e.getMessage());
    }

    @Test
    void anOptionNotSetHasItsDefault() {
        PlatformConfig c = PlatformConfig.defaults().with(THREADS, 3);
        assertEquals(0L, c.get(MAX));
        assertEquals(true, c.get(FLAG));
        assertEquals(3, c.get(THREADS));
    }

    @Test
    void textAndTypedSettingsReadAsTheSameValue() {
        PlatformConfig text = PlatformConfig.defaults().with("more.max", "64k").with("x.flag", "off")
                .with("aio.threads", " 4 ");
        PlatformConfig typed = PlatformConfig.defaults().with(MAX, 65536L).with(FLAG, false).with(THREADS, 4);
        for (PlatformConfig c : List.of(text, typed)) {
            assertEquals(65536L, c.get(MAX));
            assertEquals(false, c.get(FLAG));
            assertEquals(4, c.get(THREADS));
        }
        assertEquals(Map.of("aio.threads", "4", "more.max", "64k", "x.flag", "false"), typed.options());
    }

    @Test
    void aLaterSettingOfTheSameNameReplacesTheEarlierOne() {
        PlatformConfig c = PlatformConfig.defaults().with("aio.threads", "oops").with(THREADS, 2);
        assertEquals(2, c.get(THREADS));
        assertEquals(Map.of("aio.threads", "2"), c.options());
    }

    @Test
    void sizesAndSwitchesReadAsNginxWritesThem() {
        assertEquals(2L << 20, MAX.parse("2m"));
        assertEquals(1L << 30, MAX.parse("1G"));
        assertEquals(512L, MAX.parse("512"));
        assertEquals(true, FLAG.parse("on"));
        assertEquals(false, FLAG.parse("FALSE"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FLAG.parse("flase"));
        assertEquals("bad value \"flase\" for option x.flag: not a boolean (true, false, on, off)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MAX.parse("9999999999g"));
        assertEquals("bad value \"9999999999g\" for option more.max: too large", e.getMessage());
        assertEquals("1m", MAX.format(1L << 20));
        assertEquals("1000", MAX.format(1000L));
    }

    @Test
    void anOptionIsDeclaredWithAValidNameAndDefault() {
        assertThrows(IllegalArgumentException.class, () -> PlatformOption.ofInt("Aio Threads", 0, 9, 0, "d"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PlatformOption.ofInt("n", 1, 9, 0, "d"));
        assertEquals("default of option n is not an int 1..9: 0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PlatformOption.ofBoolean("b", true, " "));
    }

    @Test
    void theRegistryGivesTheProviderTheConfigItChecked() throws Exception {
        Declaring p = new Declaring("linux", List.of(THREADS, MAX));
        PlatformConfig c = PlatformConfig.defaults().with(THREADS, 2).with("more.max", "4k");
        PlatformRegistry.of(List.of(p)).open(c);
        assertSame(c, p.created);
    }

    @Test
    void aCandidateTellsWhichOptionsItSupports() throws Exception {
        PlatformRegistry r = PlatformRegistry.of(List.of(new Declaring("linux", List.of(THREADS, MAX)),
                new Declaring("generic", List.of())));
        PlatformRegistry.Candidate linux = r.choose(PlatformConfig.defaults().withPlatform("linux")).chosen();
        PlatformRegistry.Candidate generic = r.choose(PlatformConfig.defaults().withPlatform("generic")).chosen();
        assertTrue(linux.supports(THREADS));
        assertSame(MAX, linux.option("more.max").orElseThrow());
        assertFalse(generic.supports(THREADS));
        assertTrue(generic.option("more.max").isEmpty());
    }

    @Test
    void aProviderDeclaringOneNameTwiceIsUnavailable() {
        PlatformRegistry r = PlatformRegistry.of(List.of(new Declaring("twice", List.of(MAX,
                PlatformOption.ofInt("more.max", 0, 9, 0, "again")))));
        PlatformRegistry.Candidate c = r.candidates().get(0);
        assertFalse(c.available());
        assertTrue(c.availability().reason().contains("platform twice declares option more.max twice"),
                c.availability().reason());
    }

    @Test
    void theOptionListingShowsEachProvidersOptionsWithKindDefaultAndMeaning() {
        PlatformRegistry r = PlatformRegistry.of(List.of(new Declaring("linux", List.of(THREADS, MAX)),
                new Declaring("generic", List.of())));
        String listing = r.describeOptions();
        assertTrue(listing.contains("generic: no options\n"), listing);
        assertTrue(listing.contains("linux options:\n  aio.threads  int >= 0, default 0  " + THREADS.description()
                + "\n  more.max     size, default 0      how much\n"), listing);
    }
}
