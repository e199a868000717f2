package io.sendchain.spi;

import com.google.common.testing.EqualsTester;
import com.google.common.testing.NullPointerTester;
import io.sendchain.buf.SlabAllocator;
import io.sendchain.event.Connection;
import io.sendchain.loop.EventLoop;
import org.junit.jupiter.api.Test;

/**
 * Guava testlib over the public API that takes no null: every such parameter fails fast with a
 * {@link NullPointerException} naming it, rather than later and elsewhere; and the value types' equality.
 */
class NullAndEqualsContractTest {

    private final NullPointerTester tester = new NullPointerTester()
            .setDefault(SlabAllocator.class, SlabAllocator.forLoop(0))
            .setDefault(PlatformOption.class, PlatformOption.ofBoolean("some.flag", false, "a flag"))
            .setDefault(String.class, "x");

    @Test
    void availabilityRefusesANullReasonAndComparesByValue() {
        tester.testAllPublicConstructors(Availability.class);
        tester.testAllPublicStaticMethods(Availability.class);
        new EqualsTester()
                .addEqualityGroup(Availability.available("runs everywhere"), new Availability(true, "runs everywhere"))
                .addEqualityGroup(Availability.unavailable("runs everywhere"))
                .addEqualityGroup(Availability.available("epoll"))
                .testEquals();
    }

    @Test
    void platformOptionsRefuseNullNamesTextsAndValues() throws Exception {
        tester.testAllPublicStaticMethods(PlatformOption.class);
        tester.testAllPublicInstanceMethods(PlatformOption.ofInt("threads", 0, 64, 0, "threads"));
        tester.testAllPublicInstanceMethods(PlatformOption.ofSize("more.max", 1 << 20, 0, "bytes"));
    }

    @Test
    void platformConfigRefusesNullOptionsAndTextsButTakesANullPlatformForAutomatic() throws Exception {
        NullPointerTester t = new NullPointerTester()
                .setDefault(PlatformOption.class, PlatformOption.ofBoolean("some.flag", false, "a flag"))
                .setDefault(String.class, "x")
                // documented: null means "choose automatically"
                .ignore(PlatformConfig.class.getMethod("withPlatform", String.class));
        t.testAllPublicInstanceMethods(PlatformConfig.defaults());
        t.testAllPublicStaticMethods(PlatformConfig.class);
    }

    @Test
    void connectionsAndLoopsRefuseNullNamesSocketsAndDrivers() {
        tester.testAllPublicConstructors(Connection.class);
        tester.testAllPublicConstructors(EventLoop.class);
    }
}
