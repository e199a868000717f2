package io.sendchain.platform.freebsd.internal;

import io.sendchain.spi.posix.PosixLayouts;
import io.sendchain.testkit.BsdEmulation;
import io.sendchain.testkit.EmulatedBsdKernel;
import io.sendchain.testkit.FaultPlan;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * FreeBSD's kernel interface emulated on this machine: real loopback sockets and files, FreeBSD's errno numbers,
 * structures in FreeBSD's layouts, and {@code sendfile(2)} with an {@code sf_hdtr} done as header writes, a file
 * transfer and trailer writes with FreeBSD's accounting: {@code sbytes} counts headers and trailers, {@code nbytes}
 * counts file bytes only (or the headers too, in the "nbytes bug" mode), a full socket is EAGAIN with the bytes
 * sent so far, an offset at the end of the file sends nothing and succeeds.
 *
 * <p>Faults: the {@link FaultPlan} for every write-like call (short, EAGAIN, EINTR, ECONNRESET), and a script of
 * FreeBSD-only sendfile outcomes ({@link Outcome}).
 */
class EmulatedFreeBsdKernel extends EmulatedBsdKernel implements FreeBsdKernel {

    /** Scripted sendfile outcomes FreeBSD has and the fault plan does not. */
    enum Outcome {
        /** EBUSY (SF_NODISKIO: the pages are not in memory) with nothing sent. */
        EBUSY_NOTHING_SENT,
        /** EBUSY after the headers went out. */
        EBUSY_AFTER_HEADERS,
        /** Everything asked for is sent, and still EAGAIN: the hint that the next call would block. */
        EAGAIN_AFTER_ALL
    }

    private final boolean nbytesBug;
    final Deque<Outcome> script = new ArrayDeque<>();
    volatile int lastSendfileFlags;
    volatile long lastNbytes;

    EmulatedFreeBsdKernel(FaultPlan faults, boolean nbytesBug) {
        super(faults, FreeBsd.ABI, FreeBsd.KQUEUE, PosixLayouts.SF_HDTR, FreeBsd.SC_PAGESIZE);
        this.nbytesBug = nbytesBug;
    }

    @Override
    public int sendfile(int fd, int s, long offset, long nbytes, MemorySegment hdtr, MemorySegment sbytes, int flags) {
        syscalls.incrementAndGet();
        sendfileCalls.incrementAndGet();
        lastSendfileFlags = flags;
        lastNbytes = nbytes;
        ByteBuffer[][] ht = hdtr(hdtr);
        ByteBuffer[] headers = ht[0];
        ByteBuffer[] trailers = ht[1];
        long headerBytes = BsdEmulation.remaining(headers);
        long fileBytes = nbytesBug ? Math.max(0, nbytes - headerBytes) : nbytes;
        long fileSize = os.fileSize(fd);
        if (fileSize < 0) {
            return (int) fileSize;
        }
        if (nbytes == 0 || offset + fileBytes > fileSize) {
            fileBytes = Math.max(0, fileSize - offset);
        }
        long wanted = headerBytes + fileBytes + BsdEmulation.remaining(trailers);
        MemorySegment out = sbytes.reinterpret(8);
        out.set(ValueLayout.JAVA_LONG, 0, 0);

        Outcome scripted = script.poll();
        if (scripted == Outcome.EBUSY_NOTHING_SENT) {
            return -BsdEmulation.EBUSY;
        }
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
        if (scripted == Outcome.EBUSY_AFTER_HEADERS) {
            out.set(ValueLayout.JAVA_LONG, 0, sent);
            return -BsdEmulation.EBUSY;
        }
        if (!full && fileBytes > 0 && sent < cap) {
            long n = os.transfer(fd, offset, Math.min(fileBytes, cap - sent), s);
            if (n < 0) {
                out.set(ValueLayout.JAVA_LONG, 0, sent);
                return (int) n;
            }
            sent += n;
            if (n < Math.min(fileBytes, cap - sent + n)) {
                // stopped early: the end of the file (sendfile succeeds with what it sent) or a full socket
                boolean eof = offset + n >= os.fileSize(fd);
                full = !eof;
                if (eof) {
                    out.set(ValueLayout.JAVA_LONG, 0, sent);
                    return 0;
                }
            }
        }
        long trailerBytes = BsdEmulation.remaining(trailers);
        if (!full && trailerBytes > 0 && sent < cap && sent == headerBytes + fileBytes) {
            long n = os.rawWrite(s, trailers, Math.min(cap - sent, trailerBytes));
            if (n < 0 && n != -BsdEmulation.EAGAIN) {
                out.set(ValueLayout.JAVA_LONG, 0, sent);
                return (int) n;
            }
            sent += Math.max(0, n);
            full = n < trailerBytes;
        }
        out.set(ValueLayout.JAVA_LONG, 0, sent);
        if (scripted == Outcome.EAGAIN_AFTER_ALL) {
            return -BsdEmulation.EAGAIN;
        }
        if (full || (f.kind() == FaultPlan.Kind.SHORT && sent < wanted)) {
            return -BsdEmulation.EAGAIN; // a non-blocking socket took only part
        }
        return 0;
    }

    @Override
    protected int setsockoptOther(int fd, int level, int name, int value) {
        if (level == FreeBsd.IPPROTO_TCP && name == FreeBsd.TCP_NOPUSH) {
            return os.nopush(fd, value != 0);
        }
        return -BsdEmulation.EINVAL;
    }

    @Override
    public int socket(int domain, int type, int protocol) {
        if ((type & FreeBsd.SOCK_NONBLOCK) == 0) {
            syscalls.incrementAndGet();
            return -BsdEmulation.EINVAL; // the platform always asks for non-blocking sockets
        }
        return super.socket(domain, type, protocol);
    }

    @Override
    public int accept4(int fd, int flags) {
        syscalls.incrementAndGet();
        return os.accept(fd);
    }
}
