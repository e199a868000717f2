package io.sendchain.platform.linux.internal;

import io.sendchain.event.Connection;
import io.sendchain.spi.ErrnoException;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.spi.DriverEvents;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

/** A listening socket of the linux platform; accepted sockets are non-blocking and close-on-exec. */
final class LinuxListenSocket implements ListenSocket {

    private final LinuxPlatform platform;
    private final LinuxKernel k;
    private final int fd;
    private boolean closed;

    LinuxListenSocket(LinuxPlatform platform, int fd) {
        this.platform = platform;
        this.k = platform.kernel();
        this.fd = fd;
    }

    int fd() {
        return fd;
    }

    @Override
    public StreamSocket accept(Connection c) throws IOException {
        for (;;) {
            int rc = k.accept4(fd, Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC);
            if (rc >= 0) {
                return new LinuxStreamSocket(platform, rc, false, null);
            }
            if (rc == -Linux.EAGAIN) {
                DriverEvents.ready(c.read(), false);
                return null;
            }
            if (rc != -Linux.EINTR) {
                // the listener stays usable: the error is about one pending connection or a resource
                throw new ErrnoException("accept4", -rc, Linux.errno(-rc), k.strerror(-rc));
            }
        }
    }

    @Override
    public InetSocketAddress localAddress() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(SockAddr.STORAGE, 8);
            int rc = k.sockname(fd, false, addr);
            if (rc < 0) {
                throw new IOException("getsockname() failed: " + k.strerror(-rc));
            }
            return SockAddr.decode(addr);
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
        if (rc < 0 && rc != -Linux.EINTR) {
            platform.log().warn("close({}) failed: {}", fd, k.strerror(-rc));
        }
    }

    @Override
    public String toString() {
        return "linux listener fd " + fd;
    }
}
