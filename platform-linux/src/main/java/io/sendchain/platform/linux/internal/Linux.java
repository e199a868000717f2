package io.sendchain.platform.linux.internal;

import io.sendchain.spi.Errno;
import io.sendchain.spi.posix.PosixAbi;
import io.sendchain.spi.posix.SockAddrCodec;
import java.util.Map;

/** Linux constants shared by x86_64 and aarch64 (asm-generic), from the kernel and glibc headers. */
final class Linux {

    private Linux() {
    }

    // <asm-generic/errno-base.h>, <asm-generic/errno.h>
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EBADF = 9;
    static final int EAGAIN = 11;
    static final int ENOMEM = 12;
    static final int EACCES = 13;
    static final int ENOTDIR = 20;
    static final int EINVAL = 22;
    static final int ENFILE = 23;
    static final int EMFILE = 24;
    static final int EPIPE = 32;
    static final int ENAMETOOLONG = 36;
    static final int ENOSYS = 38;
    static final int EPROTO = 71;
    static final int ECONNABORTED = 103;
    static final int ECONNRESET = 104;
    static final int ENOBUFS = 105;
    static final int ENOTCONN = 107;
    static final int EINPROGRESS = 115;

    // <bits/socket.h>, <asm-generic/socket.h>
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOCK_STREAM = 1;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_REUSEADDR = 2;
    static final int SO_ERROR = 4;
    static final int SO_SNDBUF = 7;
    static final int SO_RCVBUF = 8;
    static final int SO_KEEPALIVE = 9;
    static final int SO_REUSEPORT = 15;
    static final int SHUT_WR = 1;

    // <netinet/in.h>, <netinet/tcp.h>
    static final int IPPROTO_TCP = 6;
    static final int TCP_NODELAY = 1;
    static final int TCP_CORK = 3;
    static final int MSG_NOSIGNAL = 0x4000;
    static final int MSG_MORE = 0x8000;

    // <fcntl.h>
    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 0x80000;

    // <fcntl.h>, <linux/stat.h>: statx
    static final int AT_FDCWD = -100;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;
    static final int STATX_TYPE = 0x1;
    static final int STATX_MODE = 0x2;
    static final int STATX_MTIME = 0x40;
    static final int STATX_INO = 0x100;
    static final int STATX_SIZE = 0x200;
    /** {@code sizeof(struct statx)}. */
    static final int STATX_SIZE_OF = 256;
    /**
     * Offsets in {@code struct statx}: {@code __u16 stx_mode}, {@code __u64 stx_ino}, {@code __u64 stx_size},
     * {@code stx_mtime}, {@code __u32 stx_dev_major} and {@code stx_dev_minor}.
     */
    static final long STX_MODE = 28;
    static final long STX_INO = 32;
    static final long STX_DEV_MAJOR = 136;
    static final long STX_DEV_MINOR = 140;
    static final long STX_SIZE = 40;
    static final long STX_MTIME_SEC = 112;
    static final long STX_MTIME_NSEC = 120;
    static final int S_IFMT = 0170000;
    static final int S_IFREG = 0100000;
    static final int S_IFDIR = 0040000;
    static final int S_IFLNK = 0120000;

    // <sys/epoll.h>
    static final int EPOLL_CLOEXEC = 0x80000;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLLIN = 0x001;
    static final int EPOLLOUT = 0x004;
    static final int EPOLLERR = 0x008;
    static final int EPOLLHUP = 0x010;
    static final int EPOLLRDHUP = 0x2000;
    static final int EPOLLET = 1 << 31;

    // <sys/eventfd.h>
    static final int EFD_NONBLOCK = 0x800;
    static final int EFD_CLOEXEC = 0x80000;

    // <unistd.h>
    static final int SC_PAGESIZE = 30;

    /** What the POSIX toolkit's socket logic needs of Linux: no sin_len, a two-byte family. */
    static final PosixAbi ABI = new PosixAbi("linux", EAGAIN, EINTR, EINPROGRESS, ENOTCONN,
            PosixAbi.errnoClasses(Map.of(Errno.EMFILE, EMFILE, Errno.ENFILE, ENFILE, Errno.ENOBUFS, ENOBUFS,
                    Errno.ENOMEM, ENOMEM, Errno.ECONNABORTED, ECONNABORTED, Errno.EPROTO, EPROTO, Errno.EPERM, EPERM,
                    Errno.EINTR, EINTR)),
            SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, SOL_SOCKET, SO_ERROR, SHUT_WR,
            PosixAbi.standardOptions(SOL_SOCKET, SO_SNDBUF, SO_RCVBUF, SO_KEEPALIVE, SO_REUSEADDR, IPPROTO_TCP,
                    TCP_NODELAY),
            SockAddrCodec.withoutSinLen(AF_INET, AF_INET6));

    /** sendfile() takes at most 2 GiB - 1 per call on old kernels (nginx's NGX_SENDFILE_MAXSIZE). */
    static final long SENDFILE_MAXSIZE = 2147483647L;
}
