package io.sendchain.platform.freebsd.internal;

import io.sendchain.spi.Availability;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.posix.PosixProbe;

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
        Availability no = PosixProbe.unavailable("freebsd", "FreeBSD", FreeBsdProbe.class);
        return no != null ? no : PosixProbe.linked(() -> "kqueue, sendfile with sf_hdtr, TCP_NOPUSH, SF_NODISKIO via "
                + "FFM (page size " + new FreeBsdSyscalls().sysconf(FreeBsd.SC_PAGESIZE) + ")");
    }
}
