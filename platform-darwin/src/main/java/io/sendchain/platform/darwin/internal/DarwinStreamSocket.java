package io.sendchain.platform.darwin.internal;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.spi.Chains;
import io.sendchain.spi.FileRun;
import io.sendchain.spi.IoVec;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.StreamSocket;
import io.sendchain.spi.DriverEvents;
import io.sendchain.spi.NativeFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;

/**
 * A connected socket of the macOS platform. The send chain is nginx's {@code ngx_darwin_sendfile_chain}: a header
 * iovec and a coalesced file run go out in one {@code sendfile} with an {@code sf_hdtr}; a trailer iovec is built
 * only when there is no header and the limit is not reached (macOS's in/out {@code len} counts the headers on
 * input, so nginx does not mix both); memory-only chains use {@code writev}. kqueue's pending EOF fails the call
 * before any system call; EINTR resyncs and loops; a short send clears {@code ready}; success with nothing sent
 * means the file was truncated.
 *
 * <p>The socket holds no gather lists or file run of its own: they are the thread's per-call scratch
 * ({@link SendScratch}), so that an idle keep-alive connection does not carry them.
 */
final class DarwinStreamSocket implements StreamSocket {

    private static final long AGAIN_RC = -2;
    /** A call was interrupted (EINTR): make it again. */
    private static final long RETRY = Long.MIN_VALUE;

    private final DarwinPlatform platform;
    private final DarwinKernel k;
    private final int fd;
    private boolean connectPending;
    private boolean closed;
    /** TCP_NODELAY is on (set through {@link #setOption}). */
    private boolean nodelay;

    DarwinStreamSocket(DarwinPlatform platform, int fd, boolean connectPending) {
        this.platform = platform;
        this.k = platform.kernel();
        this.fd = fd;
        this.connectPending = connectPending;
    }

    int fd() {
        return fd;
    }

    private IOException error(Event ev, String call, long rc) {
        DriverEvents.error(ev, true);
        return new IOException(call + "() failed: " + k.strerror((int) -rc));
    }

    @Override
    public Chain send(Connection c, Chain in, long limit) throws IOException {
        Event wev = c.write();
        if (!wev.ready()) {
            return in;
        }
        SendScratch s = platform.sendScratch();
        try {
            return send(c, wev, in, limit, s);
        } finally {
            s.clear(); // the thread's scratch must not keep this response's bufs reachable
        }
    }

    private Chain send(Connection c, Event wev, Chain in, long limit, SendScratch s) throws IOException {
        IoVec header = s.header;
        IoVec trailer = s.trailer;
        FileRun run = s.run;
        if (DriverEvents.pendingEof(wev)) {
            DriverEvents.error(wev, true);
            throw new IOException(
                    "kevent() reported about a closed connection: " + k.strerror(DriverEvents.kqErrno(wev)));
        }
        long max = Long.MAX_VALUE - platform.pageSize();
        if (limit <= 0 || limit > max) {
            limit = max;
        }
        long send = 0;
        for (;;) {
            boolean eintr = false;
            long prevSend = send;

            Chain cl = header.fill(in, limit - send);
            send += header.size();
            long sent;

            if (cl != null && cl.buf().inFile() && send < limit) {
                Buf file = cl.buf();
                long fileSize = run.coalesce(cl, limit - send);
                cl = run.next();
                send += fileSize;
                if (header.count() == 0 && send < limit) {
                    trailer.fill(cl, limit - send);
                    send += trailer.size();
                } else {
                    trailer.clear();
                }
                // sendfile() returns EINVAL if a count is 0 but its pointer is not NULL
                s.hdtr(SendScratch.fill(s.headers, header), SendScratch.fill(s.trailers, trailer));
                if (!(NativeFile.of(file.file()) instanceof DarwinFile df)) {
                    throw new IOException("file \"" + file.file() + "\" was not opened by the darwin "
                            + "platform (Platform.openFile): it has no descriptor for sendfile()");
                }
                // len in: header bytes and file bytes; len out: every byte sent
                s.sbytes.set(ValueLayout.JAVA_LONG, 0, header.size() + fileSize);
                int rc = k.sendfile(df.fd(), fd, file.filePos(), s.sbytes, s.hdtr, 0);
                sent = s.sbytes.get(ValueLayout.JAVA_LONG, 0);
                if (rc < 0) {
                    switch (-rc) {
                        case Darwin.EAGAIN -> {
                            // the bytes sent so far count; the short send below clears ready
                        }
                        case Darwin.EINTR -> eintr = true;
                        default -> throw error(wev, "sendfile", rc);
                    }
                }
                if (rc == 0 && sent == 0) {
                    DriverEvents.error(wev, true);
                    throw new IOException("sendfile() reported that \"" + file.file() + "\" was truncated at "
                            + file.filePos());
                }
            } else {
                long n = writev(c, s);
                sent = n == AGAIN_RC ? 0 : n;
            }

            DriverEvents.addSent(c, sent);
            in = Chains.updateSent(in, sent);

            if (eintr) {
                send = prevSend + sent;
                continue;
            }
            if (send - prevSend != sent) {
                DriverEvents.ready(wev, false);
                return in;
            }
            if (send >= limit || in == null || send == prevSend) {
                return in;
            }
        }
    }

    private long writev(Connection c, SendScratch s) throws IOException {
        int n = SendScratch.fill(s.headers, s.header);
        if (n == 0) {
            return 0; // only signals: nothing to write
        }
        for (;;) {
            long rc = k.writev(fd, s.headers, n);
            if (rc >= 0) {
                return rc;
            }
            if (rc == -Darwin.EAGAIN) {
                return AGAIN_RC;
            }
            if (rc != -Darwin.EINTR) {
                throw error(c.write(), "writev", rc);
            }
        }
    }

    // ---------------------------------------------------------------- reads and single writes

    /**
     * A read that brought nothing ({@code rc <= 0}): 0 at the end of the stream, AGAIN for EAGAIN (both clear
     * ready), RETRY for EINTR; other errors throw.
     */
    private long notRead(Event rev, String call, long rc) throws IOException {
        if (rc == 0) {
            DriverEvents.eof(rev, true);
            DriverEvents.ready(rev, false);
            return 0;
        }
        if (rc == -Darwin.EAGAIN) {
            DriverEvents.ready(rev, false);
            return Connection.AGAIN;
        }
        if (rc == -Darwin.EINTR) {
            return RETRY;
        }
        throw error(rev, call, rc);
    }

    @Override
    public long recv(Connection c, Buf b) throws IOException {
        long room = b.end() - b.last();
        if (room <= 0) {
            throw new IllegalArgumentException("recv into a full buf: " + b);
        }
        Event rev = c.read();
        for (;;) {
            long rc = k.read(fd, b.segment().address() + b.last(), room);
            if (rc > 0) {
                b.last(b.last() + rc);
                return rc;
            }
            long r = notRead(rev, "recv", rc);
            if (r != RETRY) {
                return r;
            }
        }
    }

    @Override
    public long recvChain(Connection c, Chain in, long limit) throws IOException {
        SendScratch s = platform.sendScratch();
        int count = 0;
        long total = 0;
        for (Chain cl = in; cl != null && count < IoVec.DEFAULT_CAPACITY && (limit <= 0 || total < limit);
                cl = cl.next()) {
            Buf b = cl.buf();
            long room = b.end() - b.last();
            if (room <= 0) {
                continue;
            }
            if (limit > 0 && room > limit - total) {
                room = limit - total;
            }
            s.headers.set(ValueLayout.JAVA_LONG, count * SendScratch.IOVEC, b.segment().address() + b.last());
            s.headers.set(ValueLayout.JAVA_LONG, count * SendScratch.IOVEC + 8, room);
            count++;
            total += room;
        }
        if (count == 0) {
            throw new IllegalArgumentException("recv chain without free space");
        }
        Event rev = c.read();
        for (;;) {
            long rc = k.readv(fd, s.headers, count);
            if (rc > 0) {
                long left = rc;
                for (Chain cl = in; cl != null && left > 0; cl = cl.next()) {
                    Buf b = cl.buf();
                    long take = Math.min(b.end() - b.last(), left);
                    b.last(b.last() + take);
                    left -= take;
                }
                return rc;
            }
            long r = notRead(rev, "readv", rc);
            if (r != RETRY) {
                return r;
            }
        }
    }

    @Override
    public long send(Connection c, Buf b) throws IOException {
        long size = b.last() - b.pos();
        if (size <= 0) {
            return 0;
        }
        Event wev = c.write();
        for (;;) {
            long rc = k.write(fd, b.segment().address() + b.pos(), size);
            if (rc > 0) {
                b.pos(b.pos() + rc);
                DriverEvents.addSent(c, rc);
                if (rc < size) {
                    DriverEvents.ready(wev, false);
                }
                return rc;
            }
            if (rc == 0 || rc == -Darwin.EAGAIN) {
                DriverEvents.ready(wev, false);
                return Connection.AGAIN;
            }
            if (rc != -Darwin.EINTR) {
                throw error(wev, "send", rc);
            }
        }
    }

    @Override
    public boolean connectPending() {
        return connectPending;
    }

    @Override
    public boolean finishConnect(Connection c) throws IOException {
        if (!connectPending) {
            return true;
        }
        long err = k.getsockopt(fd, Darwin.SOL_SOCKET, Darwin.SO_ERROR);
        if (err < 0) {
            throw error(c.write(), "getsockopt(SO_ERROR)", err);
        }
        if (err == Darwin.EINPROGRESS) {
            DriverEvents.ready(c.write(), false);
            return false;
        }
        if (err != 0) {
            throw error(c.write(), "connect", -err);
        }
        connectPending = false;
        return true;
    }

    @Override
    public void shutdownOutput() throws IOException {
        int rc = k.shutdown(fd, Darwin.SHUT_WR);
        if (rc < 0 && rc != -Darwin.ENOTCONN) {
            throw new IOException("shutdown() failed: " + k.strerror(-rc));
        }
    }

    @Override
    public InetSocketAddress remoteAddress() throws IOException {
        return name(true);
    }

    @Override
    public InetSocketAddress localAddress() throws IOException {
        return name(false);
    }

    private InetSocketAddress name(boolean peer) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(BsdSockAddr.STORAGE, 8);
            int rc = k.sockname(fd, peer, addr);
            if (rc < 0) {
                throw new IOException((peer ? "getpeername" : "getsockname") + "() failed: " + k.strerror(-rc));
            }
            return BsdSockAddr.decode(addr);
        }
    }

    @Override
    public <T> void setOption(SocketOption<T> option, T value) throws IOException {
        int[] ln = DarwinPlatform.intOption(option);
        int v = value instanceof Boolean bool ? (bool ? 1 : 0) : (Integer) value;
        boolean nodelayOption = option == StandardSocketOptions.TCP_NODELAY;
        if (nodelayOption && v == 1 && nodelay) {
            return; // on already: the owner states it at each keep-alive (nginx's ngx_tcp_nodelay checks the same)
        }
        int rc = k.setsockopt(fd, ln[0], ln[1], v);
        if (rc < 0) {
            throw new IOException("setsockopt(" + option.name() + ") failed: " + k.strerror(-rc));
        }
        if (nodelayOption) {
            nodelay = v == 1;
        }
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        int rc = k.close(fd);
        if (rc < 0 && rc != -Darwin.EINTR) {
            platform.log().warn("close({}) failed: {}", fd, k.strerror(-rc));
        }
    }

    @Override
    public String toString() {
        return "darwin socket fd " + fd;
    }
}
