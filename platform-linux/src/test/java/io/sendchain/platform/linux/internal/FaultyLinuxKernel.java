package io.sendchain.platform.linux.internal;

import io.sendchain.testkit.FaultPlan;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The real kernel with a {@link FaultPlan} consulted before every writev, write and sendfile: short calls,
 * EAGAIN, EINTR and ECONNRESET in the kernel's own convention ({@code -errno}).
 */
class FaultyLinuxKernel extends DelegatingKernel {

    private final FaultPlan plan;

    FaultyLinuxKernel(LinuxKernel real, FaultPlan plan) {
        super(real);
        this.plan = plan;
    }

    private static long fault(FaultPlan.Fault f) {
        return switch (f.kind()) {
            case EAGAIN -> -Linux.EAGAIN;
            case EINTR -> -Linux.EINTR;
            case RESET -> -Linux.ECONNRESET;
            default -> throw new IllegalArgumentException(f.toString());
        };
    }

    @Override
    public long writev(int fd, MemorySegment iov, int iovcnt) {
        long wanted = 0;
        for (int i = 0; i < iovcnt; i++) {
            wanted += iov.get(ValueLayout.JAVA_LONG, i * 16L + 8);
        }
        FaultPlan.Fault f = plan.next(wanted);
        switch (f.kind()) {
            case NONE:
                return super.writev(fd, iov, iovcnt);
            case SHORT:
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment cut = arena.allocate(16L * iovcnt, 8);
                    long room = f.bytes();
                    int n = 0;
                    for (int i = 0; i < iovcnt && room > 0; i++) {
                        long len = Math.min(room, iov.get(ValueLayout.JAVA_LONG, i * 16L + 8));
                        cut.set(ValueLayout.JAVA_LONG, n * 16L, iov.get(ValueLayout.JAVA_LONG, i * 16L));
                        cut.set(ValueLayout.JAVA_LONG, n * 16L + 8, len);
                        room -= len;
                        n++;
                    }
                    return super.writev(fd, cut, n);
                }
            default:
                return fault(f);
        }
    }

    @Override
    public long write(int fd, long address, long count) {
        FaultPlan.Fault f = plan.next(count);
        return switch (f.kind()) {
            case NONE -> super.write(fd, address, count);
            case SHORT -> super.write(fd, address, Math.min(count, f.bytes()));
            default -> fault(f);
        };
    }

    @Override
    public long send(int fd, long address, long count, int flags) {
        FaultPlan.Fault f = plan.next(count);
        return switch (f.kind()) {
            case NONE -> super.send(fd, address, count, flags);
            case SHORT -> super.send(fd, address, Math.min(count, f.bytes()), flags);
            default -> fault(f);
        };
    }

    @Override
    public long sendfile(int outFd, int inFd, long offset, long count) {
        FaultPlan.Fault f = plan.next(count);
        return switch (f.kind()) {
            case NONE -> super.sendfile(outFd, inFd, offset, count);
            case SHORT -> super.sendfile(outFd, inFd, offset, Math.min(count, f.bytes()));
            default -> fault(f);
        };
    }
}
