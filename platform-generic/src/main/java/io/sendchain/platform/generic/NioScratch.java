package io.sendchain.platform.generic;

import io.sendchain.buf.Buf;
import io.sendchain.spi.FileRun;
import io.sendchain.spi.IoVec;
import java.nio.ByteBuffer;

/**
 * Per-thread scratch of the generic platform for one send or receive call: the gather list and file run the send
 * chain builds, and the {@code ByteBuffer} windows (and, for a read, their bufs) handed to a gathering write or a
 * scattering read. Made once per thread by {@link GenericPlatform}, reused by every call.
 *
 * <p>It is here and not in the socket because it is only used within one call: {@code send} fills {@link #vec}
 * and {@link #run}, writes and updates the chain before it returns, and keeps nothing in them for the next call
 * (nginx builds its {@code ngx_iovec_t} on the stack for the same reason). An idle keep-alive connection thus
 * holds none of its 2.4 KB. Every call clears what it filled on the way out, so the thread's scratch keeps no buf
 * of a finished response reachable.
 */
final class NioScratch {

    /** The memory bufs at the head of the chain, for one gathering write. */
    final IoVec vec = new IoVec();
    /** The file bufs for one transfer. */
    final FileRun run = new FileRun(NioStreamSocket.PAGE_SIZE);
    /** Windows on the entries of {@link #vec}, or on the free room of a scattering read's bufs. */
    final ByteBuffer[] views = new ByteBuffer[IoVec.DEFAULT_CAPACITY];
    /** The bufs a scattering read fills, one per view. */
    final Buf[] readBufs = new Buf[IoVec.DEFAULT_CAPACITY];

    /** Forgets the bufs of the send call that ends (the views and read bufs are cleared where they are filled). */
    void clear() {
        vec.clear();
        run.clear();
    }
}
