package io.sendchain.platform.linux.internal;

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

/**
 * The real {@link LinuxKernel}: libc through the Foreign Function &amp; Memory API. Each call has one downcall
 * handle, made once as {@link LinuxBindings} declares it; errno is captured by the linker into a per-thread
 * segment, so no call allocates.
 */
public final class Syscalls implements LinuxKernel, SpliceKernel {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle WRITEV = link(PosixCalls.WRITEV);
    private static final MethodHandle READV = link(PosixCalls.READV);
    // read and write take the buffer as a raw address (a pointer travels in an integer register on x86_64 and
    // aarch64): bufs keep their memory reachable, and no slice segment is made per call
    private static final MethodHandle READ = link(PosixCalls.READ);
    private static final MethodHandle WRITE = link(PosixCalls.WRITE);
    private static final MethodHandle SEND = link(LinuxBindings.SEND);
    private static final MethodHandle SYSCONF = link(PosixCalls.SYSCONF);
    /** sendfile64: 64-bit offsets on every ABI (on 64-bit ABIs it is the same function as sendfile). */
    private static final MethodHandle SENDFILE = link(LinuxBindings.SENDFILE64);
    private static final MethodHandle SETSOCKOPT = link(PosixCalls.SETSOCKOPT);
    private static final MethodHandle GETSOCKOPT = link(PosixCalls.GETSOCKOPT);
    private static final MethodHandle SOCKET = link(PosixCalls.SOCKET);
    private static final MethodHandle BIND = link(PosixCalls.BIND);
    private static final MethodHandle LISTEN = link(PosixCalls.LISTEN);
    private static final MethodHandle ACCEPT4 = link(LinuxBindings.ACCEPT4);
    private static final MethodHandle CONNECT = link(PosixCalls.CONNECT);
    private static final MethodHandle GETSOCKNAME = link(PosixCalls.GETSOCKNAME);
    private static final MethodHandle GETPEERNAME = link(PosixCalls.GETPEERNAME);
    private static final MethodHandle SHUTDOWN = link(PosixCalls.SHUTDOWN);
    private static final MethodHandle CLOSE = link(PosixCalls.CLOSE);
    private static final MethodHandle OPEN = link(PosixCalls.OPEN);
    private static final MethodHandle EPOLL_CREATE1 = link(LinuxBindings.EPOLL_CREATE1);
    private static final MethodHandle EPOLL_CTL = link(LinuxBindings.EPOLL_CTL);
    private static final MethodHandle EPOLL_WAIT = link(LinuxBindings.EPOLL_WAIT);
    private static final MethodHandle EVENTFD = link(LinuxBindings.EVENTFD);
    private static final MethodHandle STRERROR = link(PosixCalls.STRERROR);
    private static final MethodHandle SPLICE = link(LinuxBindings.SPLICE);
    private static final MethodHandle PIPE2 = link(LinuxBindings.PIPE2);
    private static final MethodHandle FCNTL = link(LinuxBindings.FCNTL);
    private static final MethodHandle STATX = link(LinuxBindings.STATX);

    /** PATH_MAX on Linux, with the terminating NUL. */
    private static final int PATH_MAX = 4096;

    /** Per-thread out-parameters: errno capture, an off_t, an int, a socklen_t and a path. */
    private static final class Scratch {
        final MemorySegment capture;
        final MemorySegment longVal;
        final MemorySegment intVal;
        final MemorySegment lenVal;
        final MemorySegment path;

        Scratch() {
            Arena arena = Arena.ofAuto();
            capture = arena.allocate(CAPTURE);
            longVal = arena.allocate(JAVA_LONG);
            intVal = arena.allocate(JAVA_INT);
            lenVal = arena.allocate(JAVA_INT);
            path = arena.allocate(PATH_MAX);
        }
    }

    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    private static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    }

    /**
     * Links {@code b} as {@link LinuxBindings} declares it. A call that never blocks (on non-blocking sockets, or a
     * bounded kernel operation) is linked as a critical function ({@code PosixCalls.Link.CRITICAL}), which skips
     * the thread-state transition a downcall normally makes. It must stay short: the JVM cannot reach a safepoint
     * while it runs, so calls that may wait (epoll_wait, open on a cold disk, sendfile from a cold file) are not
     * linked this way.
     */
    private static MethodHandle link(PosixCalls.Binding b) {
        return LINKER.downcallHandle(symbol(b.symbol()), LinuxBindings.descriptor(b), LinuxBindings.options(b));
    }

    private static long result(long r, MemorySegment capture) {
        return r >= 0 ? r : -errno(capture);
    }

    private static int result(int r, MemorySegment capture) {
        return r >= 0 ? r : -errno(capture);
    }

    private static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    private static IllegalStateException downcallFailed(String call, Throwable t) {
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
            throw downcallFailed("writev", t);
        }
    }

    @Override
    public long readv(int fd, MemorySegment iov, int iovcnt) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((long) READV.invokeExact(cap, fd, iov, iovcnt), cap);
        } catch (Throwable t) {
            throw downcallFailed("readv", t);
        }
    }

    @Override
    public long read(int fd, long address, long count) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((long) READ.invokeExact(cap, fd, address, count), cap);
        } catch (Throwable t) {
            throw downcallFailed("read", t);
        }
    }

    @Override
    public long write(int fd, long address, long count) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((long) WRITE.invokeExact(cap, fd, address, count), cap);
        } catch (Throwable t) {
            throw downcallFailed("write", t);
        }
    }

    @Override
    public long send(int fd, long address, long count, int flags) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((long) SEND.invokeExact(cap, fd, address, count, flags), cap);
        } catch (Throwable t) {
            throw downcallFailed("send", t);
        }
    }

    @Override
    public long sendfile(int outFd, int inFd, long offset, long count) {
        Scratch s = scratch.get();
        s.longVal.set(JAVA_LONG, 0, offset);
        try {
            return result((long) SENDFILE.invokeExact(s.capture, outFd, inFd, s.longVal, count), s.capture);
        } catch (Throwable t) {
            throw downcallFailed("sendfile", t);
        }
    }

    @Override
    public int setsockopt(int fd, int level, int name, int value) {
        Scratch s = scratch.get();
        s.intVal.set(JAVA_INT, 0, value);
        try {
            return result((int) SETSOCKOPT.invokeExact(s.capture, fd, level, name, s.intVal, 4), s.capture);
        } catch (Throwable t) {
            throw downcallFailed("setsockopt", t);
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
            throw downcallFailed("getsockopt", t);
        }
    }

    @Override
    public int socket(int domain, int type, int protocol) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((int) SOCKET.invokeExact(cap, domain, type, protocol), cap);
        } catch (Throwable t) {
            throw downcallFailed("socket", t);
        }
    }

    @Override
    public int bind(int fd, MemorySegment addr, int addrlen) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((int) BIND.invokeExact(cap, fd, addr, addrlen), cap);
        } catch (Throwable t) {
            throw downcallFailed("bind", t);
        }
    }

    @Override
    public int listen(int fd, int backlog) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((int) LISTEN.invokeExact(cap, fd, backlog), cap);
        } catch (Throwable t) {
            throw downcallFailed("listen", t);
        }
    }

    @Override
    public int accept4(int fd, int flags) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((int) ACCEPT4.invokeExact(cap, fd, MemorySegment.NULL, MemorySegment.NULL, flags), cap);
        } catch (Throwable t) {
            throw downcallFailed("accept4", t);
        }
    }

    @Override
    public int connect(int fd, MemorySegment addr, int addrlen) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((int) CONNECT.invokeExact(cap, fd, addr, addrlen), cap);
        } catch (Throwable t) {
            throw downcallFailed("connect", t);
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
            throw downcallFailed(peer ? "getpeername" : "getsockname", t);
        }
    }

    @Override
    public int shutdown(int fd, int how) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((int) SHUTDOWN.invokeExact(cap, fd, how), cap);
        } catch (Throwable t) {
            throw downcallFailed("shutdown", t);
        }
    }

    @Override
    public int close(int fd) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((int) CLOSE.invokeExact(cap, fd), cap);
        } catch (Throwable t) {
            throw downcallFailed("close", t);
        }
    }

    @Override
    public int open(String path, int flags) {
        Scratch s = scratch.get();
        if (!cPath(path, s.path)) {
            return -Linux.ENAMETOOLONG;
        }
        try {
            return result((int) OPEN.invokeExact(s.capture, s.path, flags, 0), s.capture);
        } catch (Throwable t) {
            throw downcallFailed("open", t);
        }
    }

    @Override
    public int statx(int dirfd, String path, int flags, int mask, MemorySegment statxbuf) {
        Scratch s = scratch.get();
        if (!cPath(path, s.path)) {
            return -Linux.ENAMETOOLONG;
        }
        try {
            return result((int) STATX.invokeExact(s.capture, dirfd, s.path, flags, mask, statxbuf), s.capture);
        } catch (Throwable t) {
            throw downcallFailed("statx", t);
        }
    }

    /**
     * Writes {@code path} into {@code into} as a NUL-terminated UTF-8 string, or returns {@code false} if it does not
     * fit in {@code PATH_MAX}. An ASCII path is copied as it is, without a byte array per call.
     */
    private static boolean cPath(String path, MemorySegment into) {
        if (path.length() * 3L >= PATH_MAX
                && path.getBytes(java.nio.charset.StandardCharsets.UTF_8).length >= PATH_MAX) {
            return false;
        }
        into.setString(0, path);
        return true;
    }

    @Override
    public int epollCreate1(int flags) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((int) EPOLL_CREATE1.invokeExact(cap, flags), cap);
        } catch (Throwable t) {
            throw downcallFailed("epoll_create1", t);
        }
    }

    @Override
    public int epollCtl(int epfd, int op, int fd, MemorySegment event) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((int) EPOLL_CTL.invokeExact(cap, epfd, op, fd, event), cap);
        } catch (Throwable t) {
            throw downcallFailed("epoll_ctl", t);
        }
    }

    @Override
    public int epollWait(int epfd, MemorySegment events, int maxevents, int timeoutMillis) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((int) EPOLL_WAIT.invokeExact(cap, epfd, events, maxevents, timeoutMillis), cap);
        } catch (Throwable t) {
            throw downcallFailed("epoll_wait", t);
        }
    }

    @Override
    public int eventfd(int initval, int flags) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((int) EVENTFD.invokeExact(cap, initval, flags), cap);
        } catch (Throwable t) {
            throw downcallFailed("eventfd", t);
        }
    }

    @Override
    public long sysconf(int name) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((long) SYSCONF.invokeExact(cap, name), cap);
        } catch (Throwable t) {
            throw downcallFailed("sysconf", t);
        }
    }

    @Override
    public long splice(int fdIn, int fdOut, long len, int flags) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((long) SPLICE.invokeExact(cap, fdIn, MemorySegment.NULL, fdOut, MemorySegment.NULL, len,
                    flags), cap);
        } catch (Throwable t) {
            throw downcallFailed("splice", t);
        }
    }

    @Override
    public long pipe2(int flags) {
        Scratch s = scratch.get();
        try {
            // int[2] in the off_t scratch: fds[0] the read end, fds[1] the write end
            int r = (int) PIPE2.invokeExact(s.capture, s.longVal, flags);
            if (r < 0) {
                return -errno(s.capture);
            }
            return (s.longVal.get(JAVA_INT, 0) & 0xffffffffL) | (long) s.longVal.get(JAVA_INT, 4) << 32;
        } catch (Throwable t) {
            throw downcallFailed("pipe2", t);
        }
    }

    @Override
    public int fcntl(int fd, int cmd, int arg) {
        MemorySegment cap = scratch.get().capture;
        try {
            return result((int) FCNTL.invokeExact(cap, fd, cmd, arg), cap);
        } catch (Throwable t) {
            throw downcallFailed("fcntl", t);
        }
    }

    @Override
    public String strerror(int errno) {
        try {
            MemorySegment p = (MemorySegment) STRERROR.invokeExact(errno);
            return p.equals(MemorySegment.NULL) ? "errno " + errno : p.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            throw downcallFailed("strerror", t);
        }
    }
}
