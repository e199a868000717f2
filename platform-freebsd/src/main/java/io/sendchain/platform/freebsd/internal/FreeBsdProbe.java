package io.sendchain.platform.freebsd.internal;

import io.sendchain.spi.Availability;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import java.util.Locale;

/** Whether the FreeBSD platform works here: FreeBSD, then native access, then libc's symbols. Decided once. */
public final class FreeBsdProbe {

    private FreeBsdProbe() {
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
            throw new IllegalStateException("the freebsd platform is not available: " + a.reason());
        }
        return new FreeBsdPlatform(new FreeBsdSyscalls(), config);
    }

    static Availability probe() {
        String os = System.getProperty("os.name", "?");
        if (!os.toLowerCase(Locale.ROOT).startsWith("freebsd")) {
            return Availability.unavailable("needs FreeBSD; this is " + os);
        }
        Module module = FreeBsdProbe.class.getModule();
        if (!module.isNativeAccessEnabled()) {
            String who = module.isNamed() ? module.getName() : "ALL-UNNAMED";
            return Availability.unavailable("native access is not enabled: run java with --enable-native-access="
                    + who);
        }
        try {
            long pageSize = new FreeBsdSyscalls().sysconf(FreeBsd.SC_PAGESIZE);
            return Availability.available("kqueue, sendfile with sf_hdtr, TCP_NOPUSH, SF_NODISKIO via FFM (page size "
                    + pageSize + ")");
        } catch (LinkageError | IllegalStateException e) {
            return Availability.unavailable("libc binding failed: " + e);
        }
    }
}
