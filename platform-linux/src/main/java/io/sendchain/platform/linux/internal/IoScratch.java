package io.sendchain.platform.linux.internal;

import io.sendchain.buf.IoVec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Per-thread native scratch memory of the linux platform: the {@code struct iovec} array of one writev/readv
 * and a bounce buffer for files that were not opened natively. Made once per thread, reused by every call.
 */
final class IoScratch {

    /** sizeof(struct iovec) on 64-bit Linux: a pointer and a size_t. */
    static final long IOVEC_SIZE = 16;
    static final int COPY_SIZE = 64 * 1024;

    final MemorySegment iov;
    final ByteBuffer copy;
    final long copyAddress;

    IoScratch() {
        iov = Arena.ofAuto().allocate(IOVEC_SIZE * IoVec.DEFAULT_CAPACITY, 8);
        copy = ByteBuffer.allocateDirect(COPY_SIZE);
        copyAddress = MemorySegment.ofBuffer(copy).address();
    }

    /** Writes entry {@code i} of the iovec array. */
    void iovec(int i, long base, long len) {
        iov.set(java.lang.foreign.ValueLayout.JAVA_LONG, i * IOVEC_SIZE, base);
        iov.set(java.lang.foreign.ValueLayout.JAVA_LONG, i * IOVEC_SIZE + 8, len);
    }
}
