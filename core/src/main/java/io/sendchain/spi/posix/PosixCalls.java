package io.sendchain.spi.posix;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * How a platform links each libc function, decided once for every POSIX platform (the copies drifted: linux linked
 * its non-blocking calls as critical downcalls, the BSD modules did not). A platform's bindings ask
 * {@link #link(String)} for a symbol and add the matching {@code Linker.Option}s: {@code captureCallState("errno")}
 * unless {@link Link#NO_ERRNO}, and {@code critical(false)} for {@link Link#CRITICAL}.
 */
public final class PosixCalls {

    /** How one function is linked. */
    public enum Link {
        /**
         * Never blocks (a call on a non-blocking socket, or a bounded kernel operation) and is on the hot path:
         * a critical downcall, which skips the thread-state transition. It must stay short: the JVM cannot reach a
         * safepoint while it runs.
         */
        CRITICAL,
        /**
         * May wait (kevent, epoll_wait, open on a cold disk, sendfile from a cold file) or is off the hot path: an
         * ordinary downcall; errno captured.
         */
        ORDINARY,
        /** Sets no errno worth reading ({@code strerror}): an ordinary downcall without capture. */
        NO_ERRNO
    }

    private static final Set<String> CRITICAL = Set.of("read", "write", "readv", "writev", "send",
            "setsockopt", "getsockopt", "accept", "accept4", "shutdown", "close", "fcntl", "epoll_ctl");

    private PosixCalls() {
    }

    /** How {@code symbol} is linked: critical for {@link #criticalSymbols()}, no capture for strerror. */
    public static Link link(String symbol) {
        Objects.requireNonNull(symbol, "symbol");
        if (symbol.isEmpty() || !symbol.equals(symbol.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("symbol must be a lower-case libc name: \"" + symbol + "\"");
        }
        if (CRITICAL.contains(symbol)) {
            return Link.CRITICAL;
        }
        return symbol.equals("strerror") ? Link.NO_ERRNO : Link.ORDINARY;
    }

    /** The functions linked as critical downcalls. */
    public static Set<String> criticalSymbols() {
        return CRITICAL;
    }
}
