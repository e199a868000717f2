package io.sendchain.platform.freebsd.internal;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.sendchain.spi.posix.PosixCalls;
import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * The real {@link FreeBsdKernel}: FreeBSD's libc through FFM, each function linked as {@link FreeBsdBindings}
 * declares it. Loaded only after the probe has seen FreeBSD: its handles are linked when the class initialises, and
 * on another OS the same symbol names mean other functions.
 */
public final class FreeBsdSyscalls implements FreeBsdKernel {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final int PATH_MAX = 1024;

    private static final MethodHandle WRITEV = link(PosixCalls.WRITEV);
    private static final MethodHandle READV = link(PosixCalls.READV);
    private static final MethodHandle READ = link(PosixCalls.READ);
    private static final MethodHandle WRITE = link(PosixCalls.WRITE);
    private static final MethodHandle SENDFILE = link(FreeBsdBindings.SENDFILE);
    private static final MethodHandle SETSOCKOPT = link(PosixCalls.SETSOCKOPT);
    private static final MethodHandle GETSOCKOPT = link(PosixCalls.GETSOCKOPT);
    private static final MethodHandle SOCKET = link(PosixCalls.SOCKET);
    private static final MethodHandle BIND = link(PosixCalls.BIND);
    private static final MethodHandle LISTEN = link(PosixCalls.LISTEN);
    private static final MethodHandle ACCEPT4 = link(FreeBsdBindings.ACCEPT4);
    private static final MethodHandle CONNECT = link(PosixCalls.CONNECT);
    private static final MethodHandle GETSOCKNAME = link(PosixCalls.GETSOCKNAME);
    private static final MethodHandle GETPEERNAME = link(PosixCalls.GETPEERNAME);
    private static final MethodHandle SHUTDOWN = link(PosixCalls.SHUTDOWN);
    private static final MethodHandle CLOSE = link(PosixCalls.CLOSE);
    private static final MethodHandle OPEN = link(PosixCalls.OPEN);
    private static final MethodHandle KQUEUE = link(FreeBsdBindings.KQUEUE);
    private static final MethodHandle KEVENT = link(FreeBsdBindings.KEVENT);
    private static final MethodHandle SYSCONF = link(PosixCalls.SYSCONF);
    private static final MethodHandle STRERROR = link(PosixCalls.STRERROR);

    private static final class Scratch {
        final MemorySegment capture;
        final MemorySegment intVal;
        final MemorySegment lenVal;
        final MemorySegment timespec;
        final MemorySegment path;

        Scratch() {
            Arena arena = Arena.ofAuto();
            capture = arena.allocate(CAPTURE);
            intVal = arena.allocate(JAVA_INT);
            lenVal = arena.allocate(JAVA_INT);
            timespec = arena.allocate(16, 8);
            path = arena.allocate(PATH_MAX);
        }
    }

    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    private static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    }

    /** Links {@code b} as {@link FreeBsdBindings} declares it (critical or not, errno capture: PosixCalls). */
    private static MethodHandle link(PosixCalls.Binding b) {
        return LINKER.downcallHandle(symbol(b.symbol()), FreeBsdBindings.descriptor(b), FreeBsdBindings.options(b));
    }

    private static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    private static long result(long r, MemorySegment capture) {
        return r >= 0 ? r : -errno(capture);
    }

    private static int result(int r, MemorySegment capture) {
        return r >= 0 ? r : -errno(capture);
    }

    private static IllegalStateException failed(String call, Throwable t) {
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(call + " downcall failed", t);
    }

    @Override
    public long writev(int fd, MemorySegment iov, int iovcnt) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((long) WRITEV.invokeExact(cap, fd, iov, iovcnt), cap);
        } catch (Throwable t) {
            throw failed("writev", t);
        }
    }

    @Override
    public long readv(int fd, MemorySegment iov, int iovcnt) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((long) READV.invokeExact(cap, fd, iov, iovcnt), cap);
        } catch (Throwable t) {
            throw failed("readv", t);
        }
    }

    @Override
    public long read(int fd, long address, long count) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((long) READ.invokeExact(cap, fd, address, count), cap);
        } catch (Throwable t) {
            throw failed("read", t);
        }
    }

    @Override
    public long write(int fd, long address, long count) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((long) WRITE.invokeExact(cap, fd, address, count), cap);
        } catch (Throwable t) {
            throw failed("write", t);
        }
    }

    @Override
    public int sendfile(int fd, int s, long offset, long nbytes, MemorySegment hdtr, MemorySegment sbytes,
            int flags) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((int) SENDFILE.invokeExact(cap, fd, s, offset, nbytes, hdtr, sbytes, flags), cap);
        } catch (Throwable t) {
            throw failed("sendfile", t);
        }
    }

    @Override
    public int setsockopt(int fd, int level, int name, int value) {
        Scratch s = scratch.get();
        s.intVal.set(JAVA_INT, 0, value);
        try {
            return result((int) SETSOCKOPT.invokeExact(s.capture, fd, level, name, s.intVal, 4), s.capture);
        } catch (Throwable t) {
            throw failed("setsockopt", t);
        }
    }

    @Override
    public long getsockopt(int fd, int level, int name) {
        Scratch s = scratch.get();
        s.lenVal.set(JAVA_INT, 0, 4);
        try {
            int r = (int) GETSOCKOPT.invokeExact(s.capture, fd, level, name, s.intVal, s.lenVal);
            return r >= 0 ? s.intVal.get(JAVA_INT, 0) : -errno(s.capture);
        } catch (Throwable t) {
            throw failed("getsockopt", t);
        }
    }

    @Override
    public int socket(int domain, int type, int protocol) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((int) SOCKET.invokeExact(cap, domain, type, protocol), cap);
        } catch (Throwable t) {
            throw failed("socket", t);
        }
    }

    @Override
    public int bind(int fd, MemorySegment addr, int addrlen) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((int) BIND.invokeExact(cap, fd, addr, addrlen), cap);
        } catch (Throwable t) {
            throw failed("bind", t);
        }
    }

    @Override
    public int listen(int fd, int backlog) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((int) LISTEN.invokeExact(cap, fd, backlog), cap);
        } catch (Throwable t) {
            throw failed("listen", t);
        }
    }

    @Override
    public int accept4(int fd, int flags) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((int) ACCEPT4.invokeExact(cap, fd, MemorySegment.NULL, MemorySegment.NULL, flags), cap);
        } catch (Throwable t) {
            throw failed("accept4", t);
        }
    }

    @Override
    public int connect(int fd, MemorySegment addr, int addrlen) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((int) CONNECT.invokeExact(cap, fd, addr, addrlen), cap);
        } catch (Throwable t) {
            throw failed("connect", t);
        }
    }

    @Override
    public int sockname(int fd, boolean peer, MemorySegment addr) {
        Scratch s = scratch.get();
        s.lenVal.set(JAVA_INT, 0, (int) addr.byteSize());
        try {
            int r = peer ? (int) GETPEERNAME.invokeExact(s.capture, fd, addr, s.lenVal)
                    : (int) GETSOCKNAME.invokeExact(s.capture, fd, addr, s.lenVal);
            return r >= 0 ? s.lenVal.get(JAVA_INT, 0) : -errno(s.capture);
        } catch (Throwable t) {
            throw failed(peer ? "getpeername" : "getsockname", t);
        }
    }

    @Override
    public int shutdown(int fd, int how) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((int) SHUTDOWN.invokeExact(cap, fd, how), cap);
        } catch (Throwable t) {
            throw failed("shutdown", t);
        }
    }

    @Override
    public int close(int fd) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((int) CLOSE.invokeExact(cap, fd), cap);
        } catch (Throwable t) {
            throw failed("close", t);
        }
    }

    @Override
    public int open(String path, int flags) {
        Scratch s = scratch.get();
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= PATH_MAX) {
            return -63; // ENAMETOOLONG
        }
        MemorySegment.copy(bytes, 0, s.path, JAVA_BYTE, 0, bytes.length);
        s.path.set(JAVA_BYTE, bytes.length, (byte) 0);
        try {
            return result((int) OPEN.invokeExact(s.capture, s.path, flags, 0), s.capture);
        } catch (Throwable t) {
            throw failed("open", t);
        }
    }

    @Override
    public int kqueue() {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((int) KQUEUE.invokeExact(cap), cap);
        } catch (Throwable t) {
            throw failed("kqueue", t);
        }
    }

    @Override
    public int kevent(int kq, MemorySegment changes, int nchanges, MemorySegment events, int nevents,
            long timeoutMillis) {
        Scratch s = scratch.get();
        MemorySegment ts = MemorySegment.NULL;
        if (timeoutMillis >= 0) {
            s.timespec.set(JAVA_LONG, 0, timeoutMillis / 1000);
            s.timespec.set(JAVA_LONG, 8, (timeoutMillis % 1000) * 1_000_000);
            ts = s.timespec;
        }
        try {
            return result((int) KEVENT.invokeExact(s.capture, kq, changes, nchanges, events, nevents, ts), s.capture);
        } catch (Throwable t) {
            throw failed("kevent", t);
        }
    }

    @Override
    public long sysconf(int name) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((long) SYSCONF.invokeExact(cap, name), cap);
        } catch (Throwable t) {
            throw failed("sysconf", t);
        }
    }

    @Override
    public String strerror(int errno) {
        try {
            MemorySegment p = (MemorySegment) STRERROR.invokeExact(errno);
            return p.equals(MemorySegment.NULL) ? "errno " + errno : p.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            throw failed("strerror", t);
        }
    }
}
