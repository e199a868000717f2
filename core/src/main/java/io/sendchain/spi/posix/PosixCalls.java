package io.sendchain.spi.posix;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The libc functions POSIX platforms link, declared once: the C signatures of the calls every LP64 POSIX system
 * shares ({@link #SHARED}, the {@link PosixKernel} calls), and how any function is linked, decided once for every
 * platform (the copies drifted: linux linked its non-blocking calls as critical downcalls, the BSD modules did not).
 * A platform links each {@link Binding} with {@code FunctionDescriptor.of(result, args)} and the options its
 * {@link Binding#link()} names: {@code captureCallState("errno")} unless {@link Link#NO_ERRNO},
 * {@code critical(false)} for {@link Link#CRITICAL}, {@code firstVariadicArg(n)} for a variadic function. Nothing
 * here links: the declarations are data, checked by each platform's binding table test.
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
            "setsockopt", "getsockopt", "accept", "accept4", "shutdown", "close", "fcntl", "epoll_ctl", "splice");

    /**
     * One libc function as FFM declares it: its symbol, its result ({@code null}: void) and argument layouts, and
     * the index of its first variadic argument ({@code -1}: not variadic). A buffer's address may travel as
     * {@code JAVA_LONG} (a pointer is an integer register's worth on x86_64 and aarch64): bufs keep their memory
     * reachable, and no slice segment is made per call.
     */
    public record Binding(String symbol, MemoryLayout result, List<MemoryLayout> args, int firstVariadicArg) {

        /** Checks the symbol and the layouts. */
        public Binding {
            Objects.requireNonNull(symbol, "symbol");
            args = List.copyOf(args);
            if (firstVariadicArg < -1 || firstVariadicArg > args.size()) {
                throw new IllegalArgumentException("firstVariadicArg out of 0.." + args.size() + ": "
                        + firstVariadicArg);
            }
            PosixCalls.link(symbol); // a valid libc name
        }

        /** How it is linked. */
        public Link link() {
            return PosixCalls.link(symbol);
        }
    }

    /** A function with a fixed argument list. */
    public static Binding binding(String symbol, MemoryLayout result, MemoryLayout... args) {
        return new Binding(symbol, result, List.of(args), -1);
    }

    /** A variadic function: the arguments from {@code firstVariadicArg} on are its variadic ones. */
    public static Binding variadic(String symbol, int firstVariadicArg, MemoryLayout result, MemoryLayout... args) {
        return new Binding(symbol, result, List.of(args), firstVariadicArg);
    }

    /** {@code ssize_t writev(int fd, const struct iovec *iov, int iovcnt)}. */
    public static final Binding WRITEV = binding("writev", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    /** {@code ssize_t readv(int fd, const struct iovec *iov, int iovcnt)}. */
    public static final Binding READV = binding("readv", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    /** {@code ssize_t read(int fd, void *buf, size_t nbytes)}, the buffer by its address. */
    public static final Binding READ = binding("read", JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG);
    /** {@code ssize_t write(int fd, const void *buf, size_t nbytes)}, the buffer by its address. */
    public static final Binding WRITE = binding("write", JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG);
    /** {@code int setsockopt(int s, int level, int optname, const void *optval, socklen_t optlen)}. */
    public static final Binding SETSOCKOPT =
            binding("setsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    /** {@code int getsockopt(int s, int level, int optname, void *optval, socklen_t *optlen)}. */
    public static final Binding GETSOCKOPT =
            binding("getsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    /** {@code int socket(int domain, int type, int protocol)}. */
    public static final Binding SOCKET = binding("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    /** {@code int bind(int s, const struct sockaddr *addr, socklen_t addrlen)}. */
    public static final Binding BIND = binding("bind", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    /** {@code int listen(int s, int backlog)}. */
    public static final Binding LISTEN = binding("listen", JAVA_INT, JAVA_INT, JAVA_INT);
    /** {@code int connect(int s, const struct sockaddr *name, socklen_t namelen)}. */
    public static final Binding CONNECT = binding("connect", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    /** {@code int getsockname(int s, struct sockaddr *name, socklen_t *namelen)}. */
    public static final Binding GETSOCKNAME = binding("getsockname", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    /** {@code int getpeername(int s, struct sockaddr *name, socklen_t *namelen)}. */
    public static final Binding GETPEERNAME = binding("getpeername", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    /** {@code int shutdown(int s, int how)}. */
    public static final Binding SHUTDOWN = binding("shutdown", JAVA_INT, JAVA_INT, JAVA_INT);
    /** {@code int close(int fd)}. */
    public static final Binding CLOSE = binding("close", JAVA_INT, JAVA_INT);
    /** {@code int open(const char *path, int flags, ...)}: the mode is its first variadic argument. */
    public static final Binding OPEN = variadic("open", 2, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    /** {@code long sysconf(int name)}. */
    public static final Binding SYSCONF = binding("sysconf", JAVA_LONG, JAVA_INT);
    /** {@code char *strerror(int errnum)}. */
    public static final Binding STRERROR = binding("strerror", ADDRESS, JAVA_INT);

    /** The functions behind {@link PosixKernel}, the same on every LP64 POSIX system. */
    public static final List<Binding> SHARED = List.of(WRITEV, READV, READ, WRITE, SETSOCKOPT, GETSOCKOPT, SOCKET,
            BIND, LISTEN, CONNECT, GETSOCKNAME, GETPEERNAME, SHUTDOWN, CLOSE, OPEN, SYSCONF, STRERROR);

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
