package io.sendchain.platform.darwin.internal;

import io.sendchain.spi.Availability;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import java.util.Locale;

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
        String os = System.getProperty("os.name", "?");
        if (!os.toLowerCase(Locale.ROOT).startsWith("mac")) {
            return Availability.unavailable("needs macOS; this is " + os);
        }
        Module module = DarwinProbe.class.getModule();
        if (!module.isNativeAccessEnabled()) {
            String who = module.isNamed() ? module.getName() : "ALL-UNNAMED";
            return Availability.unavailable("native access is not enabled: run java with --enable-native-access="
                    + who);
        }
        try {
            long pageSize = new DarwinSyscalls().sysconf(Darwin.SC_PAGESIZE);
            return Availability.available("kqueue, sendfile with sf_hdtr via FFM (page size "
                    + pageSize + ")");
        } catch (LinkageError | IllegalStateException e) {
            return Availability.unavailable("libc binding failed: " + e);
        }
    }
}
