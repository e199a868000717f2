package io.sendchain.platform.freebsd.internal;

import io.sendchain.testkit.BsdEmulation;
import io.sendchain.testkit.FaultPlan;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicInteger;

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
class EmulatedFreeBsdKernel implements FreeBsdKernel {

    /** Scripted sendfile outcomes FreeBSD has and the fault plan does not. */
    enum Outcome {
        /** EBUSY (SF_NODISKIO: the pages are not in memory) with nothing sent. */
        EBUSY_NOTHING_SENT,
        /** EBUSY after the headers went out. */
        EBUSY_AFTER_HEADERS,
        /** Everything asked for is sent, and still EAGAIN: the hint that the next call would block. */
        EAGAIN_AFTER_ALL
    }

    final BsdEmulation os;
    private final boolean nbytesBug;
    final Deque<Outcome> script = new ArrayDeque<>();
    final AtomicInteger sendfileCalls = new AtomicInteger();
    final AtomicInteger syscalls = new AtomicInteger();
    volatile int lastSendfileFlags;
    volatile long lastNbytes;

    EmulatedFreeBsdKernel(FaultPlan faults, boolean nbytesBug) {
        this.os = new BsdEmulation(faults);
        this.nbytesBug = nbytesBug;
    }

    @Override
    public long writev(int fd, MemorySegment iov, int iovcnt) {
        syscalls.incrementAndGet();
        return os.write(fd, BsdEmulation.buffers(iov, iovcnt));
    }

    @Override
    public long readv(int fd, MemorySegment iov, int iovcnt) {
        syscalls.incrementAndGet();
        return os.read(fd, BsdEmulation.buffers(iov, iovcnt));
    }

    @Override
    public long read(int fd, long address, long count) {
        syscalls.incrementAndGet();
        return os.read(fd, new ByteBuffer[] {BsdEmulation.buffer(address, count)});
    }

    @Override
    public long write(int fd, long address, long count) {
        syscalls.incrementAndGet();
        return os.write(fd, new ByteBuffer[] {BsdEmulation.buffer(address, count)});
    }

    @Override
    public int sendfile(int fd, int s, long offset, long nbytes, MemorySegment hdtr, MemorySegment sbytes, int flags) {
        syscalls.incrementAndGet();
        sendfileCalls.incrementAndGet();
        lastSendfileFlags = flags;
        lastNbytes = nbytes;
        MemorySegment h = hdtr.reinterpret(FreeBsdLayouts.SF_HDTR.byteSize());
        ByteBuffer[] headers = iovs(h, FreeBsdLayouts.HDTR_HEADERS, FreeBsdLayouts.HDTR_HDR_CNT);
        ByteBuffer[] trailers = iovs(h, FreeBsdLayouts.HDTR_TRAILERS, FreeBsdLayouts.HDTR_TRL_CNT);
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

    private static ByteBuffer[] iovs(MemorySegment hdtr, long ptrOffset, long cntOffset) {
        int count = hdtr.get(ValueLayout.JAVA_INT, cntOffset);
        MemorySegment ptr = hdtr.get(ValueLayout.ADDRESS, ptrOffset);
        if (count == 0) {
            if (!ptr.equals(MemorySegment.NULL)) {
                throw new AssertionError("sf_hdtr: a count of 0 with a non-NULL pointer (sendfile does needless work)");
            }
            return new ByteBuffer[0];
        }
        return BsdEmulation.buffers(ptr, count);
    }

    @Override
    public int setsockopt(int fd, int level, int name, int value) {
        syscalls.incrementAndGet();
        if (level == FreeBsd.IPPROTO_TCP && name == FreeBsd.TCP_NOPUSH) {
            return os.nopush(fd, value != 0);
        }
        if (level == FreeBsd.IPPROTO_TCP && name == FreeBsd.TCP_NODELAY) {
            return os.setOption(fd, StandardSocketOptions.TCP_NODELAY, value != 0);
        }
        if (level == FreeBsd.SOL_SOCKET) {
            return switch (name) {
                case FreeBsd.SO_SNDBUF -> os.setOption(fd, StandardSocketOptions.SO_SNDBUF, value);
                case FreeBsd.SO_RCVBUF -> os.setOption(fd, StandardSocketOptions.SO_RCVBUF, value);
                case FreeBsd.SO_REUSEADDR -> os.setOption(fd, StandardSocketOptions.SO_REUSEADDR, value != 0);
                case FreeBsd.SO_KEEPALIVE -> os.setOption(fd, StandardSocketOptions.SO_KEEPALIVE, value != 0);
                default -> -BsdEmulation.EINVAL;
            };
        }
        return -BsdEmulation.EINVAL;
    }

    @Override
    public long getsockopt(int fd, int level, int name) {
        syscalls.incrementAndGet();
        if (level == FreeBsd.SOL_SOCKET && name == FreeBsd.SO_ERROR) {
            return os.connectError(fd);
        }
        return -BsdEmulation.EINVAL;
    }

    @Override
    public int socket(int domain, int type, int protocol) {
        syscalls.incrementAndGet();
        if ((type & FreeBsd.SOCK_NONBLOCK) == 0) {
            return -BsdEmulation.EINVAL; // the platform always asks for non-blocking sockets
        }
        return os.socket();
    }

    @Override
    public int bind(int fd, MemorySegment addr, int addrlen) {
        syscalls.incrementAndGet();
        try {
            return os.bind(fd, FreeBsd.ABI.sockaddr().decode(addr.reinterpret(addrlen)));
        } catch (IOException e) {
            return -BsdEmulation.EINVAL;
        }
    }

    @Override
    public int listen(int fd, int backlog) {
        syscalls.incrementAndGet();
        return os.listen(fd, backlog);
    }

    @Override
    public int accept4(int fd, int flags) {
        syscalls.incrementAndGet();
        return os.accept(fd);
    }

    @Override
    public int connect(int fd, MemorySegment addr, int addrlen) {
        syscalls.incrementAndGet();
        try {
            return os.connect(fd, FreeBsd.ABI.sockaddr().decode(addr.reinterpret(addrlen)));
        } catch (IOException e) {
            return -BsdEmulation.EINVAL;
        }
    }

    @Override
    public int sockname(int fd, boolean peer, MemorySegment addr) {
        syscalls.incrementAndGet();
        try {
            return FreeBsd.ABI.sockaddr().encode(os.address(fd, peer), addr);
        } catch (IOException e) {
            return -BsdEmulation.ENOTCONN;
        }
    }

    @Override
    public int shutdown(int fd, int how) {
        syscalls.incrementAndGet();
        return os.shutdown(fd);
    }

    @Override
    public int close(int fd) {
        syscalls.incrementAndGet();
        return os.close(fd);
    }

    @Override
    public int open(String path, int flags) {
        syscalls.incrementAndGet();
        return os.openFile(path);
    }

    @Override
    public int kqueue() {
        syscalls.incrementAndGet();
        return os.kqueue();
    }

    @Override
    public int kevent(int kq, MemorySegment changes, int nchanges, MemorySegment events, int nevents,
            long timeoutMillis) {
        syscalls.incrementAndGet();
        long kev = FreeBsdLayouts.KEVENT.byteSize();
        MemorySegment ch = nchanges == 0 ? changes : changes.reinterpret(kev * nchanges);
        for (int i = 0; i < nchanges; i++) {
            long at = i * kev;
            int ident = (int) ch.get(ValueLayout.JAVA_LONG, at + FreeBsdLayouts.KEV_IDENT);
            short filter = ch.get(ValueLayout.JAVA_SHORT, at + FreeBsdLayouts.KEV_FILTER);
            short flags = ch.get(ValueLayout.JAVA_SHORT, at + FreeBsdLayouts.KEV_FLAGS);
            int fflags = ch.get(ValueLayout.JAVA_INT, at + FreeBsdLayouts.KEV_FFLAGS);
            long udata = ch.get(ValueLayout.JAVA_LONG, at + FreeBsdLayouts.KEV_UDATA);
            int rc;
            if (filter == FreeBsd.EVFILT_USER) {
                rc = (fflags & FreeBsd.NOTE_TRIGGER) != 0 ? os.trigger(kq) : 0;
            } else if ((flags & FreeBsd.EV_DELETE) != 0) {
                rc = os.deleteFilters(ident);
            } else {
                rc = os.addFilter(kq, ident, filter == FreeBsd.EVFILT_WRITE, udata);
            }
            if (rc < 0) {
                return rc;
            }
        }
        if (nevents == 0) {
            return 0;
        }
        MemorySegment ev = events.reinterpret(kev * nevents);
        int[] n = {0};
        int rc = os.waitEvents(kq, timeoutMillis, nevents, (fd, user, write, eof, errno, udata) -> {
            long at = n[0]++ * kev;
            ev.asSlice(at, kev).fill((byte) 0);
            ev.set(ValueLayout.JAVA_LONG, at + FreeBsdLayouts.KEV_IDENT, fd);
            ev.set(ValueLayout.JAVA_SHORT, at + FreeBsdLayouts.KEV_FILTER,
                    user ? FreeBsd.EVFILT_USER : write ? FreeBsd.EVFILT_WRITE : FreeBsd.EVFILT_READ);
            ev.set(ValueLayout.JAVA_SHORT, at + FreeBsdLayouts.KEV_FLAGS,
                    (short) (FreeBsd.EV_CLEAR | (eof ? FreeBsd.EV_EOF : 0)));
            ev.set(ValueLayout.JAVA_INT, at + FreeBsdLayouts.KEV_FFLAGS, eof ? errno : 0);
            ev.set(ValueLayout.JAVA_LONG, at + FreeBsdLayouts.KEV_UDATA, udata);
        });
        return rc;
    }

    @Override
    public long sysconf(int name) {
        return name == FreeBsd.SC_PAGESIZE ? 4096 : -BsdEmulation.EINVAL;
    }

    @Override
    public String strerror(int errno) {
        return BsdEmulation.strerror(errno);
    }
}
