package io.sendchain.spi.posix;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.spi.DriverEvents;
import io.sendchain.spi.IoVec;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One platform's sockets on a {@link PosixKernel}: makes listening and connecting descriptors, names addresses,
 * turns failures into {@code IOException}s naming the call and the errno's text, and hands each thread its
 * {@link PosixScratch}. A platform makes one and gives it to its {@link PosixStreamSocket}s and
 * {@link PosixListenSocket}s.
 */
public final class PosixSockets {

    /**
     * What a new descriptor needs before use when {@code socket(2)} and {@code accept} cannot do it in the same
     * call (macOS: {@code fcntl} for {@code O_NONBLOCK} and {@code FD_CLOEXEC}, {@code SO_NOSIGPIPE}).
     */
    @FunctionalInterface
    public interface DescriptorSetup {
        /** Nothing to do: the kernel's {@code SOCK_NONBLOCK | SOCK_CLOEXEC} and {@code accept4} did it. */
        DescriptorSetup NONE = fd -> { };

        /** Prepares the new descriptor {@code fd}; an {@code IOException} names the call that failed. */
        void prepare(int fd) throws IOException;
    }

    /** Makes the platform's stream socket for a connecting descriptor. */
    @FunctionalInterface
    public interface Connected<S> {
        /** The socket over {@code fd}, whose connect is still pending if {@code connectPending}. */
        S socket(int fd, boolean connectPending);
    }

    private static final Logger log = LoggerFactory.getLogger(PosixSockets.class);
    /** A call was interrupted (EINTR): make it again. */
    private static final long RETRY = Long.MIN_VALUE;

    private final PosixKernel kernel;
    private final PosixAbi abi;
    private final long pageSize;
    private final DescriptorSetup setup;
    private final ThreadLocal<PosixScratch> scratch;

    /**
     * The toolkit over {@code kernel}, in {@code abi}'s numbers; {@code setup} prepares each new descriptor.
     *
     * @param pageSize the page size the kernel reported ({@code sysconf(_SC_PAGESIZE)}); a result that is not a
     *     power of two (or a failure) falls back to 4096
     * @param sfHdtr the platform's {@code struct sf_hdtr} layout for {@link PosixScratch}, or {@code null}
     */
    public PosixSockets(PosixKernel kernel, PosixAbi abi, long pageSize, StructLayout sfHdtr, DescriptorSetup setup) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.abi = Objects.requireNonNull(abi, "abi");
        this.setup = Objects.requireNonNull(setup, "setup");
        long page = pageSize > 0 && (pageSize & (pageSize - 1)) == 0 ? pageSize : 4096;
        this.pageSize = page;
        this.scratch = ThreadLocal.withInitial(() -> new PosixScratch(page, sfHdtr));
    }

    /** The kernel calls. */
    public PosixKernel kernel() {
        return kernel;
    }

    /** The platform's numbers. */
    public PosixAbi abi() {
        return abi;
    }

    /** The page size, a power of two (what {@code Platform.pageSize()} reports). */
    public long pageSize() {
        return pageSize;
    }

    /** The calling thread's scratch; a send or receive call fetches it once. */
    public PosixScratch scratch() {
        return scratch.get();
    }

    /** {@code "call() failed: text"} for a result {@code rc = -errno}. */
    public IOException failure(String call, long rc) {
        return new IOException(call + "() failed: " + kernel.strerror((int) -rc));
    }

    /** A listening descriptor bound to {@code address}, with {@code SO_REUSEADDR}; closed again on failure. */
    public int listen(InetSocketAddress address, int backlog) throws IOException {
        return listen(address, backlog, null);
    }

    /**
     * A listening descriptor bound to {@code address}, with {@code SO_REUSEADDR} and, if {@code reusePort} is not
     * {@code null}, that {@code SO_REUSEPORT} option (set before bind: the socket joins the group of the sockets
     * already bound to the address); closed again on failure.
     */
    public int listen(InetSocketAddress address, int backlog, PosixAbi.IntOption reusePort) throws IOException {
        int fd = socket(address);
        try (Arena arena = Arena.ofConfined()) {
            PosixAbi.IntOption reuse = abi.option(StandardSocketOptions.SO_REUSEADDR);
            int rc = kernel.setsockopt(fd, reuse.level(), reuse.name(), 1);
            if (rc < 0) {
                throw failure("setsockopt(SO_REUSEADDR)", rc);
            }
            if (reusePort != null) {
                rc = kernel.setsockopt(fd, reusePort.level(), reusePort.name(), 1);
                if (rc < 0) {
                    throw failure("setsockopt(SO_REUSEPORT)", rc);
                }
            }
            MemorySegment sa = arena.allocate(SockAddrCodec.STORAGE, 8);
            int len = abi.sockaddr().encode(address, sa);
            rc = kernel.bind(fd, sa, len);
            if (rc < 0) {
                throw new IOException("bind() to " + address + " failed: " + kernel.strerror(-rc));
            }
            rc = kernel.listen(fd, backlog);
            if (rc < 0) {
                throw failure("listen", rc);
            }
        } catch (IOException | RuntimeException e) {
            kernel.close(fd);
            throw e;
        }
        return fd;
    }

    /**
     * Starts a non-blocking connect to {@code address} and wraps the descriptor: pending unless it connected at
     * once (EINPROGRESS and EINTR leave it pending: the write event says when it is done).
     */
    public <S> S connect(InetSocketAddress address, Connected<S> wrap) throws IOException {
        int fd = socket(address);
        boolean pending;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocate(SockAddrCodec.STORAGE, 8);
            int len = abi.sockaddr().encode(address, sa);
            int rc = kernel.connect(fd, sa, len);
            if (rc < 0 && rc != -abi.einprogress() && rc != -abi.eintr()) {
                throw new IOException("connect() to " + address + " failed: " + kernel.strerror(-rc));
            }
            pending = rc < 0;
        } catch (IOException | RuntimeException e) {
            kernel.close(fd);
            throw e;
        }
        return wrap.socket(fd, pending);
    }

    private int socket(InetSocketAddress address) throws IOException {
        int fd = kernel.socket(abi.sockaddr().family(address), abi.socketType(), 0);
        if (fd < 0) {
            throw failure("socket", fd);
        }
        prepare(fd);
        return fd;
    }

    /** Runs the platform's {@link DescriptorSetup} on a new descriptor; closes it if that fails. */
    void prepare(int fd) throws IOException {
        try {
            setup.prepare(fd);
        } catch (IOException | RuntimeException e) {
            kernel.close(fd);
            throw e;
        }
    }

    /** The local ({@code peer == false}) or remote address of {@code fd}. */
    public InetSocketAddress name(int fd, boolean peer) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(SockAddrCodec.STORAGE, 8);
            int rc = kernel.sockname(fd, peer, addr);
            if (rc < 0) {
                throw failure(peer ? "getpeername" : "getsockname", rc);
            }
            return abi.sockaddr().decode(addr);
        }
    }

    // ---------------------------------------------------------------- a connected descriptor's calls

    /** Sets the event's {@code error} and returns {@code "call() failed: text"} for {@code rc = -errno}. */
    public IOException error(Event ev, String call, long rc) {
        DriverEvents.error(ev, true);
        return failure(call, rc);
    }

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
        if (rc == -abi.eagain()) {
            DriverEvents.ready(rev, false);
            return Connection.AGAIN;
        }
        if (rc == -abi.eintr()) {
            return RETRY;
        }
        throw error(rev, call, rc);
    }

    /**
     * nginx's {@code ngx_unix_recv}: reads into {@code b}'s free space; EAGAIN clears {@code ready} and returns
     * {@link Connection#AGAIN}, end of stream sets {@code eof} and returns 0, EINTR reads again, a failure sets
     * {@code error} and throws.
     *
     * @param shortReadDrains a read shorter than the room clears {@code ready} too (an edge-triggered driver
     *     reports the next arrival), unless the driver saw the peer's FIN come with the data
     */
    public long recv(Connection c, int fd, Buf b, boolean shortReadDrains) throws IOException {
        long room = b.end() - b.last();
        if (room <= 0) {
            throw new IllegalArgumentException("recv into a full buf: " + b);
        }
        Event rev = c.read();
        for (;;) {
            long rc = kernel.read(fd, b.segment().address() + b.last(), room);
            if (rc > 0) {
                b.last(b.last() + rc);
                if (shortReadDrains && rc < room && !DriverEvents.pendingEof(rev)) {
                    // the socket is drained; with edge-triggered epoll the next arrival is a new edge, so there
                    // is no need to spend a read on EAGAIN. Not so when the peer's FIN came with the data
                    // (EPOLLRDHUP): no edge will announce it, so the next read must find it (as nginx does).
                    DriverEvents.ready(rev, false);
                }
                return rc;
            }
            long r = notRead(rev, "recv", rc);
            if (r != RETRY) {
                return r;
            }
        }
    }

    /**
     * nginx's {@code ngx_readv_chain}: one readv into the free space of {@code in}'s bufs (at most
     * {@code limit} bytes when {@code limit > 0}, at most {@link IoVec#DEFAULT_CAPACITY} bufs), built in
     * {@code iov} (room for that many {@code struct iovec}s); the events as {@link #recv}, {@code shortReadDrains}
     * too: a read shorter than the room offered clears {@code ready} (nginx's ngx_readv_chain with EPOLLRDHUP), so
     * a pipe that read the rest of a response does not spend a readv on EAGAIN before it sees the response's end.
     */
    public long recvChain(Connection c, int fd, Chain in, long limit, MemorySegment iov, boolean shortReadDrains)
            throws IOException {
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
            PosixScratch.iovec(iov, count++, b.segment().address() + b.last(), room);
            total += room;
        }
        if (count == 0) {
            throw new IllegalArgumentException("recv chain without free space");
        }
        Event rev = c.read();
        for (;;) {
            long rc = kernel.readv(fd, iov, count);
            if (rc > 0) {
                long left = rc;
                for (Chain cl = in; cl != null && left > 0; cl = cl.next()) {
                    Buf b = cl.buf();
                    long take = Math.min(b.end() - b.last(), left);
                    b.last(b.last() + take);
                    left -= take;
                }
                if (shortReadDrains && rc < total && !DriverEvents.pendingEof(rev)) {
                    DriverEvents.ready(rev, false); // drained: as in recv
                }
                return rc;
            }
            long r = notRead(rev, "readv", rc);
            if (r != RETRY) {
                return r;
            }
        }
    }

    /**
     * nginx's {@code ngx_unix_send}: writes {@code b}'s bytes; a short write clears {@code ready}, as does EAGAIN
     * (which returns {@link Connection#AGAIN}); EINTR writes again; a failure sets {@code error} and throws.
     */
    public long send(Connection c, int fd, Buf b) throws IOException {
        long size = b.last() - b.pos();
        if (size <= 0) {
            return 0;
        }
        Event wev = c.write();
        for (;;) {
            long rc = kernel.write(fd, b.segment().address() + b.pos(), size);
            if (rc > 0) {
                b.pos(b.pos() + rc);
                DriverEvents.addSent(c, rc);
                if (rc < size) {
                    DriverEvents.ready(wev, false);
                }
                return rc;
            }
            if (rc == 0 || rc == -abi.eagain()) {
                DriverEvents.ready(wev, false);
                return Connection.AGAIN;
            }
            if (rc != -abi.eintr()) {
                throw error(wev, "send", rc);
            }
        }
    }

    /**
     * Whether a non-blocking connect on {@code fd} has completed ({@code SO_ERROR} is 0); {@code false}, with
     * {@code ready} cleared, while it is in progress; a failure sets {@code error} and throws naming connect.
     */
    public boolean connected(Connection c, int fd) throws IOException {
        long err = kernel.getsockopt(fd, abi.solSocket(), abi.soError());
        if (err < 0) {
            throw error(c.write(), "getsockopt(SO_ERROR)", err);
        }
        if (err == abi.einprogress()) {
            DriverEvents.ready(c.write(), false);
            return false;
        }
        if (err != 0) {
            throw error(c.write(), "connect", -err);
        }
        return true;
    }

    /** {@code shutdown(fd, SHUT_WR)}; a socket the peer already reset ({@code ENOTCONN}) is not an error. */
    public void shutdownOutput(int fd) throws IOException {
        int rc = kernel.shutdown(fd, abi.shutWr());
        if (rc < 0 && rc != -abi.enotconn()) {
            throw failure("shutdown", rc);
        }
    }

    /** Closes {@code fd}; a failure other than EINTR (after which the descriptor is gone) is logged. */
    public void close(int fd) {
        int rc = kernel.close(fd);
        if (rc < 0 && rc != -abi.eintr()) {
            log.warn("close({}) failed: {}", fd, kernel.strerror(-rc));
        }
    }
}
