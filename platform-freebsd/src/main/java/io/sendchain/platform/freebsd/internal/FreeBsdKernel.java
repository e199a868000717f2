package io.sendchain.platform.freebsd.internal;

import java.lang.foreign.MemorySegment;

/**
 * The FreeBSD system calls the platform makes, in the kernel's convention: a result {@code >= 0}, or
 * {@code -errno}. {@link FreeBsdSyscalls} makes them through FFM on FreeBSD; tests run the platform on an
 * emulation of this interface over Linux sockets. Structures are passed in FreeBSD's layouts
 * ({@link FreeBsdLayouts}). Implementations must be thread-safe.
 */
public interface FreeBsdKernel {

    long writev(int fd, MemorySegment iov, int iovcnt);

    long readv(int fd, MemorySegment iov, int iovcnt);

    long read(int fd, long address, long count);

    long write(int fd, long address, long count);

    /**
     * {@code sendfile(fd, s, offset, nbytes, hdtr, &sbytes, flags)}: sends headers, {@code nbytes} of the file
     * ({@code 0}: to its end) and trailers; writes the bytes sent (headers and trailers included) to
     * {@code sbytes} even when it fails with EAGAIN, EINTR or EBUSY.
     *
     * @return {@code 0} or {@code -errno}
     */
    int sendfile(int fd, int s, long offset, long nbytes, MemorySegment hdtr, MemorySegment sbytes, int flags);

    int setsockopt(int fd, int level, int name, int value);

    long getsockopt(int fd, int level, int name);

    int socket(int domain, int type, int protocol);

    int bind(int fd, MemorySegment addr, int addrlen);

    int listen(int fd, int backlog);

    /** {@code accept4(fd, NULL, NULL, flags)}. */
    int accept4(int fd, int flags);

    int connect(int fd, MemorySegment addr, int addrlen);

    /** {@code getsockname}/{@code getpeername} into {@code addr}; returns the length. */
    int sockname(int fd, boolean peer, MemorySegment addr);

    int shutdown(int fd, int how);

    int close(int fd);

    int open(String path, int flags);

    int kqueue();

    /** {@code kevent(kq, changes, nchanges, events, nevents, timeout)}; {@code timeoutMillis < 0}: wait forever. */
    int kevent(int kq, MemorySegment changes, int nchanges, MemorySegment events, int nevents, long timeoutMillis);

    long sysconf(int name);

    String strerror(int errno);
}
