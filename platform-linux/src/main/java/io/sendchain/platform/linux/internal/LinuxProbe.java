package io.sendchain.platform.linux.internal;

import io.sendchain.spi.Availability;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.posix.PosixProbe;

/**
 * Whether the linux platform works here, decided once: the OS, the CPU architecture (the epoll_event layout
 * differs), native access for this module, and libc's symbols (a failed lookup names the missing one).
 */
public final class LinuxProbe {

    private LinuxProbe() {
    }

    /** Lazily computed once, on first use (the holder idiom); immutable afterwards. */
    private static final class Holder {
        static final Availability RESULT = probe();
    }

    public static Availability result() {
        return Holder.RESULT;
    }

    public static Platform create(PlatformConfig config) {
        Availability a = result();
        if (!a.available()) {
            throw new IllegalStateException("the linux platform is not available: " + a.reason());
        }
        return new LinuxPlatform(new Syscalls(), config);
    }

    private static Availability probe() {
        Availability no = PosixProbe.unavailable("linux", "Linux", LinuxProbe.class);
        if (no != null) {
            return no;
        }
        if (LinuxPlatform.epollLayoutForThisMachine() == null) {
            return Availability.unavailable("needs x86_64 or aarch64 (epoll_event layout); this is "
                    + System.getProperty("os.arch"));
        }
        return PosixProbe.linked(() -> "epoll, sendfile64 with TCP_CORK or MSG_MORE, writev, thread-pool sendfile "
                + "via FFM (page size " + new Syscalls().sysconf(Linux.SC_PAGESIZE) + ")");
    }
}
