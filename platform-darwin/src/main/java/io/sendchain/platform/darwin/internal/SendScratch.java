package io.sendchain.platform.darwin.internal;

import io.sendchain.buf.IoVec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Per-thread native memory for one sendfile: header and trailer iovec arrays, the sf_hdtr, the sbytes result. */
final class SendScratch {

    static final long IOVEC = DarwinLayouts.IOVEC.byteSize();

    final MemorySegment headers;
    final MemorySegment trailers;
    final MemorySegment hdtr;
    final MemorySegment sbytes;

    SendScratch() {
        Arena arena = Arena.ofAuto();
        headers = arena.allocate(IOVEC * IoVec.DEFAULT_CAPACITY, 8);
        trailers = arena.allocate(IOVEC * IoVec.DEFAULT_CAPACITY, 8);
        hdtr = arena.allocate(DarwinLayouts.SF_HDTR);
        sbytes = arena.allocate(ValueLayout.JAVA_LONG);
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
