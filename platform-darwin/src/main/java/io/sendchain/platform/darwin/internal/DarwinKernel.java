package io.sendchain.platform.darwin.internal;

import io.sendchain.spi.posix.KqueueKernel;
import java.lang.foreign.MemorySegment;

/**
 * The macOS system calls the platform makes, in the kernel's convention: a result {@code >= 0}, or {@code -errno}:
 * the POSIX toolkit's shared calls and kqueue, and macOS's own {@code sendfile}, {@code accept} and {@code fcntl}.
 * {@link DarwinSyscalls} makes them through FFM on macOS; tests run the platform on an emulation over Linux
 * sockets. Structures are in macOS's layouts ({@link DarwinLayouts}). Implementations must be thread-safe.
 */
public interface DarwinKernel extends KqueueKernel {

    /**
     * {@code sendfile(fd, s, offset, &len, hdtr, 0)}: {@code len} is in/out. On input it counts the header bytes
     * and the file bytes to send; on output, every byte sent (headers and trailers included), also when the call
     * fails with EAGAIN or EINTR.
     *
     * @return {@code 0} or {@code -errno}
     */
    int sendfile(int fd, int s, long offset, MemorySegment len, MemorySegment hdtr, int flags);

    /** {@code accept(fd, NULL, NULL)} (macOS has no accept4). */
    int accept(int fd);

    /** {@code fcntl(fd, cmd, arg)} with an int argument. */
    int fcntl(int fd, int cmd, int arg);
}
