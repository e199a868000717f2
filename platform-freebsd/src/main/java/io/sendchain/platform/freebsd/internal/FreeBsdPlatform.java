package io.sendchain.platform.freebsd.internal;

import io.sendchain.buf.FileRef;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.spi.IoDriver;
import io.sendchain.spi.NativeFile;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformOption;
import io.sendchain.spi.posix.KqueueDriver;
import io.sendchain.spi.posix.PosixLayouts;
import io.sendchain.spi.posix.PosixListenSocket;
import io.sendchain.spi.posix.PosixScratch;
import io.sendchain.spi.posix.PosixSockets;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

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

    private final FreeBsdKernel kernel;
    private final PosixSockets sockets;
    private final boolean nbytesBug;
    private final boolean nodiskio;
    private final boolean tcpNopush;

    public FreeBsdPlatform(FreeBsdKernel kernel, PlatformConfig config) {
        this.kernel = kernel;
        this.sockets = new PosixSockets(kernel, FreeBsd.ABI, kernel.sysconf(FreeBsd.SC_PAGESIZE),
                PosixLayouts.SF_HDTR, PosixSockets.DescriptorSetup.NONE);
        this.nbytesBug = config.get(NBYTES_BUG);
        this.nodiskio = config.get(NODISKIO);
        this.tcpNopush = config.get(TCP_NOPUSH);
    }

    FreeBsdKernel kernel() {
        return kernel;
    }

    PosixSockets sockets() {
        return sockets;
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
    PosixScratch sendScratch() {
        return sockets.scratch();
    }

    @Override
    public long pageSize() {
        return sockets.pageSize();
    }

    @Override
    public String name() {
        return "freebsd";
    }

    @Override
    public IoDriver newDriver() throws IOException {
        return new KqueueDriver(kernel, FreeBsd.KQUEUE);
    }

    // supportsReusePort() stays false: FreeBSD's SO_REUSEPORT lets sockets share an address but gives every new
    // connection to one of them; only SO_REUSEPORT_LB (FreeBSD 12) balances, which nginx uses for "reuseport".
    // Adding it means a constant, a probe for the kernel version and a test on FreeBSD, which cannot run here.
    @Override
    public ListenSocket listen(InetSocketAddress address, int backlog) throws IOException {
        return new PosixListenSocket(sockets, sockets.listen(address, backlog), "accept4",
                fd -> kernel.accept4(fd, FreeBsd.SOCK_NONBLOCK | FreeBsd.SOCK_CLOEXEC),
                fd -> new FreeBsdStreamSocket(this, fd, false));
    }

    @Override
    public StreamSocket connect(InetSocketAddress address) throws IOException {
        return sockets.connect(address, (fd, pending) -> new FreeBsdStreamSocket(this, fd, pending));
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

    @Override
    public void close() {
        // nothing held beyond what sockets and drivers own
    }
}
