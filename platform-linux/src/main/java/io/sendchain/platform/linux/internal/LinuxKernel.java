package io.sendchain.platform.linux.internal;

import java.lang.foreign.MemorySegment;

/**
 * The Linux system calls the platform makes, one method per call, in the kernel's own convention: a result
 * {@code >= 0}, or {@code -errno}. {@link Syscalls} makes them through FFM; tests substitute a fault-injecting
 * kernel or a Mockito mock to check call sequences. Implementations must be thread-safe (thread-pool sendfile
 * calls {@link #sendfile} from worker threads).
 */
public interface LinuxKernel {

    long writev(int fd, MemorySegment iov, int iovcnt);

    long readv(int fd, MemorySegment iov, int iovcnt);

    /** {@code read(fd, (void *) address, count)}: the buffer is given by its native address. */
    long read(int fd, long address, long count);

    /** {@code write(fd, (void *) address, count)}: the buffer is given by its native address. */
    long write(int fd, long address, long count);

    /** {@code send(fd, (void *) address, count, flags)}: the buffer is given by its native address. */
    long send(int fd, long address, long count, int flags);

    /** {@code sendfile(outFd, inFd, &offset, count)} with a 64-bit offset passed by value. */
    long sendfile(int outFd, int inFd, long offset, long count);

    /** {@code setsockopt} of an {@code int} option. */
    int setsockopt(int fd, int level, int name, int value);

    /** {@code getsockopt} of an {@code int} option: the value ({@code >= 0}) or {@code -errno}. */
    long getsockopt(int fd, int level, int name);

    int socket(int domain, int type, int protocol);

    int bind(int fd, MemorySegment addr, int addrlen);

    int listen(int fd, int backlog);

    /** {@code accept4(fd, NULL, NULL, flags)}. */
    int accept4(int fd, int flags);

    int connect(int fd, MemorySegment addr, int addrlen);

    /** {@code getsockname} ({@code peer == false}) or {@code getpeername} into {@code addr}; returns the length. */
    int sockname(int fd, boolean peer, MemorySegment addr);

    int shutdown(int fd, int how);

    int close(int fd);

    /** {@code open(path, flags, 0)}. */
    int open(String path, int flags);

    int epollCreate1(int flags);

    int epollCtl(int epfd, int op, int fd, MemorySegment event);

    int epollWait(int epfd, MemorySegment events, int maxevents, int timeoutMillis);

    int eventfd(int initval, int flags);

    /** {@code sysconf(name)}. */
    long sysconf(int name);

    /** The system's text for {@code errno}. */
    String strerror(int errno);
}
