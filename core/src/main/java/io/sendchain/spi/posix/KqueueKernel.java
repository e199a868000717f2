package io.sendchain.spi.posix;

import java.lang.foreign.MemorySegment;

/**
 * The kqueue calls of a BSD kernel (FreeBSD, macOS, and the other BSDs), in the kernel's convention: a result
 * {@code >= 0}, or {@code -errno}. {@code struct kevent}s are in the layout the platform's {@link KqueueAbi}
 * describes.
 */
public interface KqueueKernel extends PosixKernel {

    /** {@code kqueue()}: the descriptor or {@code -errno}. */
    int kqueue();

    /** {@code kevent(kq, changes, nchanges, events, nevents, timeout)}; {@code timeoutMillis < 0}: wait forever. */
    int kevent(int kq, MemorySegment changes, int nchanges, MemorySegment events, int nevents, long timeoutMillis);
}
