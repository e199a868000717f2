package io.sendchain.platform.generic;

import io.sendchain.testkit.FaultPlan;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;

/** The real NIO kernel with a {@link FaultPlan}'s faults injected before each call. */
final class FaultyNioKernel implements NioKernel {

    private final FaultPlan plan;

    FaultyNioKernel(FaultPlan plan) {
        this.plan = plan;
    }

    @Override
    public long write(SocketChannel ch, ByteBuffer[] srcs, int offset, int length) throws IOException {
        long wanted = 0;
        for (int i = offset; i < offset + length; i++) {
            wanted += srcs[i].remaining();
        }
        FaultPlan.Fault f = plan.next(wanted);
        return switch (f.kind()) {
            case NONE -> REAL.write(ch, srcs, offset, length);
            case EAGAIN -> 0;
            case EINTR -> INTERRUPTED;
            case RESET -> throw new IOException("Connection reset by peer");
            case SHORT -> shortWrite(ch, srcs, offset, length, f.bytes());
        };
    }

    private static long shortWrite(SocketChannel ch, ByteBuffer[] srcs, int offset, int length, long cap)
            throws IOException {
        int[] limits = new int[length];
        long room = cap;
        for (int i = 0; i < length; i++) {
            ByteBuffer b = srcs[offset + i];
            limits[i] = b.limit();
            int take = (int) Math.min(b.remaining(), room);
            b.limit(b.position() + take);
            room -= take;
        }
        try {
            return REAL.write(ch, srcs, offset, length);
        } finally {
            for (int i = 0; i < length; i++) {
                srcs[offset + i].limit(limits[i]);
            }
        }
    }

    @Override
    public long transferTo(FileChannel file, long position, long count, SocketChannel ch) throws IOException {
        FaultPlan.Fault f = plan.next(count);
        return switch (f.kind()) {
            case NONE -> REAL.transferTo(file, position, count, ch);
            case EAGAIN -> 0;
            case EINTR -> INTERRUPTED;
            case RESET -> throw new IOException("Connection reset by peer");
            case SHORT -> REAL.transferTo(file, position, Math.min(count, f.bytes()), ch);
        };
    }
}
