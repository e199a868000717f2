package io.sendchain.platform.darwin.internal;

import io.sendchain.spi.FileRun;
import io.sendchain.spi.IoVec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Per-thread scratch for one send or receive call: the header and trailer gather lists and the file run the send
 * chain builds, and their native side: header and trailer iovec arrays, the sf_hdtr, the sbytes result. Made once
 * per thread, reused by every call.
 *
 * <p>It is here and not in the socket because it is only used within one call: {@code send} fills the lists and
 * the run, makes the system call and updates the chain before it returns, and keeps nothing in them for the next
 * call (nginx's sendfile chain builds its {@code ngx_iovec_t}s on the stack for the same reason). An idle
 * keep-alive connection thus holds none of their 2.7 KB. A call clears them on the way out, so the thread's
 * scratch keeps no buf of a finished response reachable.
 */
final class SendScratch {

    static final long IOVEC = DarwinLayouts.IOVEC.byteSize();

    /** The memory bufs in front of the file run, or of a memory-only chain (writev). */
    final IoVec header = new IoVec();
    /** The memory bufs after the file run. */
    final IoVec trailer = new IoVec();
    /** The file bufs for one sendfile. */
    final FileRun run;
    final MemorySegment headers;
    final MemorySegment trailers;
    final MemorySegment hdtr;
    final MemorySegment sbytes;

    SendScratch(long pageSize) {
        run = new FileRun(pageSize);
        Arena arena = Arena.ofAuto();
        headers = arena.allocate(IOVEC * IoVec.DEFAULT_CAPACITY, 8);
        trailers = arena.allocate(IOVEC * IoVec.DEFAULT_CAPACITY, 8);
        hdtr = arena.allocate(DarwinLayouts.SF_HDTR);
        sbytes = arena.allocate(ValueLayout.JAVA_LONG);
    }

    /** Forgets the bufs of the call that ends. */
    void clear() {
        header.clear();
        trailer.clear();
        run.clear();
    }

    /** Copies {@code vec}'s entries into {@code iov}; returns the count. */
    static int fill(MemorySegment iov, IoVec vec) {
        int n = vec.count();
        for (int i = 0; i < n; i++) {
            iov.set(ValueLayout.JAVA_LONG, i * IOVEC, vec.address(i));
            iov.set(ValueLayout.JAVA_LONG, i * IOVEC + 8, vec.length(i));
        }
        return n;
    }

    /** Fills the sf_hdtr; a pointer is NULL when its count is 0 (sendfile does needless work otherwise). */
    void hdtr(int headerCount, int trailerCount) {
        hdtr.set(ValueLayout.ADDRESS, DarwinLayouts.HDTR_HEADERS, headerCount > 0 ? headers : MemorySegment.NULL);
        hdtr.set(ValueLayout.JAVA_INT, DarwinLayouts.HDTR_HDR_CNT, headerCount);
        hdtr.set(ValueLayout.ADDRESS, DarwinLayouts.HDTR_TRAILERS, trailerCount > 0 ? trailers : MemorySegment.NULL);
        hdtr.set(ValueLayout.JAVA_INT, DarwinLayouts.HDTR_TRL_CNT, trailerCount);
    }
}
