package io.sendchain.platform.darwin.internal;

import io.sendchain.testkit.BsdEmulation;
import io.sendchain.testkit.FaultPlan;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * macOS's kernel interface emulated on this machine: real loopback sockets and files, BSD errno numbers, structures
 * in macOS's layouts, and {@code sendfile(2)} with an {@code sf_hdtr} and macOS's in/out {@code len}: on input it
 * counts header bytes and file bytes, on output every byte sent (trailers too); a full socket is EAGAIN with the
 * bytes sent so far in {@code len}; an offset at the end of the file sends nothing and succeeds.
 */
class EmulatedDarwinKernel implements DarwinKernel {

    final BsdEmulation os;
    final AtomicInteger sendfileCalls = new AtomicInteger();
    final AtomicInteger syscalls = new AtomicInteger();
    volatile long lastLenIn;
    volatile int lastHeaderCount;
    volatile int lastTrailerCount;

    EmulatedDarwinKernel(FaultPlan faults) {
        this.os = new BsdEmulation(faults);
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
    public int sendfile(int fd, int s, long offset, MemorySegment len, MemorySegment hdtr, int flags) {
        syscalls.incrementAndGet();
        sendfileCalls.incrementAndGet();
        MemorySegment l = len.reinterpret(8);
        long lenIn = l.get(ValueLayout.JAVA_LONG, 0);
        lastLenIn = lenIn;
        MemorySegment h = hdtr.reinterpret(DarwinLayouts.SF_HDTR.byteSize());
        ByteBuffer[] headers = iovs(h, DarwinLayouts.HDTR_HEADERS, DarwinLayouts.HDTR_HDR_CNT);
        ByteBuffer[] trailers = iovs(h, DarwinLayouts.HDTR_TRAILERS, DarwinLayouts.HDTR_TRL_CNT);
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
        if (level == Darwin.IPPROTO_TCP && name == Darwin.TCP_NODELAY) {
            return os.setOption(fd, StandardSocketOptions.TCP_NODELAY, value != 0);
        }
        if (level == Darwin.SOL_SOCKET) {
            return switch (name) {
                case Darwin.SO_SNDBUF -> os.setOption(fd, StandardSocketOptions.SO_SNDBUF, value);
                case Darwin.SO_RCVBUF -> os.setOption(fd, StandardSocketOptions.SO_RCVBUF, value);
                case Darwin.SO_REUSEADDR -> os.setOption(fd, StandardSocketOptions.SO_REUSEADDR, value != 0);
                case Darwin.SO_KEEPALIVE -> os.setOption(fd, StandardSocketOptions.SO_KEEPALIVE, value != 0);
                case Darwin.SO_NOSIGPIPE -> 0; // the emulation never raises SIGPIPE
                default -> -BsdEmulation.EINVAL;
            };
        }
        return -BsdEmulation.EINVAL;
    }

    @Override
    public long getsockopt(int fd, int level, int name) {
        syscalls.incrementAndGet();
        if (level == Darwin.SOL_SOCKET && name == Darwin.SO_ERROR) {
            return os.connectError(fd);
        }
        return -BsdEmulation.EINVAL;
    }

    @Override
    public int socket(int domain, int type, int protocol) {
        syscalls.incrementAndGet();
        return os.socket();
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
    public int bind(int fd, MemorySegment addr, int addrlen) {
        syscalls.incrementAndGet();
        try {
            return os.bind(fd, Darwin.ABI.sockaddr().decode(addr.reinterpret(addrlen)));
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
    public int accept(int fd) {
        syscalls.incrementAndGet();
        return os.accept(fd);
    }

    @Override
    public int connect(int fd, MemorySegment addr, int addrlen) {
        syscalls.incrementAndGet();
        try {
            return os.connect(fd, Darwin.ABI.sockaddr().decode(addr.reinterpret(addrlen)));
        } catch (IOException e) {
            return -BsdEmulation.EINVAL;
        }
    }

    @Override
    public int sockname(int fd, boolean peer, MemorySegment addr) {
        syscalls.incrementAndGet();
        try {
            return Darwin.ABI.sockaddr().encode(os.address(fd, peer), addr);
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
        long kev = DarwinLayouts.KEVENT.byteSize();
        MemorySegment ch = nchanges == 0 ? changes : changes.reinterpret(kev * nchanges);
        for (int i = 0; i < nchanges; i++) {
            long at = i * kev;
            int ident = (int) ch.get(ValueLayout.JAVA_LONG, at + DarwinLayouts.KEV_IDENT);
            short filter = ch.get(ValueLayout.JAVA_SHORT, at + DarwinLayouts.KEV_FILTER);
            short flags = ch.get(ValueLayout.JAVA_SHORT, at + DarwinLayouts.KEV_FLAGS);
            int fflags = ch.get(ValueLayout.JAVA_INT, at + DarwinLayouts.KEV_FFLAGS);
            long udata = ch.get(ValueLayout.JAVA_LONG, at + DarwinLayouts.KEV_UDATA);
            int rc;
            if (filter == Darwin.EVFILT_USER) {
                rc = (fflags & Darwin.NOTE_TRIGGER) != 0 ? os.trigger(kq) : 0;
            } else if ((flags & Darwin.EV_DELETE) != 0) {
                rc = os.deleteFilters(ident);
            } else {
                rc = os.addFilter(kq, ident, filter == Darwin.EVFILT_WRITE, udata);
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
            ev.set(ValueLayout.JAVA_LONG, at + DarwinLayouts.KEV_IDENT, fd);
            ev.set(ValueLayout.JAVA_SHORT, at + DarwinLayouts.KEV_FILTER,
                    user ? Darwin.EVFILT_USER : write ? Darwin.EVFILT_WRITE : Darwin.EVFILT_READ);
            ev.set(ValueLayout.JAVA_SHORT, at + DarwinLayouts.KEV_FLAGS,
                    (short) (Darwin.EV_CLEAR | (eof ? Darwin.EV_EOF : 0)));
            ev.set(ValueLayout.JAVA_INT, at + DarwinLayouts.KEV_FFLAGS, eof ? errno : 0);
            ev.set(ValueLayout.JAVA_LONG, at + DarwinLayouts.KEV_UDATA, udata);
        });
        return rc;
    }

    @Override
    public long sysconf(int name) {
        return name == Darwin.SC_PAGESIZE ? 4096 : -BsdEmulation.EINVAL;
    }

    @Override
    public String strerror(int errno) {
        return BsdEmulation.strerror(errno);
    }
}
