package io.sendchain.platform.darwin.internal;

import io.sendchain.buf.FileRef;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.spi.IoDriver;
import io.sendchain.spi.NativeFile;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
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

/** The macOS platform: descriptors through {@link DarwinKernel}, kqueue, and sendfile with sf_hdtr. */
public final class DarwinPlatform implements Platform {

    private final DarwinKernel kernel;
    private final PosixSockets sockets;

    public DarwinPlatform(DarwinKernel kernel, PlatformConfig config) {
        this.kernel = kernel;
        this.sockets = new PosixSockets(kernel, Darwin.ABI, kernel.sysconf(Darwin.SC_PAGESIZE),
                PosixLayouts.SF_HDTR, this::nonBlockingCloseOnExec);
    }

    DarwinKernel kernel() {
        return kernel;
    }

    PosixSockets sockets() {
        return sockets;
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
        return "darwin";
    }

    @Override
    public IoDriver newDriver() throws IOException {
        return new KqueueDriver(kernel, Darwin.KQUEUE);
    }

    // supportsReusePort() stays false: macOS's SO_REUSEPORT lets sockets share an address but does not spread
    // new connections among them (it has no SO_REUSEPORT_LB), so per-loop listeners would not balance.
    @Override
    public ListenSocket listen(InetSocketAddress address, int backlog) throws IOException {
        // accept(2), then the descriptor setup below
        return new PosixListenSocket(sockets, sockets.listen(address, backlog), "accept", kernel::accept,
                fd -> new DarwinStreamSocket(this, fd, false));
    }

    @Override
    public StreamSocket connect(InetSocketAddress address) throws IOException {
        return sockets.connect(address, (fd, pending) -> new DarwinStreamSocket(this, fd, pending));
    }

    /**
     * macOS has no SOCK_NONBLOCK or SOCK_CLOEXEC: fcntl sets both, and SO_NOSIGPIPE makes a write to a closed
     * peer an EPIPE error instead of a signal.
     */
    private void nonBlockingCloseOnExec(int fd) throws IOException {
        int flags = kernel.fcntl(fd, Darwin.F_GETFL, 0);
        if (flags < 0) {
            throw new IOException("fcntl(F_GETFL) failed: " + kernel.strerror(-flags));
        }
        int rc = kernel.fcntl(fd, Darwin.F_SETFL, flags | Darwin.O_NONBLOCK);
        if (rc < 0) {
            throw new IOException("fcntl(O_NONBLOCK) failed: " + kernel.strerror(-rc));
        }
        rc = kernel.fcntl(fd, Darwin.F_SETFD, Darwin.FD_CLOEXEC);
        if (rc < 0) {
            throw new IOException("fcntl(FD_CLOEXEC) failed: " + kernel.strerror(-rc));
        }
        rc = kernel.setsockopt(fd, Darwin.SOL_SOCKET, Darwin.SO_NOSIGPIPE, 1);
        if (rc < 0) {
            throw new IOException("setsockopt(SO_NOSIGPIPE) failed: " + kernel.strerror(-rc));
        }
    }

    @Override
    public StreamSocket adopt(SocketChannel channel) throws IOException {
        throw new IOException("the darwin platform cannot adopt " + channel
                + ": the JDK keeps its descriptor private; use the generic platform");
    }

    @Override
    public FileRef openFile(Path path) throws IOException {
        String name = path.toString();
        int fd = kernel.open(name, Darwin.O_RDONLY | Darwin.O_CLOEXEC);
        if (fd < 0) {
            throw new IOException("open() \"" + name + "\" failed: " + kernel.strerror(-fd));
        }
        return NativeFile.fileRef(name, new DarwinFile(fd), () -> kernel.close(fd),
                () -> FileChannel.open(path, StandardOpenOption.READ));
    }

    @Override
    public void close() {
        // nothing held beyond what sockets and drivers own
    }
}
