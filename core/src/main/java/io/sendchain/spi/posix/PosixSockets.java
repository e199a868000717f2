package io.sendchain.spi.posix;

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

        void prepare(int fd) throws IOException;
    }

    /** Makes the platform's stream socket for a connecting descriptor. */
    @FunctionalInterface
    public interface Connected<S> {
        S socket(int fd, boolean connectPending);
    }

    private static final Logger log = LoggerFactory.getLogger(PosixSockets.class);

    private final PosixKernel kernel;
    private final PosixAbi abi;
    private final long pageSize;
    private final DescriptorSetup setup;
    private final ThreadLocal<PosixScratch> scratch;

    /**
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

    public PosixKernel kernel() {
        return kernel;
    }

    public PosixAbi abi() {
        return abi;
    }

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

    /** Closes {@code fd}; a failure other than EINTR (after which the descriptor is gone) is logged. */
    public void close(int fd) {
        int rc = kernel.close(fd);
        if (rc < 0 && rc != -abi.eintr()) {
            log.warn("close({}) failed: {}", fd, kernel.strerror(-rc));
        }
    }
}
