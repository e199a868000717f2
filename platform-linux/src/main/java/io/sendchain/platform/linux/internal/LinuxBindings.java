package io.sendchain.platform.linux.internal;

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
 * The libc functions the linux platform links: the toolkit's shared ones ({@link PosixCalls#SHARED}) and Linux's
 * own, with the descriptors and options {@link Syscalls} links them with. Nothing here links, so tests hold the
 * table against glibc's headers.
 */
final class LinuxBindings {

    private LinuxBindings() {
    }

    /** {@code ssize_t send(int fd, const void *buf, size_t n, int flags)}, the buffer by its address. */
    static final Binding SEND = PosixCalls.binding("send", JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT);
    /** {@code ssize_t sendfile64(int out_fd, int in_fd, off64_t *offset, size_t count)}: 64-bit offsets. */
    static final Binding SENDFILE64 = PosixCalls.binding("sendfile64", JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS,
            JAVA_LONG);
    /** {@code int accept4(int fd, struct sockaddr *addr, socklen_t *addr_len, int flags)}. */
    static final Binding ACCEPT4 = PosixCalls.binding("accept4", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
    /** {@code int epoll_create1(int flags)}. */
    static final Binding EPOLL_CREATE1 = PosixCalls.binding("epoll_create1", JAVA_INT, JAVA_INT);
    /** {@code int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)}. */
    static final Binding EPOLL_CTL = PosixCalls.binding("epoll_ctl", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
    /** {@code int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)}, which waits. */
    static final Binding EPOLL_WAIT = PosixCalls.binding("epoll_wait", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT,
            JAVA_INT);
    /** {@code int eventfd(unsigned int count, int flags)}. */
    static final Binding EVENTFD = PosixCalls.binding("eventfd", JAVA_INT, JAVA_INT, JAVA_INT);

    /**
     * {@code ssize_t splice(int fd_in, loff_t *off_in, int fd_out, loff_t *off_out, size_t len, unsigned int
     * flags)}: between a socket and a pipe neither offset applies (both {@code NULL}). With
     * {@code SPLICE_F_NONBLOCK} on non-blocking sockets it never waits: a critical downcall.
     */
    static final Binding SPLICE = PosixCalls.binding("splice", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS,
            JAVA_LONG, JAVA_INT);
    /** {@code int pipe2(int pipefd[2], int flags)}. */
    static final Binding PIPE2 = PosixCalls.binding("pipe2", JAVA_INT, ADDRESS, JAVA_INT);
    /** {@code int fcntl(int fd, int cmd, ...)}: the int argument ({@code F_SETPIPE_SZ}'s size) is variadic. */
    static final Binding FCNTL = PosixCalls.variadic("fcntl", 2, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);

    /**
     * {@code int statx(int dirfd, const char *pathname, int flags, unsigned int mask, struct statx *statxbuf)}: a
     * file's type, size and times (glibc 2.28+). It may wait for the disk.
     */
    static final Binding STATX = PosixCalls.binding("statx", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
            ADDRESS);

    /** Every function the platform links. */
    static final List<Binding> ALL =
            Stream.concat(PosixCalls.SHARED.stream(), Stream.of(SEND, SENDFILE64, ACCEPT4, EPOLL_CREATE1, EPOLL_CTL,
                    EPOLL_WAIT, EVENTFD, SPLICE, PIPE2, FCNTL, STATX)).toList();

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
