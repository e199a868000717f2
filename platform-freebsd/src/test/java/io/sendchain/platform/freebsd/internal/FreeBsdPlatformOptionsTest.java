package io.sendchain.platform.freebsd.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.platform.freebsd.FreeBsdOptions;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.testkit.FaultPlan;
import org.junit.jupiter.api.Test;

/** The FreeBSD platform's switches: their defaults, and values given as text or typed. */
class FreeBsdPlatformOptionsTest {

    private static FreeBsdPlatform platform(PlatformConfig config) {
        return new FreeBsdPlatform(new EmulatedFreeBsdKernel(FaultPlan.none(), false), config);
    }

    @Test
    void byDefaultNoNbytesBugAndNodiskioAndNopushAreOn() {
        FreeBsdPlatform p = platform(PlatformConfig.defaults());
        assertFalse(p.nbytesBug());
        assertTrue(p.nodiskio());
        assertTrue(p.tcpNopush());
    }

    @Test
    void switchesGivenAsTextOrTypedReachThePlatform() {
        FreeBsdPlatform p = platform(PlatformConfig.defaults().with("freebsd.nbytes-bug", "on")
                .with("freebsd.nodiskio", "off").with("tcp.nopush", "false"));
        assertTrue(p.nbytesBug());
        assertFalse(p.nodiskio());
        assertFalse(p.tcpNopush());
        p = platform(PlatformConfig.defaults().with(FreeBsdOptions.NODISKIO, false));
        assertFalse(p.nodiskio());
        assertTrue(p.tcpNopush());
    }
}
