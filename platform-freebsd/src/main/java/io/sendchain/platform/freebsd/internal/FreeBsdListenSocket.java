package io.sendchain.platform.freebsd.internal;

import io.sendchain.event.Connection;
import io.sendchain.spi.ErrnoException;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.spi.DriverEvents;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

/** A listening socket of the FreeBSD platform; accepted sockets are non-blocking and close-on-exec. */
final class FreeBsdListenSocket implements ListenSocket {

    private final FreeBsdPlatform platform;
    private final FreeBsdKernel k;
    private final int fd;
    private boolean closed;

    FreeBsdListenSocket(FreeBsdPlatform platform, int fd) {
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
            int rc = k.accept4(fd, FreeBsd.SOCK_NONBLOCK | FreeBsd.SOCK_CLOEXEC);
            if (rc >= 0) {
                return new FreeBsdStreamSocket(platform, rc, false);
            }
            if (rc == -FreeBsd.EAGAIN) {
                DriverEvents.ready(c.read(), false);
                return null;
            }
            if (rc != -FreeBsd.EINTR) {
                // the listener stays usable: the error is about one pending connection or a resource
                throw new ErrnoException("accept4", -rc, FreeBsd.errno(-rc), k.strerror(-rc));
            }
        }
    }

    @Override
    public InetSocketAddress localAddress() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(BsdSockAddr.STORAGE, 8);
            int rc = k.sockname(fd, false, addr);
            if (rc < 0) {
                throw new IOException("getsockname() failed: " + k.strerror(-rc));
            }
            return BsdSockAddr.decode(addr);
        }
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            k.close(fd);
        }
    }

    @Override
    public String toString() {
        return "freebsd listener fd " + fd;
    }
}
