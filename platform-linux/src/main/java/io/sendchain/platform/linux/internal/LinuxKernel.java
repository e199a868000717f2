package io.sendchain.platform.linux.internal;

import io.sendchain.spi.posix.PosixKernel;
import java.lang.foreign.MemorySegment;

/**
 * The Linux system calls the platform makes, one method per call, in the kernel's own convention: a result
 * {@code >= 0}, or {@code -errno}: the POSIX toolkit's shared calls ({@link PosixKernel}) and Linux's own.
 * {@link Syscalls} makes them through FFM; tests substitute a fault-injecting kernel or a Mockito mock to check call
 * sequences. Implementations must be thread-safe (thread-pool sendfile calls {@link #sendfile} from worker threads).
 */
public interface LinuxKernel extends PosixKernel {

    /** {@code send(fd, (void *) address, count, flags)}: the buffer is given by its native address. */
    long send(int fd, long address, long count, int flags);

    /** {@code sendfile(outFd, inFd, &offset, count)} with a 64-bit offset passed by value. */
    long sendfile(int outFd, int inFd, long offset, long count);

    /** {@code accept4(fd, NULL, NULL, flags)}. */
    int accept4(int fd, int flags);

    int epollCreate1(int flags);

    int epollCtl(int epfd, int op, int fd, MemorySegment event);

    int epollWait(int epfd, MemorySegment events, int maxevents, int timeoutMillis);

    int eventfd(int initval, int flags);

    /**
     * {@code statx(dirfd, path, flags, mask, statxbuf)}: {@code statxbuf} is a {@code struct statx}
     * ({@link Linux#STATX_SIZE_OF} bytes), filled as the kernel fills it.
     */
    int statx(int dirfd, String path, int flags, int mask, MemorySegment statxbuf);
}
