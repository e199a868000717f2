package io.sendchain.platform.linux.internal;

import io.sendchain.buf.Buf;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.spi.DriverEvents;
import io.sendchain.spi.ErrnoException;
import io.sendchain.spi.Splicer;
import java.io.IOException;

/**
 * The linux platform's {@link Splicer}: {@code splice(2)} between its sockets and non-blocking pipes made with
 * {@code pipe2(O_NONBLOCK | O_CLOEXEC)} and sized with {@code F_SETPIPE_SZ}. One per event loop.
 *
 * <p>Every pipe the splicer made is on one list ({@link #head}), lent or idle, so {@link #close()} finds them all;
 * the idle ones are also on a bounded stack ({@link #idle}). A pipe's byte count ({@link LinuxPipe#bytes}) is kept
 * here and only here: {@link #receive} adds, {@link #transmit} and {@link #drain} subtract, and {@link #release}
 * reads it to decide between the pool and {@code close(2)}, so no pipe with bytes in it is ever lent again.
 */
final class LinuxSplicer implements Splicer {

    // <fcntl.h>, <linux/fcntl.h>
    static final int SPLICE_F_MOVE = 1;
    static final int SPLICE_F_NONBLOCK = 2;
    static final int SPLICE_F_MORE = 4;
    static final int O_NONBLOCK = 0x800;
    static final int F_SETPIPE_SZ = 1031;
    static final int F_GETPIPE_SZ = 1032;

    private final LinuxPlatform platform;
    private final LinuxKernel k;
    private final SpliceKernel sk;
    private final int pipeSize;
    private final LinuxPipe[] idle;
    private int idleCount;
    /** Every open pipe, lent or idle: a doubly linked list through {@link LinuxPipe#prev}/{@link LinuxPipe#next}. */
    private LinuxPipe head;
    private int open;
    private long transmitted;
    private boolean closed;
    /** The kernel refused the pipe size once (logged once; later pipes keep the size they get). */
    private boolean sizeRefused;

    /** One kernel pipe: its two descriptors and what it holds. */
    static final class LinuxPipe implements Pipe {
        final LinuxSplicer owner;
        final int readFd;
        final int writeFd;
        final long capacity;
        /** Bytes moved in and not yet out. */
        long bytes;
        /** Lent by {@link #acquire()} and not released yet. */
        boolean lent;
        boolean open = true;
        LinuxPipe prev;
        LinuxPipe next;

        LinuxPipe(LinuxSplicer owner, int readFd, int writeFd, long capacity) {
            this.owner = owner;
            this.readFd = readFd;
            this.writeFd = writeFd;
            this.capacity = capacity;
        }

        @Override
        public long bytes() {
            return bytes;
        }

        @Override
        public long capacity() {
            return capacity;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public String toString() {
            return "pipe " + readFd + "/" + writeFd + " (" + bytes + " of " + capacity + " bytes"
                    + (open ? lent ? ", lent)" : ", idle)" : ", closed)");
        }
    }

    LinuxSplicer(LinuxPlatform platform, SpliceKernel sk, long pipeSize, int maxIdlePipes) {
        if (pipeSize < 4096 || pipeSize > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pipe size out of 4096.." + Integer.MAX_VALUE + ": " + pipeSize);
        }
        if (maxIdlePipes < 0) {
            throw new IllegalArgumentException("maxIdlePipes < 0: " + maxIdlePipes);
        }
        this.platform = platform;
        this.k = platform.kernel();
        this.sk = sk;
        this.pipeSize = (int) pipeSize;
        this.idle = new LinuxPipe[maxIdlePipes];
    }

    @Override
    public Pipe acquire() throws IOException {
        if (closed) {
            throw new IllegalStateException("splicer is closed");
        }
        if (idleCount > 0) {
            LinuxPipe p = idle[--idleCount];
            idle[idleCount] = null;
            p.lent = true;
            return p;
        }
        long fds = sk.pipe2(O_NONBLOCK | Linux.O_CLOEXEC);
        if (fds < 0) {
            throw errno("pipe2", (int) -fds);
        }
        int readFd = (int) fds;
        int writeFd = (int) (fds >>> 32);
        int size = sk.fcntl(writeFd, F_SETPIPE_SZ, pipeSize);
        if (size < 0) {
            // past /proc/sys/fs/pipe-max-size (EPERM), or the user's pipe-user-pages limit (EPERM): the pipe keeps
            // the size it was made with, which still works, only with more calls per byte
            if (!sizeRefused) {
                sizeRefused = true;
                platform.log().warn("fcntl(F_SETPIPE_SZ, {}) failed: {}; splicing with the kernel's pipe size",
                        pipeSize, k.strerror(-size));
            }
            size = sk.fcntl(writeFd, F_GETPIPE_SZ, 0);
            if (size < 0) {
                IOException e = errno("fcntl", -size);
                k.close(readFd);
                k.close(writeFd);
                throw e;
            }
        }
        LinuxPipe p = new LinuxPipe(this, readFd, writeFd, size);
        p.lent = true;
        p.next = head;
        if (head != null) {
            head.prev = p;
        }
        head = p;
        open++;
        return p;
    }

    @Override
    public void release(Pipe pipe) {
        LinuxPipe p = mine(pipe);
        if (!p.open) {
            return; // closed with the splicer
        }
        if (!p.lent) {
            throw new IllegalStateException("pipe released twice: " + p);
        }
        p.lent = false;
        if (p.bytes == 0 && idleCount < idle.length && !closed) {
            idle[idleCount++] = p;
        } else {
            // bytes left in it belong to a relay that ended early: they must never reach another one
            closePipe(p);
        }
    }

    @Override
    public long receive(Connection from, Pipe pipe, long max) throws IOException {
        LinuxPipe p = lent(pipe);
        if (max <= 0) {
            throw new IllegalArgumentException("max <= 0: " + max);
        }
        int fd = fd(from);
        Event rev = from.read();
        for (;;) {
            long rc = sk.splice(fd, p.writeFd, max, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
            if (rc > 0) {
                p.bytes += rc;
                return rc;
            }
            if (rc == 0) {
                DriverEvents.eof(rev, true);
                DriverEvents.ready(rev, false);
                return 0;
            }
            if (rc == -Linux.EAGAIN) {
                if (p.bytes == 0) {
                    // an empty pipe has room, so the socket is drained: wait for the next edge
                    DriverEvents.ready(rev, false);
                }
                // else the pipe may be what is full (its slots hold socket fragments, not whole pages): the caller
                // empties it and tries again
                return Connection.AGAIN;
            }
            if (rc != -Linux.EINTR) {
                DriverEvents.error(rev, true);
                throw errno("splice", (int) -rc);
            }
        }
    }

    @Override
    public long transmit(Pipe pipe, Connection to, long max, boolean more) throws IOException {
        LinuxPipe p = lent(pipe);
        if (max <= 0) {
            throw new IllegalArgumentException("max <= 0: " + max);
        }
        if (p.bytes == 0) {
            throw new IllegalStateException("transmit from an empty pipe: " + p);
        }
        int fd = fd(to);
        Event wev = to.write();
        long n = Math.min(max, p.bytes);
        int flags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK | (more ? SPLICE_F_MORE : 0);
        for (;;) {
            long rc = sk.splice(p.readFd, fd, n, flags);
            if (rc > 0) {
                p.bytes -= rc;
                transmitted += rc;
                DriverEvents.addSent(to, rc);
                return rc;
            }
            if (rc == -Linux.EAGAIN) {
                // the pipe has bytes, so it is the socket that is full
                DriverEvents.ready(wev, false);
                return Connection.AGAIN;
            }
            if (rc == 0) {
                // a pipe with bytes in it never reads as empty: the count is wrong, which must not go unnoticed
                DriverEvents.error(wev, true);
                throw new IOException("splice() moved nothing from " + p + " to " + to.stream());
            }
            if (rc != -Linux.EINTR) {
                DriverEvents.error(wev, true);
                throw errno("splice", (int) -rc);
            }
        }
    }

    @Override
    public long drain(Pipe pipe, Buf into) throws IOException {
        LinuxPipe p = lent(pipe);
        long room = into.end() - into.last();
        if (p.bytes == 0 || room <= 0) {
            return 0;
        }
        long n = Math.min(room, p.bytes);
        for (;;) {
            long rc = k.read(p.readFd, into.segment().address() + into.last(), n);
            if (rc > 0) {
                p.bytes -= rc;
                into.last(into.last() + rc);
                return rc;
            }
            if (rc == 0 || rc == -Linux.EAGAIN) {
                throw new IOException("read() found " + p + " empty");
            }
            if (rc != -Linux.EINTR) {
                throw errno("read", (int) -rc);
            }
        }
    }

    @Override
    public int openPipes() {
        return open;
    }

    @Override
    public int idlePipes() {
        return idleCount;
    }

    @Override
    public long bytesTransmitted() {
        return transmitted;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        while (head != null) {
            closePipe(head);
        }
        java.util.Arrays.fill(idle, null);
        idleCount = 0;
    }

    private void closePipe(LinuxPipe p) {
        p.open = false;
        p.lent = false;
        if (p.prev != null) {
            p.prev.next = p.next;
        } else {
            head = p.next;
        }
        if (p.next != null) {
            p.next.prev = p.prev;
        }
        p.prev = null;
        p.next = null;
        open--;
        closeFd(p.readFd);
        closeFd(p.writeFd);
    }

    private void closeFd(int fd) {
        int rc = k.close(fd);
        if (rc < 0 && rc != -Linux.EINTR) {
            platform.log().warn("close({}) of a pipe failed: {}", fd, k.strerror(-rc));
        }
    }

    private LinuxPipe mine(Pipe pipe) {
        if (!(pipe instanceof LinuxPipe p) || p.owner != this) {
            throw new IllegalArgumentException("not a pipe of this splicer: " + pipe);
        }
        return p;
    }

    private LinuxPipe lent(Pipe pipe) {
        LinuxPipe p = mine(pipe);
        if (!p.open || !p.lent) {
            throw new IllegalStateException("pipe is not lent (released or closed): " + p);
        }
        return p;
    }

    /** The descriptor of {@code c}'s socket, which must be an open socket of this platform. */
    private int fd(Connection c) {
        if (!(c.stream() instanceof LinuxStreamSocket s) || s.platform() != platform) {
            throw new IllegalArgumentException("not a socket of this linux platform: " + c.stream());
        }
        if (!s.isOpen()) {
            throw new IllegalStateException("socket is closed: " + s);
        }
        return s.fd();
    }

    private IOException errno(String call, int errno) {
        return new ErrnoException(call, errno, Linux.ABI.errno().apply(errno), k.strerror(errno));
    }
}
