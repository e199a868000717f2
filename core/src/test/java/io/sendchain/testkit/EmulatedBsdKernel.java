package io.sendchain.testkit;

import io.sendchain.spi.posix.KqueueAbi;
import io.sendchain.spi.posix.KqueueKernel;
import io.sendchain.spi.posix.PosixAbi;
import java.io.IOException;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The kernel interface a BSD platform shares with the POSIX toolkit ({@link KqueueKernel}), emulated on
 * {@link BsdEmulation} in that OS's numbers and layouts: its {@link PosixAbi} (errnos, socket options, sockaddr),
 * its {@link KqueueAbi} ({@code struct kevent}, filters) and its {@code struct sf_hdtr}. The FreeBSD and macOS
 * emulations extend it with their own {@code sendfile}, accept and options; a third-party BSD provider can too.
 * Every call counts in {@link #syscalls}; socket calls go through the {@link FaultPlan}.
 */
public abstract class EmulatedBsdKernel implements KqueueKernel {

    /** The emulated OS underneath. */
    public final BsdEmulation os;
    /** Every system call made. */
    public final AtomicInteger syscalls = new AtomicInteger();
    /** The sendfile calls made (the subclass's {@code sendfile} counts them). */
    public final AtomicInteger sendfileCalls = new AtomicInteger();
    private final PosixAbi abi;
    private final KqueueAbi kq;
    private final StructLayout sfHdtr;
    private final int scPagesize;
    private final long kev;
    private final long identAt;
    private final long filterAt;
    private final long flagsAt;
    private final long fflagsAt;
    private final long udataAt;

    protected EmulatedBsdKernel(FaultPlan faults, PosixAbi abi, KqueueAbi kq, StructLayout sfHdtr, int scPagesize) {
        this.os = new BsdEmulation(faults);
        this.abi = abi;
        this.kq = kq;
        this.sfHdtr = sfHdtr;
        this.scPagesize = scPagesize;
        this.kev = kq.kevent().byteSize();
        this.identAt = offset(kq.kevent(), "ident");
        this.filterAt = offset(kq.kevent(), "filter");
        this.flagsAt = offset(kq.kevent(), "flags");
        this.fflagsAt = offset(kq.kevent(), "fflags");
        this.udataAt = offset(kq.kevent(), "udata");
    }

    private static long offset(StructLayout layout, String name) {
        return layout.byteOffset(MemoryLayout.PathElement.groupElement(name));
    }

    /** The header ({@code [0]}) and trailer ({@code [1]}) buffers an {@code sf_hdtr} points at. */
    protected final ByteBuffer[][] hdtr(MemorySegment hdtr) {
        MemorySegment h = hdtr.reinterpret(sfHdtr.byteSize());
        return new ByteBuffer[][] {iovs(h, offset(sfHdtr, "headers"), offset(sfHdtr, "hdr_cnt")),
                iovs(h, offset(sfHdtr, "trailers"), offset(sfHdtr, "trl_cnt"))};
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

    /** The options of the platform's {@link PosixAbi}; any other is {@link #setsockoptOther}'s. */
    @Override
    public int setsockopt(int fd, int level, int name, int value) {
        syscalls.incrementAndGet();
        for (Map.Entry<SocketOption<?>, PosixAbi.IntOption> e : abi.options().entrySet()) {
            if (e.getValue().level() == level && e.getValue().name() == name) {
                SocketOption<?> option = e.getKey();
                return os.setOption(fd, option, option.type() == Boolean.class ? (Object) (value != 0) : value);
            }
        }
        return setsockoptOther(fd, level, name, value);
    }

    /** An option the toolkit does not set (TCP_NOPUSH, SO_NOSIGPIPE): EINVAL unless the OS's emulation knows it. */
    protected int setsockoptOther(int fd, int level, int name, int value) {
        return -BsdEmulation.EINVAL;
    }

    @Override
    public long getsockopt(int fd, int level, int name) {
        syscalls.incrementAndGet();
        if (level == abi.solSocket() && name == abi.soError()) {
            return os.connectError(fd);
        }
        return -BsdEmulation.EINVAL;
    }

    @Override
    public int socket(int domain, int type, int protocol) {
        syscalls.incrementAndGet();
        return os.socket();
    }

    @Override
    public int bind(int fd, MemorySegment addr, int addrlen) {
        syscalls.incrementAndGet();
        try {
            return os.bind(fd, abi.sockaddr().decode(addr.reinterpret(addrlen)));
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
    public int connect(int fd, MemorySegment addr, int addrlen) {
        syscalls.incrementAndGet();
        try {
            return os.connect(fd, abi.sockaddr().decode(addr.reinterpret(addrlen)));
        } catch (IOException e) {
            return -BsdEmulation.EINVAL;
        }
    }

    @Override
    public int sockname(int fd, boolean peer, MemorySegment addr) {
        syscalls.incrementAndGet();
        try {
            return abi.sockaddr().encode(os.address(fd, peer), addr);
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
    public int kevent(int kqFd, MemorySegment changes, int nchanges, MemorySegment events, int nevents,
            long timeoutMillis) {
        syscalls.incrementAndGet();
        MemorySegment ch = nchanges == 0 ? changes : changes.reinterpret(kev * nchanges);
        for (int i = 0; i < nchanges; i++) {
            long at = i * kev;
            int ident = (int) ch.get(ValueLayout.JAVA_LONG, at + identAt);
            short filter = ch.get(ValueLayout.JAVA_SHORT, at + filterAt);
            short flags = ch.get(ValueLayout.JAVA_SHORT, at + flagsAt);
            int fflags = ch.get(ValueLayout.JAVA_INT, at + fflagsAt);
            long udata = ch.get(ValueLayout.JAVA_LONG, at + udataAt);
            int rc;
            if (filter == kq.evfiltUser()) {
                rc = (fflags & kq.noteTrigger()) != 0 ? os.trigger(kqFd) : 0;
            } else if ((flags & kq.evDelete()) != 0) {
                rc = os.deleteFilters(ident);
            } else {
                rc = os.addFilter(kqFd, ident, filter == kq.evfiltWrite(), udata);
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
        return os.waitEvents(kqFd, timeoutMillis, nevents, (fd, user, write, eof, errno, udata) -> {
            long at = n[0]++ * kev;
            ev.asSlice(at, kev).fill((byte) 0);
            ev.set(ValueLayout.JAVA_LONG, at + identAt, fd);
            ev.set(ValueLayout.JAVA_SHORT, at + filterAt,
                    user ? kq.evfiltUser() : write ? kq.evfiltWrite() : kq.evfiltRead());
            ev.set(ValueLayout.JAVA_SHORT, at + flagsAt, (short) (kq.evClear() | (eof ? kq.evEof() : 0)));
            ev.set(ValueLayout.JAVA_INT, at + fflagsAt, eof ? errno : 0);
            ev.set(ValueLayout.JAVA_LONG, at + udataAt, udata);
        });
    }

    @Override
    public long sysconf(int name) {
        return name == scPagesize ? 4096 : -BsdEmulation.EINVAL;
    }

    @Override
    public String strerror(int errno) {
        return BsdEmulation.strerror(errno);
    }
}
