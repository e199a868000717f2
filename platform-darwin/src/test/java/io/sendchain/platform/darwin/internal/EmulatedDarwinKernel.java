package io.sendchain.platform.darwin.internal;

import io.sendchain.spi.posix.PosixLayouts;
import io.sendchain.testkit.BsdEmulation;
import io.sendchain.testkit.EmulatedBsdKernel;
import io.sendchain.testkit.FaultPlan;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * macOS's kernel interface emulated on this machine: real loopback sockets and files, BSD errno numbers, structures
 * in macOS's layouts, and {@code sendfile(2)} with an {@code sf_hdtr} and macOS's in/out {@code len}: on input it
 * counts header bytes and file bytes, on output every byte sent (trailers too); a full socket is EAGAIN with the
 * bytes sent so far in {@code len}; an offset at the end of the file sends nothing and succeeds.
 */
class EmulatedDarwinKernel extends EmulatedBsdKernel implements DarwinKernel {

    volatile long lastLenIn;
    volatile int lastHeaderCount;
    volatile int lastTrailerCount;

    EmulatedDarwinKernel(FaultPlan faults) {
        super(faults, Darwin.ABI, Darwin.KQUEUE, PosixLayouts.SF_HDTR, Darwin.SC_PAGESIZE);
    }

    @Override
    public int sendfile(int fd, int s, long offset, MemorySegment len, MemorySegment hdtr, int flags) {
        syscalls.incrementAndGet();
        sendfileCalls.incrementAndGet();
        MemorySegment l = len.reinterpret(8);
        long lenIn = l.get(ValueLayout.JAVA_LONG, 0);
        lastLenIn = lenIn;
        ByteBuffer[][] ht = hdtr(hdtr);
        ByteBuffer[] headers = ht[0];
        ByteBuffer[] trailers = ht[1];
        lastHeaderCount = headers.length;
        lastTrailerCount = trailers.length;
        long headerBytes = BsdEmulation.remaining(headers);
        long fileSize = os.fileSize(fd);
        if (fileSize < 0) {
            return (int) fileSize;
        }
        // len counts the headers on input; 0 means to the end of the file
        long fileBytes = lenIn == 0 ? Math.max(0, fileSize - offset) : Math.max(0, lenIn - headerBytes);
        fileBytes = Math.min(fileBytes, Math.max(0, fileSize - offset));
        long wanted = headerBytes + fileBytes + BsdEmulation.remaining(trailers);
        l.set(ValueLayout.JAVA_LONG, 0, 0);

        FaultPlan.Fault f = os.faults().next(wanted);
        switch (f.kind()) {
            case EAGAIN:
                return -BsdEmulation.EAGAIN;
            case EINTR:
                return -BsdEmulation.EINTR;
            case RESET:
                return -BsdEmulation.ECONNRESET;
            default:
                break;
        }
        long cap = f.kind() == FaultPlan.Kind.SHORT ? f.bytes() : Long.MAX_VALUE;

        long sent = 0;
        boolean full = false;
        if (headerBytes > 0) {
            long n = os.rawWrite(s, headers, Math.min(cap, headerBytes));
            if (n < 0 && n != -BsdEmulation.EAGAIN) {
                return (int) n;
            }
            sent += Math.max(0, n);
            full = n < headerBytes;
        }
        boolean fileDone = fileBytes == 0;
        if (!full && fileBytes > 0 && sent < cap) {
            long ask = Math.min(fileBytes, cap - sent);
            long n = os.transfer(fd, offset, ask, s);
            if (n < 0) {
                l.set(ValueLayout.JAVA_LONG, 0, sent);
                return (int) n;
            }
            sent += n;
            fileDone = n == fileBytes;
            if (n < ask) {
                boolean eof = offset + n >= os.fileSize(fd);
                if (eof) {
                    l.set(ValueLayout.JAVA_LONG, 0, sent);
                    return 0;
                }
                full = true;
            }
        }
        long trailerBytes = BsdEmulation.remaining(trailers);
        if (!full && fileDone && trailerBytes > 0 && sent < cap) {
            long n = os.rawWrite(s, trailers, Math.min(cap - sent, trailerBytes));
            if (n < 0 && n != -BsdEmulation.EAGAIN) {
                l.set(ValueLayout.JAVA_LONG, 0, sent);
                return (int) n;
            }
            sent += Math.max(0, n);
            full = n < trailerBytes;
        }
        l.set(ValueLayout.JAVA_LONG, 0, sent);
        if (full || (f.kind() == FaultPlan.Kind.SHORT && sent < wanted)) {
            return -BsdEmulation.EAGAIN;
        }
        return 0;
    }

    @Override
    protected int setsockoptOther(int fd, int level, int name, int value) {
        // the emulation never raises SIGPIPE
        return level == Darwin.SOL_SOCKET && name == Darwin.SO_NOSIGPIPE ? 0 : -BsdEmulation.EINVAL;
    }

    /** File status flags per descriptor: the platform must make every socket non-blocking before using it. */
    private final java.util.Map<Integer, Integer> fdFlags = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public int fcntl(int fd, int cmd, int arg) {
        syscalls.incrementAndGet();
        return switch (cmd) {
            case Darwin.F_GETFL -> fdFlags.getOrDefault(fd, 0);
            case Darwin.F_SETFL -> {
                fdFlags.put(fd, arg);
                yield 0;
            }
            case Darwin.F_SETFD -> 0;
            default -> -BsdEmulation.EINVAL;
        };
    }

    boolean nonBlocking(int fd) {
        return (fdFlags.getOrDefault(fd, 0) & Darwin.O_NONBLOCK) != 0;
    }

    @Override
    public int accept(int fd) {
        syscalls.incrementAndGet();
        return os.accept(fd);
    }
}
