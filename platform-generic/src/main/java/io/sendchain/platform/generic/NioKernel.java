package io.sendchain.platform.generic;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;

/**
 * The calls the generic send chain makes, as one seam: {@link #REAL} goes to NIO; tests put a fault-injecting
 * kernel here (short writes, EAGAIN, EINTR, resets) to drive the send chain through every branch.
 */
interface NioKernel {

    /** An interrupted call: nothing happened, try again (NIO retries EINTR itself; fault kernels report it). */
    long INTERRUPTED = -4;

    /** Gathering write; returns bytes written ({@code 0}: the socket is full) or {@link #INTERRUPTED}. */
    long write(SocketChannel ch, ByteBuffer[] srcs, int offset, int length) throws IOException;

    /** Zero-copy file send; returns bytes sent ({@code 0}: socket full or end of file) or {@link #INTERRUPTED}. */
    long transferTo(FileChannel file, long position, long count, SocketChannel ch) throws IOException;

    NioKernel REAL = new NioKernel() {
        @Override
        public long write(SocketChannel ch, ByteBuffer[] srcs, int offset, int length) throws IOException {
            return ch.write(srcs, offset, length);
        }

        @Override
        public long transferTo(FileChannel file, long position, long count, SocketChannel ch) throws IOException {
            return file.transferTo(position, count, ch);
        }
    };
}
