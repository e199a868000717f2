package io.sendchain.platform.darwin.internal;

import java.lang.foreign.MemorySegment;

/**
 * The macOS system calls the platform makes, in the kernel's convention: a result {@code >= 0}, or {@code -errno}.
 * {@link DarwinSyscalls} makes them through FFM on macOS; tests run the platform on an emulation over Linux
 * sockets. Structures are in macOS's layouts ({@link DarwinLayouts}). Implementations must be thread-safe.
 */
public interface DarwinKernel {

    long writev(int fd, MemorySegment iov, int iovcnt);

    long readv(int fd, MemorySegment iov, int iovcnt);

    long read(int fd, long address, long count);

    long write(int fd, long address, long count);

    /**
     * {@code sendfile(fd, s, offset, &len, hdtr, 0)}: {@code len} is in/out. On input it counts the header bytes
     * and the file bytes to send; on output, every byte sent (headers and trailers included), also when the call
     * fails with EAGAIN or EINTR.
     *
     * @return {@code 0} or {@code -errno}
     */
    int sendfile(int fd, int s, long offset, MemorySegment len, MemorySegment hdtr, int flags);

    int setsockopt(int fd, int level, int name, int value);

    long getsockopt(int fd, int level, int name);

    int socket(int domain, int type, int protocol);

    int bind(int fd, MemorySegment addr, int addrlen);

    int listen(int fd, int backlog);

    /** {@code accept(fd, NULL, NULL)} (macOS has no accept4). */
    int accept(int fd);

    int connect(int fd, MemorySegment addr, int addrlen);

    int sockname(int fd, boolean peer, MemorySegment addr);

    /** {@code fcntl(fd, cmd, arg)} with an int argument. */
    int fcntl(int fd, int cmd, int arg);

    int shutdown(int fd, int how);

    int close(int fd);

    int open(String path, int flags);

    int kqueue();

    int kevent(int kq, MemorySegment changes, int nchanges, MemorySegment events, int nevents, long timeoutMillis);

    long sysconf(int name);

    String strerror(int errno);
}
