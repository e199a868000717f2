package io.sendchain.platform.darwin.internal;

import io.sendchain.spi.Availability;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.posix.PosixProbe;

/** Whether the macOS platform works here: macOS, then native access, then libc's symbols. Decided once. */
public final class DarwinProbe {

    private DarwinProbe() {
    }

    private static final class Holder {
        static final Availability RESULT = probe();
    }

    public static Availability result() {
        return Holder.RESULT;
    }

    public static Platform create(PlatformConfig config) {
        Availability a = result();
        if (!a.available()) {
            throw new IllegalStateException("the darwin platform is not available: " + a.reason());
        }
        return new DarwinPlatform(new DarwinSyscalls(), config);
    }

    static Availability probe() {
        Availability no = PosixProbe.unavailable("mac", "macOS", DarwinProbe.class);
        return no != null ? no : PosixProbe.linked(() -> "kqueue, sendfile with sf_hdtr via FFM (page size "
                + new DarwinSyscalls().sysconf(Darwin.SC_PAGESIZE) + ")");
    }
}
