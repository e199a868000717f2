package io.sendchain.platform.freebsd.internal;

import io.sendchain.spi.posix.KqueueKernel;
import java.lang.foreign.MemorySegment;

/**
 * The FreeBSD system calls the platform makes, in the kernel's convention: a result {@code >= 0}, or
 * {@code -errno}: the POSIX toolkit's shared calls and kqueue, and FreeBSD's own {@code sendfile} and
 * {@code accept4}. {@link FreeBsdSyscalls} makes them through FFM on FreeBSD; tests run the platform on an
 * emulation of this interface over Linux sockets. Structures are passed in FreeBSD's layouts
 * ({@link FreeBsdLayouts}). Implementations must be thread-safe.
 */
public interface FreeBsdKernel extends KqueueKernel {

    /**
     * {@code sendfile(fd, s, offset, nbytes, hdtr, &sbytes, flags)}: sends headers, {@code nbytes} of the file
     * ({@code 0}: to its end) and trailers; writes the bytes sent (headers and trailers included) to
     * {@code sbytes} even when it fails with EAGAIN, EINTR or EBUSY.
     *
     * @return {@code 0} or {@code -errno}
     */
    int sendfile(int fd, int s, long offset, long nbytes, MemorySegment hdtr, MemorySegment sbytes, int flags);

    /** {@code accept4(fd, NULL, NULL, flags)}. */
    int accept4(int fd, int flags);
}
