package io.sendchain.platform.freebsd.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.sendchain.spi.posix.PosixCalls;
import io.sendchain.spi.posix.PosixCalls.Binding;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The libc functions the FreeBSD platform links: the toolkit's shared ones ({@link PosixCalls#SHARED}) and
 * FreeBSD's own, with the descriptors and options {@link FreeBsdSyscalls} links them with. Nothing here links, so
 * tests hold the table against FreeBSD's headers on any OS.
 */
final class FreeBsdBindings {

    private FreeBsdBindings() {
    }

    /** {@code int sendfile(int fd, int s, off_t offset, size_t nbytes, struct sf_hdtr *, off_t *sbytes, int flags)}. */
    static final Binding SENDFILE = PosixCalls.binding("sendfile", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG,
            JAVA_LONG, ADDRESS, ADDRESS, JAVA_INT);
    /** {@code int accept4(int s, struct sockaddr *addr, socklen_t *addrlen, int flags)}. */
    static final Binding ACCEPT4 = PosixCalls.binding("accept4", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
    /** {@code int kqueue(void)}. */
    static final Binding KQUEUE = PosixCalls.binding("kqueue", JAVA_INT);
    /** {@code int kevent(int kq, const struct kevent *, int, struct kevent *, int, const struct timespec *)}. */
    static final Binding KEVENT = PosixCalls.binding("kevent", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS,
            JAVA_INT, ADDRESS);

    /** Every function the platform links. */
    static final List<Binding> ALL =
            Stream.concat(PosixCalls.SHARED.stream(), Stream.of(SENDFILE, ACCEPT4, KQUEUE, KEVENT)).toList();

    static FunctionDescriptor descriptor(Binding b) {
        MemoryLayout[] args = b.args().toArray(MemoryLayout[]::new);
        return b.result() == null ? FunctionDescriptor.ofVoid(args) : FunctionDescriptor.of(b.result(), args);
    }

    /** The options {@link Binding#link()} names: errno capture, critical, the first variadic argument. */
    static Linker.Option[] options(Binding b) {
        return Stream.of(b.link() == PosixCalls.Link.NO_ERRNO ? null : Linker.Option.captureCallState("errno"),
                b.link() == PosixCalls.Link.CRITICAL ? Linker.Option.critical(false) : null,
                b.firstVariadicArg() < 0 ? null : Linker.Option.firstVariadicArg(b.firstVariadicArg()))
                .filter(Objects::nonNull).toArray(Linker.Option[]::new);
    }
}
