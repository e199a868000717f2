package io.sendchain.spi.posix;

import java.lang.foreign.MemorySegment;

/**
 * The system calls every POSIX platform shares, in the kernel's convention: a result {@code >= 0}, or
 * {@code -errno}. A platform implements it with FFM bindings (linked as {@link PosixCalls} says); tests implement
 * it with an emulation or a fault-injecting kernel. Structures are passed in the platform's own layouts.
 * Implementations must be thread-safe. Accepting is the platform's ({@code accept4} or {@code accept} and
 * {@code fcntl}): see {@link PosixListenSocket}.
 */
public interface PosixKernel {

    /** {@code writev(fd, iov, iovcnt)}: bytes written or {@code -errno}. */
    long writev(int fd, MemorySegment iov, int iovcnt);

    /** {@code readv(fd, iov, iovcnt)}: bytes read ({@code 0} at end of stream) or {@code -errno}. */
    long readv(int fd, MemorySegment iov, int iovcnt);

    /** {@code read(fd, (void *) address, count)}: the buffer is given by its native address. */
    long read(int fd, long address, long count);

    /** {@code write(fd, (void *) address, count)}: the buffer is given by its native address. */
    long write(int fd, long address, long count);

    /** {@code setsockopt} of an {@code int} option. */
    int setsockopt(int fd, int level, int name, int value);

    /** {@code getsockopt} of an {@code int} option: the value ({@code >= 0}) or {@code -errno}. */
    long getsockopt(int fd, int level, int name);

    /** {@code socket(domain, type, protocol)}: the descriptor or {@code -errno}. */
    int socket(int domain, int type, int protocol);

    /** {@code bind(fd, addr, addrlen)}: {@code 0} or {@code -errno}. */
    int bind(int fd, MemorySegment addr, int addrlen);

    /** {@code listen(fd, backlog)}: {@code 0} or {@code -errno}. */
    int listen(int fd, int backlog);

    /** {@code connect(fd, addr, addrlen)}: {@code 0} or {@code -errno} ({@code EINPROGRESS} when non-blocking). */
    int connect(int fd, MemorySegment addr, int addrlen);

    /** {@code getsockname} ({@code peer == false}) or {@code getpeername} into {@code addr}; returns the length. */
    int sockname(int fd, boolean peer, MemorySegment addr);

    /** {@code shutdown(fd, how)}: {@code 0} or {@code -errno}. */
    int shutdown(int fd, int how);

    /** {@code close(fd)}: {@code 0} or {@code -errno}. */
    int close(int fd);

    /** {@code open(path, flags, 0)}. */
    int open(String path, int flags);

    /** {@code sysconf(name)}. */
    long sysconf(int name);

    /** The system's text for {@code errno}. */
    String strerror(int errno);
}
