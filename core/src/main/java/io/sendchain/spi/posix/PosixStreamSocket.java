package io.sendchain.spi.posix;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.StreamSocket;
import io.sendchain.spi.DriverEvents;
import io.sendchain.spi.Telemetry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;

/**
 * A connected non-blocking socket on a {@link PosixKernel}: everything but the send chain, which is the platform's
 * (the nginx file it ports). Reads and single writes are {@link PosixSockets}' (nginx's {@code ngx_unix_recv},
 * {@code ngx_readv_chain} and {@code ngx_unix_send}), which a platform with a socket of its own uses too.
 *
 * <p>A subclass implements {@link #sendChain} with the thread's {@link PosixScratch}; {@link #writev} is nginx's
 * {@code ngx_writev} for the memory at the head of a chain. The socket holds no gather list of its own: an idle
 * keep-alive connection does not carry one.
 */
public abstract class PosixStreamSocket implements StreamSocket, Descriptor {

    /** {@link #writev}'s result when the call would block. */
    protected static final long AGAIN_RC = -2;

    private final PosixSockets sockets;
    private final PosixKernel k;
    private final PosixAbi abi;
    private final int fd;
    private boolean connectPending;
    private boolean closed;
    /** TCP_NODELAY is on (set through {@link #setOption}). */
    private boolean nodelay;

    /** A socket over {@code fd}, whose connect is still pending if {@code connectPending}. */
    protected PosixStreamSocket(PosixSockets sockets, int fd, boolean connectPending) {
        if (fd < 0) {
            throw new IllegalArgumentException("fd < 0: " + fd);
        }
        this.sockets = sockets;
        this.k = sockets.kernel();
        this.abi = sockets.abi();
        this.fd = fd;
        this.connectPending = connectPending;
    }

    @Override
    public final int fd() {
        return fd;
    }

    /** The toolkit this socket was made with. */
    protected final PosixSockets sockets() {
        return sockets;
    }

    /** Sets the event's {@code error} and returns {@code "call() failed: text"} for {@code rc = -errno}. */
    protected final IOException error(Event ev, String call, long rc) {
        return sockets.error(ev, call, rc);
    }

    /**
     * The send chain: returns {@code in} at once when the write event is not ready, else runs {@link #sendChain}
     * with the thread's scratch and clears the scratch on the way out.
     */
    @Override
    public Chain send(Connection c, Chain in, long limit) throws IOException {
        if (!c.write().ready()) {
            return in;
        }
        PosixScratch s = sockets.scratch();
        try {
            return sendChain(c, in, limit, s);
        } finally {
            s.clear(); // the thread's scratch must not keep this response's bufs reachable
        }
    }

    /** The platform's send chain (nginx's {@code ngx_*_sendfile_chain}), with the write event ready. */
    protected abstract Chain sendChain(Connection c, Chain in, long limit, PosixScratch s) throws IOException;

    /**
     * kqueue's pending EOF (the peer closed, with the errno kqueue gave) fails a send before any system call is made.
     */
    protected final void failOnPendingEof(Event wev) throws IOException {
        if (DriverEvents.pendingEof(wev)) {
            DriverEvents.error(wev, true);
            throw new IOException(
                    "kevent() reported about a closed connection: " + k.strerror(DriverEvents.kqErrno(wev)));
        }
    }

    /** A send chain's limit: none ({@code <= 0}) or too large is the largest a page-rounded run can take. */
    protected final long sendLimit(long limit) {
        long max = Long.MAX_VALUE - sockets.pageSize();
        return limit <= 0 || limit > max ? max : limit;
    }

    /** Writes {@code s.header} with one writev: the bytes written, 0 for nothing to write, or {@link #AGAIN_RC}. */
    protected final long writev(Connection c, PosixScratch s) throws IOException {
        int n = PosixScratch.fill(s.headers, s.header);
        if (n == 0) {
            return 0; // only signals: nothing to write
        }
        for (;;) {
            long rc = k.writev(fd, s.headers, n);
            if (rc >= 0) {
                Telemetry.call(c, Telemetry.Transfer.WRITEV, rc, false);
                return rc;
            }
            if (rc == -abi.eagain()) {
                Telemetry.call(c, Telemetry.Transfer.WRITEV, 0, true);
                return AGAIN_RC;
            }
            if (rc != -abi.eintr()) {
                throw error(c.write(), "writev", rc);
            }
        }
    }

    // ---------------------------------------------------------------- reads and single writes

    @Override
    public long recv(Connection c, Buf b) throws IOException {
        return sockets.recv(c, fd, b, false);
    }

    @Override
    public long recvChain(Connection c, Chain in, long limit) throws IOException {
        return sockets.recvChain(c, fd, in, limit, sockets.scratch().headers, false);
    }

    @Override
    public long send(Connection c, Buf b) throws IOException {
        return sockets.send(c, fd, b);
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
        if (!sockets.connected(c, fd)) {
            return false;
        }
        connectPending = false;
        return true;
    }

    @Override
    public void shutdownOutput() throws IOException {
        sockets.shutdownOutput(fd);
    }

    @Override
    public InetSocketAddress remoteAddress() throws IOException {
        return sockets.name(fd, true);
    }

    @Override
    public InetSocketAddress localAddress() throws IOException {
        return sockets.name(fd, false);
    }

    @Override
    public <T> void setOption(SocketOption<T> option, T value) throws IOException {
        PosixAbi.IntOption o = abi.option(option);
        int v = value instanceof Boolean bool ? (bool ? 1 : 0) : (Integer) value;
        boolean nodelayOption = option == StandardSocketOptions.TCP_NODELAY;
        if (nodelayOption && v == 1 && nodelay) {
            return; // on already: the owner states it at each keep-alive (nginx's ngx_tcp_nodelay checks the same)
        }
        int rc = k.setsockopt(fd, o.level(), o.name(), v);
        if (rc < 0) {
            throw sockets.failure("setsockopt(" + option.name() + ")", rc);
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
        sockets.close(fd);
    }

    @Override
    public String toString() {
        return abi.platform() + " socket fd " + fd;
    }
}
