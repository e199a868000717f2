package io.sendchain.spi.posix;

import io.sendchain.spi.Availability;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The checks every FFM platform's probe makes, decided once (the copies drifted: only linux's named the jar
 * manifest's {@code Enable-Native-Access}). A probe runs {@link #unavailable} and, if that finds nothing, its own
 * checks (linux: the CPU's epoll_event layout), then {@link #linked}.
 */
public final class PosixProbe {

    private PosixProbe() {
    }

    /**
     * Why a platform cannot run here, or {@code null} if nothing general stops it: the OS ({@code os.name} starts
     * with {@code osPrefix}, ignoring case: "needs FreeBSD; this is Linux"), then native access for the module of
     * {@code anchor} (a class of the platform's).
     */
    public static Availability unavailable(String osPrefix, String osName, Class<?> anchor) {
        String os = System.getProperty("os.name", "?");
        if (!os.toLowerCase(Locale.ROOT).startsWith(osPrefix.toLowerCase(Locale.ROOT))) {
            return Availability.unavailable("needs " + osName + "; this is " + os);
        }
        Module module = anchor.getModule();
        if (!module.isNativeAccessEnabled()) {
            String who = module.isNamed() ? module.getName() : "ALL-UNNAMED";
            return Availability.unavailable("native access is not enabled: run java with --enable-native-access="
                    + who + " (or Enable-Native-Access in the jar manifest)");
        }
        return null;
    }

    /**
     * Available, saying {@code what} the platform offers, if {@code link} (which links the bindings and makes one
     * harmless call, such as sysconf) succeeds; unavailable naming the failure if a symbol is missing.
     */
    public static Availability linked(Supplier<String> link) {
        try {
            return Availability.available(link.get());
        } catch (LinkageError | IllegalStateException e) {
            return Availability.unavailable("libc binding failed: " + e);
        }
    }
}
