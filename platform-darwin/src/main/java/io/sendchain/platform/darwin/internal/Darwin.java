package io.sendchain.platform.darwin.internal;

import io.sendchain.spi.Errno;
import io.sendchain.spi.posix.KqueueAbi;
import io.sendchain.spi.posix.PosixAbi;
import io.sendchain.spi.posix.SockAddrCodec;
import java.util.Map;

/** macOS constants (x86_64 and arm64 alike), from {@code <sys/errno.h>}, {@code <sys/socket.h>} and friends. */
final class Darwin {

    private Darwin() {
    }

    // <sys/errno.h>: the BSD numbers
    static final int EPERM = 1;
    static final int EINTR = 4;
    static final int EBADF = 9;
    static final int ENOMEM = 12;
    static final int EINVAL = 22;
    static final int ENFILE = 23;
    static final int EMFILE = 24;
    static final int EPIPE = 32;
    static final int EAGAIN = 35;
    static final int EINPROGRESS = 36;
    static final int ECONNABORTED = 53;
    static final int ECONNRESET = 54;
    static final int ENOBUFS = 55;
    static final int ENOTCONN = 57;
    static final int EPROTO = 100;

    // <sys/socket.h>: no SOCK_NONBLOCK or SOCK_CLOEXEC on macOS, fcntl sets them
    static final int AF_INET = 2;
    static final int AF_INET6 = 30;
    static final int SOCK_STREAM = 1;
    static final int SOL_SOCKET = 0xffff;
    static final int SO_REUSEADDR = 0x0004;
    static final int SO_KEEPALIVE = 0x0008;
    static final int SO_SNDBUF = 0x1001;
    static final int SO_RCVBUF = 0x1002;
    static final int SO_ERROR = 0x1007;
    static final int SO_NOSIGPIPE = 0x1022;
    static final int SHUT_WR = 1;

    // <netinet/in.h>, <netinet/tcp.h>
    static final int IPPROTO_TCP = 6;
    static final int TCP_NODELAY = 1;

    // <fcntl.h>
    static final int O_RDONLY = 0;
    static final int O_NONBLOCK = 0x0004;
    static final int O_CLOEXEC = 0x01000000;
    static final int F_SETFD = 2;
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final int FD_CLOEXEC = 1;

    // <sys/event.h>
    static final short EVFILT_READ = -1;
    static final short EVFILT_WRITE = -2;
    static final short EVFILT_USER = -10;
    static final int NOTE_TRIGGER = 0x01000000;
    static final short EV_ADD = 0x0001;
    static final short EV_DELETE = 0x0002;
    static final short EV_CLEAR = 0x0020;
    static final short EV_ERROR = 0x4000;
    static final short EV_EOF = (short) 0x8000;

    // <unistd.h>
    static final int SC_PAGESIZE = 29;

    /** What the POSIX toolkit's socket logic needs of macOS: a plain SOCK_STREAM, fcntl does the rest. */
    static final PosixAbi ABI = new PosixAbi("darwin", EAGAIN, EINTR, EINPROGRESS, ENOTCONN,
            PosixAbi.errnoClasses(Map.of(Errno.EMFILE, EMFILE, Errno.ENFILE, ENFILE, Errno.ENOBUFS, ENOBUFS,
                    Errno.ENOMEM, ENOMEM, Errno.ECONNABORTED, ECONNABORTED, Errno.EPROTO, EPROTO, Errno.EPERM, EPERM,
                    Errno.EINTR, EINTR)),
            SOCK_STREAM, SOL_SOCKET, SO_ERROR, SHUT_WR,
            PosixAbi.standardOptions(SOL_SOCKET, SO_SNDBUF, SO_RCVBUF, SO_KEEPALIVE, SO_REUSEADDR, IPPROTO_TCP,
                    TCP_NODELAY),
            SockAddrCodec.withSinLen(AF_INET, AF_INET6));

    /** macOS's kqueue: the 32-byte {@code struct kevent}, {@code EVFILT_USER} -10. */
    static final KqueueAbi KQUEUE = new KqueueAbi(DarwinLayouts.KEVENT, EVFILT_READ, EVFILT_WRITE, EVFILT_USER,
            EV_ADD, EV_DELETE, EV_CLEAR, EV_ERROR, EV_EOF, NOTE_TRIGGER, EINTR);
}
