package io.sendchain.platform.linux.internal;

import io.sendchain.spi.FileRun;
import io.sendchain.spi.IoVec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * Per-thread scratch of the linux platform for one send or receive call: the gather list and file run the send
 * chain builds, the {@code struct iovec} array of one writev/readv, and a bounce buffer for files that were not
 * opened natively, and the {@code struct statx} of a look at a file. Made once per thread, reused by every call.
 *
 * <p>It is here and not in the socket because it is only used within one call: {@code send} fills {@link #vec}
 * and {@link #run}, makes the system call and updates the chain before it returns, and keeps nothing in them for
 * the next call (nginx builds its {@code ngx_iovec_t} on the stack for the same reason). An idle keep-alive
 * connection thus holds none of its 1.4 KB. A call clears {@link #vec} and {@link #run} on the way out, so the
 * thread's scratch keeps no buf of a finished response reachable. Pool threads ({@link SendfileTask}) never
 * touch it: they get an offset and a size, not the loop thread's scratch.
 */
final class IoScratch {

    /** sizeof(struct iovec) on 64-bit Linux: a pointer and a size_t. */
    static final long IOVEC_SIZE = 16;
    static final int COPY_SIZE = 64 * 1024;

    /** The memory bufs at the head of the chain, for one writev. */
    final IoVec vec = new IoVec();
    /** The file bufs for one sendfile. */
    final FileRun run;
    final MemorySegment iov;
    /** A {@code struct statx} for {@link LinuxPlatform#stat}. */
    final MemorySegment statx;
    final ByteBuffer copy;
    final long copyAddress;

    IoScratch(long pageSize) {
        run = new FileRun(pageSize);
        iov = Arena.ofAuto().allocate(IOVEC_SIZE * IoVec.DEFAULT_CAPACITY, 8);
        statx = Arena.ofAuto().allocate(Linux.STATX_SIZE_OF, 8);
        copy = ByteBuffer.allocateDirect(COPY_SIZE);
        copyAddress = MemorySegment.ofBuffer(copy).address();
    }

    /** Forgets the bufs of the call that ends. */
    void clear() {
        vec.clear();
        run.clear();
    }

    /** Writes entry {@code i} of the iovec array. */
    void iovec(int i, long base, long len) {
        iov.set(ValueLayout.JAVA_LONG, i * IOVEC_SIZE, base);
        iov.set(ValueLayout.JAVA_LONG, i * IOVEC_SIZE + 8, len);
    }
}
