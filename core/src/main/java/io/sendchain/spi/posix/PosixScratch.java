package io.sendchain.spi.posix;

import io.sendchain.buf.Chain;
import io.sendchain.spi.FileRun;
import io.sendchain.spi.IoVec;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * Per-thread scratch for one send or receive call: the header and trailer gather lists and the file run a send
 * chain builds, and their native side: header and trailer {@code struct iovec} arrays, a BSD {@code sf_hdtr} and a
 * 64-bit out-parameter (FreeBSD's {@code sbytes}, macOS's in/out {@code len}). Made once per thread by
 * {@link PosixSockets}, reused by every call.
 *
 * <p>It is not in the socket because it is only used within one call: a send fills the lists and the run, makes
 * the system call and updates the chain before it returns, and keeps nothing in them for the next call (nginx's
 * send chains build their {@code ngx_iovec_t}s on the stack for the same reason). An idle keep-alive connection
 * thus holds none of their 2.7 KB. {@link PosixStreamSocket#send} clears them on the way out, so the thread's
 * scratch keeps no buf of a finished response reachable.
 */
public final class PosixScratch {

    /** {@code sizeof(struct iovec)} on every LP64 ABI: a pointer and a {@code size_t}. */
    public static final long IOVEC = PosixLayouts.IOVEC.byteSize();

    /** The memory bufs in front of the file run, or of a memory-only chain (writev). */
    public final IoVec header = new IoVec();
    /** The memory bufs after the file run. */
    public final IoVec trailer = new IoVec();
    /** The file bufs for one sendfile. */
    public final FileRun run;
    /** The iovec array of {@link #header} (and of readv). */
    public final MemorySegment headers;
    /** The iovec array of {@link #trailer}. */
    public final MemorySegment trailers;
    /** A {@code struct sf_hdtr} pointing at {@link #headers} and {@link #trailers}; {@code NULL} without one. */
    public final MemorySegment hdtr;
    /** A 64-bit out-parameter of the send call. */
    public final MemorySegment word;
    private final long hdtrHeaders;
    private final long hdtrHdrCnt;
    private final long hdtrTrailers;
    private final long hdtrTrlCnt;

    /**
     * One thread's scratch.
     *
     * @param pageSize the platform's page size (file runs are rounded to it)
     * @param sfHdtr the platform's {@code struct sf_hdtr} layout, with elements named {@code headers},
     *     {@code hdr_cnt}, {@code trailers} and {@code trl_cnt}; {@code null} on a platform without one
     */
    public PosixScratch(long pageSize, StructLayout sfHdtr) {
        run = new FileRun(pageSize);
        Arena arena = Arena.ofAuto();
        headers = arena.allocate(IOVEC * IoVec.DEFAULT_CAPACITY, 8);
        trailers = arena.allocate(IOVEC * IoVec.DEFAULT_CAPACITY, 8);
        word = arena.allocate(ValueLayout.JAVA_LONG);
        if (sfHdtr == null) {
            hdtr = MemorySegment.NULL;
            hdtrHeaders = hdtrHdrCnt = hdtrTrailers = hdtrTrlCnt = -1;
        } else {
            hdtr = arena.allocate(sfHdtr);
            hdtrHeaders = sfHdtr.byteOffset(MemoryLayout.PathElement.groupElement("headers"));
            hdtrHdrCnt = sfHdtr.byteOffset(MemoryLayout.PathElement.groupElement("hdr_cnt"));
            hdtrTrailers = sfHdtr.byteOffset(MemoryLayout.PathElement.groupElement("trailers"));
            hdtrTrlCnt = sfHdtr.byteOffset(MemoryLayout.PathElement.groupElement("trl_cnt"));
        }
    }

    /** Forgets the bufs of the call that ends. */
    public void clear() {
        header.clear();
        trailer.clear();
        run.clear();
    }

    /**
     * Gathers what one BSD {@code sendfile} call sends, as nginx's {@code ngx_freebsd_sendfile_chain} and
     * {@code ngx_darwin_sendfile_chain} do: the memory bufs at the head of {@code in} into {@link #header}, and, if
     * a file buf follows within {@code room} bytes, a coalesced run of it into {@link #run} and then, while still
     * under {@code room}, the memory bufs after it into {@link #trailer} (only if {@code trailerWithHeader} or there
     * is no header: macOS's in/out {@code len} counts the headers, so nginx does not send both there).
     *
     * @return whether a file run was gathered; if not, {@link #header} is a memory-only part for writev
     */
    public boolean gatherSendfile(Chain in, long room, boolean trailerWithHeader) throws IOException {
        Chain cl = header.fill(in, room);
        long send = header.size();
        if (cl == null || !cl.buf().inFile() || send >= room) {
            return false;
        }
        send += run.coalesce(cl, room - send);
        if (send < room && (trailerWithHeader || header.count() == 0)) {
            trailer.fill(run.next(), room - send);
        } else {
            trailer.clear();
        }
        return true;
    }

    /** Copies {@code vec}'s entries into {@code iov}; returns the count. */
    public static int fill(MemorySegment iov, IoVec vec) {
        int n = vec.count();
        for (int i = 0; i < n; i++) {
            iovec(iov, i, vec.address(i), vec.length(i));
        }
        return n;
    }

    /** Writes entry {@code i} of an iovec array. */
    public static void iovec(MemorySegment iov, int i, long base, long len) {
        iov.set(ValueLayout.JAVA_LONG, i * IOVEC, base);
        iov.set(ValueLayout.JAVA_LONG, i * IOVEC + 8, len);
    }

    /**
     * Fills {@link #header} and {@link #trailer} into their iovec arrays and the sf_hdtr; a pointer is NULL when
     * its count is 0 (sendfile does needless work otherwise, and macOS's returns EINVAL). Returns {@link #hdtr}.
     */
    public MemorySegment hdtr() {
        if (hdtrHeaders < 0) {
            throw new IllegalStateException("this platform's scratch has no sf_hdtr");
        }
        int h = fill(headers, header);
        int t = fill(trailers, trailer);
        hdtr.set(ValueLayout.ADDRESS, hdtrHeaders, h > 0 ? headers : MemorySegment.NULL);
        hdtr.set(ValueLayout.JAVA_INT, hdtrHdrCnt, h);
        hdtr.set(ValueLayout.ADDRESS, hdtrTrailers, t > 0 ? trailers : MemorySegment.NULL);
        hdtr.set(ValueLayout.JAVA_INT, hdtrTrlCnt, t);
        return hdtr;
    }
}
