package io.sendchain.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The sendchain command line: the platform listing. */
class MainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void platformsListsEveryProviderWithAReasonAndTheSelection() {
        assertEquals(0, run("platforms"));
        String listing = out.toString(StandardCharsets.UTF_8);
        assertTrue(listing.contains("generic") && listing.contains("runs everywhere"), listing);
        assertTrue(listing.lines().anyMatch(l -> l.startsWith("selected ")), listing);
        String os = System.getProperty("os.name");
        if (os.startsWith("Linux")) {
            assertTrue(listing.contains("needs FreeBSD; this is Linux") && listing.contains("needs macOS; this is Linux"),
                    listing);
        }
    }

    @Test
    void platformsListsEachPlatformsOptionsWithTypeDefaultAndMeaning() {
        assertEquals(0, run("platforms"));
        String listing = out.toString(StandardCharsets.UTF_8);
        assertTrue(listing.contains("generic: no options\n") && listing.contains("darwin: no options\n"), listing);
        assertTrue(listing.contains("linux options:\n  aio.threads  int >= 0, default 0  threads that run sendfile")
                && listing.contains("\n  more.max     size, default 0      a header before a file"), listing);
        assertTrue(listing.contains("freebsd options:\n  freebsd.nbytes-bug  boolean, default false  "), listing);
    }

    @Test
    void anExplicitPlatformThatIsNotInstalledIsAnErrorListingTheProviders() {
        assertEquals(1, run("platforms", "--platform", "plan9"));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("platform \"plan9\" (chosen by the configuration) is not installed")
                && e.contains("generic"), e);
    }

    @Test
    void anUnknownCommandIsAUsageError() {
        assertEquals(2, run("frobnicate"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown command \"frobnicate\""));
    }

    @Test
    void proxyHelpListsItsOptionsWithNginxDefaults() {
        assertEquals(0, run("proxy", "--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        assertTrue(help.contains("--buffers N SIZE") && help.contains("[8 4k]") && help.contains("--max-temp-file-size"),
                help);
    }

    @Test
    void proxyHelpNamesTheUpstreamKeepaliveOptionsAndABadValueIsAUsageError() {
        assertEquals(0, run("proxy", "--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        assertTrue(help.contains("--upstream-keepalive N") && help.contains("--upstream-keepalive-requests N")
                && help.contains("--upstream-keepalive-timeout TIME"), help);
        assertEquals(2, run("proxy", "--upstream", "127.0.0.1:1", "--upstream-keepalive", "-1"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("\"keepalive\" must be at least 0, not -1"),
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void proxyHelpNamesTheBalancingOptionsAndABadUpstreamParameterIsAUsageError() {
        assertEquals(0, run("proxy", "--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        assertTrue(help.contains("--upstream HOST:PORT[,weight=N][,max_fails=N][,fail_timeout=TIME]")
                && help.contains("--proxy-next-upstream WORDS") && help.contains("--proxy-next-upstream-tries N")
                && help.contains("--upstream-name NAME"), help);
        assertEquals(2, run("proxy", "--upstream", "127.0.0.1:1,weight=0"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("invalid weight 0"), err.toString(StandardCharsets.UTF_8));
        assertEquals(2, run("proxy", "--upstream", "127.0.0.1:1", "--proxy-next-upstream", "error,http_418"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("invalid value \"http_418\""),
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void proxyWithoutAnUpstreamIsAUsageError() {
        assertEquals(2, run("proxy", "--listen", "127.0.0.1:0"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("an upstream is required"));
    }

    @Test
    void proxyBufferSettingsAreCheckedTheWayNginxChecksThem() {
        assertEquals(2, run("proxy", "--upstream", "127.0.0.1:1", "--buffers", "4", "4k", "--busy-buffers-size", "16k"));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("\"proxy_busy_buffers_size\" (16384) must be less than the size of all \"proxy_buffers\""
                + " minus one buffer (12288)"), e);
    }

    @Test
    void proxyTempPathMustBeAWritableDirectory() {
        assertEquals(2, run("proxy", "--upstream", "127.0.0.1:1", "--temp-path", "/no/such/dir"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--temp-path /no/such/dir is not a writable directory"));
    }

    @Test
    void staticHelpNamesTheMsgMoreCapAndABadCapIsAUsageError() {
        assertEquals(0, run("static", "--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("--msg-more-max SIZE"));
        assertEquals(2, run("static", "--msg-more-max", "4g"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("msg more max"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void staticHelpNamesTheOpenFileCacheOptionsAndBadValuesAreUsageErrors() {
        assertEquals(0, run("static", "--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        for (String o : new String[] {"--open-file-cache max=N [inactive=TIME] | off", "--open-file-cache-valid TIME",
                "--open-file-cache-min-uses N", "--open-file-cache-errors on|off"}) {
            assertTrue(help.contains(o), o);
        }
        assertEquals(2, run("static", "--open-file-cache", "inactive=20s"));
        assertEquals(2, run("static", "--open-file-cache", "max=10", "inactive=forever"));
        assertEquals(2, run("static", "--open-file-cache", "size=10"));
        assertEquals(2, run("static", "--open-file-cache-min-uses", "0", "--open-file-cache", "max=10"));
        assertEquals(2, run("static", "--open-file-cache-errors", "maybe"));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("--open-file-cache needs max=N with N > 0: \"inactive=20s\""), e);
        assertTrue(e.contains("--open-file-cache takes max=N [inactive=TIME] or off, not \"size=10\""), e);
        assertTrue(e.contains("min_uses >= 1 expected"), e);
    }

    @Test
    void bothServersTakeReusePortOnOrOff() {
        assertEquals(0, run("static", "--help"));
        assertEquals(0, run("proxy", "--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        assertEquals(2, help.split("--reuseport on\\|off", -1).length - 1, help);
        assertEquals(2, run("static", "--reuseport", "maybe"));
        assertEquals(2, run("proxy", "--upstream", "127.0.0.1:1", "--reuseport", "yes"));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("--reuseport takes on or off, not \"maybe\"")
                && e.contains("--reuseport takes on or off, not \"yes\""), e);
    }
}
