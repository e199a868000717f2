package io.sendchain.platform.linux.internal;

import io.sendchain.spi.Availability;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import java.util.Locale;

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
        String os = System.getProperty("os.name", "?");
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return Availability.unavailable("needs Linux; this is " + os);
        }
        if (LinuxPlatform.epollLayoutForThisMachine() == null) {
            return Availability.unavailable("needs x86_64 or aarch64 (epoll_event layout); this is "
                    + System.getProperty("os.arch"));
        }
        Module module = LinuxProbe.class.getModule();
        if (!module.isNativeAccessEnabled()) {
            String who = module.isNamed() ? module.getName() : "ALL-UNNAMED";
            return Availability.unavailable("native access is not enabled: run java with --enable-native-access="
                    + who + " (or Enable-Native-Access in the jar manifest)");
        }
        try {
            long pageSize = new Syscalls().sysconf(Linux.SC_PAGESIZE);
            return Availability.available("epoll, sendfile64 with TCP_CORK or MSG_MORE, writev, thread-pool sendfile via FFM "
                    + "(page size " + pageSize + ")");
        } catch (LinkageError | IllegalStateException e) {
            return Availability.unavailable("libc binding failed: " + e);
        }
    }
}
