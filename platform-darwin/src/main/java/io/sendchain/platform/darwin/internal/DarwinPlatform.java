package io.sendchain.platform.darwin.internal;

import io.sendchain.buf.FileRef;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.spi.IoDriver;
import io.sendchain.spi.NativeFile;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The macOS platform: descriptors through {@link DarwinKernel}, kqueue, and sendfile with sf_hdtr. */
public final class DarwinPlatform implements Platform {

    private static final Logger log = LoggerFactory.getLogger(DarwinPlatform.class);

    private final DarwinKernel kernel;
    private final long pageSize;
    private final ThreadLocal<SendScratch> scratch;

    public DarwinPlatform(DarwinKernel kernel, PlatformConfig config) {
        this.kernel = kernel;
        long ps = kernel.sysconf(Darwin.SC_PAGESIZE);
        this.pageSize = ps > 0 && (ps & (ps - 1)) == 0 ? ps : 4096;
        long page = pageSize;
        this.scratch = ThreadLocal.withInitial(() -> new SendScratch(page));
    }

    DarwinKernel kernel() {
        return kernel;
    }

    long pageSize() {
        return pageSize;
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
        return "darwin";
    }

    @Override
    public IoDriver newDriver() throws IOException {
        return new KqueueDriver(this);
    }

    // supportsReusePort() stays false: macOS's SO_REUSEPORT lets sockets share an address but does not spread
    // new connections among them (it has no SO_REUSEPORT_LB), so per-loop listeners would not balance.
    @Override
    public ListenSocket listen(InetSocketAddress address, int backlog) throws IOException {
        int fd = socket(address);
        try (Arena arena = Arena.ofConfined()) {
            int rc = kernel.setsockopt(fd, Darwin.SOL_SOCKET, Darwin.SO_REUSEADDR, 1);
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
        return new DarwinListenSocket(this, fd);
    }

    @Override
    public StreamSocket connect(InetSocketAddress address) throws IOException {
        int fd = socket(address);
        boolean pending;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocate(BsdSockAddr.STORAGE, 8);
            int len = BsdSockAddr.encode(address, sa);
            int rc = kernel.connect(fd, sa, len);
            if (rc < 0 && rc != -Darwin.EINPROGRESS && rc != -Darwin.EINTR) {
                throw new IOException("connect() to " + address + " failed: " + kernel.strerror(-rc));
            }
            pending = rc < 0;
        } catch (IOException | RuntimeException e) {
            kernel.close(fd);
            throw e;
        }
        return new DarwinStreamSocket(this, fd, pending);
    }

    private int socket(InetSocketAddress address) throws IOException {
        int fd = kernel.socket(BsdSockAddr.family(address), Darwin.SOCK_STREAM, 0);
        if (fd < 0) {
            throw new IOException("socket() failed: " + kernel.strerror(-fd));
        }
        try {
            nonBlockingCloseOnExec(fd);
        } catch (IOException e) {
            kernel.close(fd);
            throw e;
        }
        return fd;
    }

    /**
     * macOS has no SOCK_NONBLOCK or SOCK_CLOEXEC: fcntl sets both, and SO_NOSIGPIPE makes a write to a closed
     * peer an EPIPE error instead of a signal.
     */
    void nonBlockingCloseOnExec(int fd) throws IOException {
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

    static int[] intOption(SocketOption<?> option) {
        if (option == StandardSocketOptions.SO_SNDBUF) {
            return new int[] {Darwin.SOL_SOCKET, Darwin.SO_SNDBUF};
        }
        if (option == StandardSocketOptions.SO_RCVBUF) {
            return new int[] {Darwin.SOL_SOCKET, Darwin.SO_RCVBUF};
        }
        if (option == StandardSocketOptions.SO_KEEPALIVE) {
            return new int[] {Darwin.SOL_SOCKET, Darwin.SO_KEEPALIVE};
        }
        if (option == StandardSocketOptions.SO_REUSEADDR) {
            return new int[] {Darwin.SOL_SOCKET, Darwin.SO_REUSEADDR};
        }
        if (option == StandardSocketOptions.TCP_NODELAY) {
            return new int[] {Darwin.IPPROTO_TCP, Darwin.TCP_NODELAY};
        }
        throw new UnsupportedOperationException("socket option not supported by the darwin platform: " + option);
    }

    @Override
    public void close() {
        // nothing held beyond what sockets and drivers own
    }
}
