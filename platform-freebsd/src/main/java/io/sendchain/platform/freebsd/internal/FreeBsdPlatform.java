package io.sendchain.platform.freebsd.internal;

import io.sendchain.buf.FileRef;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.spi.IoDriver;
import io.sendchain.spi.NativeFile;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformOption;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FreeBSD platform: descriptors through {@link FreeBsdKernel}, kqueue, sendfile with sf_hdtr, TCP_NOPUSH,
 * SF_NODISKIO. Its options are below (public as {@code FreeBsdOptions}).
 */
public final class FreeBsdPlatform implements Platform {

    /** nginx's {@code ngx_freebsd_sendfile_nbytes_bug}: old kernels counted the headers in nbytes (bug 33771). */
    public static final PlatformOption<Boolean> NBYTES_BUG = PlatformOption.ofBoolean("freebsd.nbytes-bug", false,
            "sendfile counts the headers in nbytes, as old FreeBSD kernels did (bugs.freebsd.org/33771)");

    /** {@code SF_NODISKIO} while a socket's busy count is small; {@code EBUSY} retries on the next cycle. */
    public static final PlatformOption<Boolean> NODISKIO = PlatformOption.ofBoolean("freebsd.nodiskio", true,
            "sendfile with SF_NODISKIO while the socket's busy count is small (EBUSY retries on the next cycle)");

    /** {@code TCP_NOPUSH} while a file is sent, cleared after the last buf (nginx's {@code tcp_nopush}). */
    public static final PlatformOption<Boolean> TCP_NOPUSH = PlatformOption.ofBoolean("tcp.nopush", true,
            "TCP_NOPUSH while a file is sent, so header, file and trailer leave in full packets");

    /** Every option this platform reads: what its provider declares. */
    public static final List<PlatformOption<?>> OPTIONS = List.of(NBYTES_BUG, NODISKIO, TCP_NOPUSH);

    private static final Logger log = LoggerFactory.getLogger(FreeBsdPlatform.class);

    private final FreeBsdKernel kernel;
    private final long pageSize;
    private final boolean nbytesBug;
    private final boolean nodiskio;
    private final boolean tcpNopush;
    private final ThreadLocal<SendScratch> scratch;

    public FreeBsdPlatform(FreeBsdKernel kernel, PlatformConfig config) {
        this.kernel = kernel;
        long ps = kernel.sysconf(FreeBsd.SC_PAGESIZE);
        this.pageSize = ps > 0 && (ps & (ps - 1)) == 0 ? ps : 4096;
        long page = pageSize;
        this.scratch = ThreadLocal.withInitial(() -> new SendScratch(page));
        this.nbytesBug = config.get(NBYTES_BUG);
        this.nodiskio = config.get(NODISKIO);
        this.tcpNopush = config.get(TCP_NOPUSH);
    }

    FreeBsdKernel kernel() {
        return kernel;
    }

    long pageSize() {
        return pageSize;
    }

    boolean nbytesBug() {
        return nbytesBug;
    }

    boolean nodiskio() {
        return nodiskio;
    }

    boolean tcpNopush() {
        return tcpNopush;
    }

    /** The calling thread's scratch; a send or receive call fetches it once. */
    SendScratch sendScratch() {
        return scratch.get();
    }

    Logger log() {
        return log;
    }

    @Override
    public String name() {
        return "freebsd";
    }

    @Override
    public IoDriver newDriver() throws IOException {
        return new KqueueDriver(this);
    }

    // supportsReusePort() stays false: FreeBSD's SO_REUSEPORT lets sockets share an address but gives every new
    // connection to one of them; only SO_REUSEPORT_LB (FreeBSD 12) balances, which nginx uses for "reuseport".
    // Adding it means a constant, a probe for the kernel version and a test on FreeBSD, which cannot run here.
    @Override
    public ListenSocket listen(InetSocketAddress address, int backlog) throws IOException {
        int fd = socket(address);
        try (Arena arena = Arena.ofConfined()) {
            int rc = kernel.setsockopt(fd, FreeBsd.SOL_SOCKET, FreeBsd.SO_REUSEADDR, 1);
            if (rc < 0) {
                throw new IOException("setsockopt(SO_REUSEADDR) failed: " + kernel.strerror(-rc));
            }
            MemorySegment sa = arena.allocate(BsdSockAddr.STORAGE, 8);
            int len = BsdSockAddr.encode(address, sa);
            rc = kernel.bind(fd, sa, len);
            if (rc < 0) {
                throw new IOException("bind() to " + address + " failed: " + kernel.strerror(-rc));
            }
            rc = kernel.listen(fd, backlog);
            if (rc < 0) {
                throw new IOException("listen() failed: " + kernel.strerror(-rc));
            }
        } catch (IOException | RuntimeException e) {
            kernel.close(fd);
            throw e;
        }
        return new FreeBsdListenSocket(this, fd);
    }

    @Override
    public StreamSocket connect(InetSocketAddress address) throws IOException {
        int fd = socket(address);
        boolean pending;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocate(BsdSockAddr.STORAGE, 8);
            int len = BsdSockAddr.encode(address, sa);
            int rc = kernel.connect(fd, sa, len);
            if (rc < 0 && rc != -FreeBsd.EINPROGRESS && rc != -FreeBsd.EINTR) {
                throw new IOException("connect() to " + address + " failed: " + kernel.strerror(-rc));
            }
            pending = rc < 0;
        } catch (IOException | RuntimeException e) {
            kernel.close(fd);
            throw e;
        }
        return new FreeBsdStreamSocket(this, fd, pending);
    }

    private int socket(InetSocketAddress address) throws IOException {
        int fd = kernel.socket(BsdSockAddr.family(address),
                FreeBsd.SOCK_STREAM | FreeBsd.SOCK_NONBLOCK | FreeBsd.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException("socket() failed: " + kernel.strerror(-fd));
        }
        return fd;
    }

    @Override
    public StreamSocket adopt(SocketChannel channel) throws IOException {
        throw new IOException("the freebsd platform cannot adopt " + channel
                + ": the JDK keeps its descriptor private; use the generic platform");
    }

    @Override
    public FileRef openFile(Path path) throws IOException {
        String name = path.toString();
        int fd = kernel.open(name, FreeBsd.O_RDONLY | FreeBsd.O_CLOEXEC);
        if (fd < 0) {
            throw new IOException("open() \"" + name + "\" failed: " + kernel.strerror(-fd));
        }
        return NativeFile.fileRef(name, new FreeBsdFile(fd), () -> kernel.close(fd),
                () -> FileChannel.open(path, StandardOpenOption.READ));
    }

    static int[] intOption(SocketOption<?> option) {
        if (option == StandardSocketOptions.SO_SNDBUF) {
            return new int[] {FreeBsd.SOL_SOCKET, FreeBsd.SO_SNDBUF};
        }
        if (option == StandardSocketOptions.SO_RCVBUF) {
            return new int[] {FreeBsd.SOL_SOCKET, FreeBsd.SO_RCVBUF};
        }
        if (option == StandardSocketOptions.SO_KEEPALIVE) {
            return new int[] {FreeBsd.SOL_SOCKET, FreeBsd.SO_KEEPALIVE};
        }
        if (option == StandardSocketOptions.SO_REUSEADDR) {
            return new int[] {FreeBsd.SOL_SOCKET, FreeBsd.SO_REUSEADDR};
        }
        if (option == StandardSocketOptions.TCP_NODELAY) {
            return new int[] {FreeBsd.IPPROTO_TCP, FreeBsd.TCP_NODELAY};
        }
        throw new UnsupportedOperationException("socket option not supported by the freebsd platform: " + option);
    }

    @Override
    public void close() {
        // nothing held beyond what sockets and drivers own
    }
}
