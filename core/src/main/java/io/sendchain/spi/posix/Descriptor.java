package io.sendchain.spi.posix;

import io.sendchain.event.Connection;
import io.sendchain.event.NetSocket;
import io.sendchain.spi.DriverEvents;

/**
 * A socket that is a POSIX file descriptor: what a readiness driver (epoll, kqueue) registers. The toolkit's
 * sockets are, and so is a platform's own socket class that a driver of the toolkit's kind must watch.
 */
public interface Descriptor {

    /** The descriptor. */
    int fd();

    /**
     * The descriptor of {@code c}'s socket.
     *
     * @throws IllegalArgumentException if that socket has none (it comes from another kind of platform)
     */
    static int of(Connection c) {
        NetSocket s = DriverEvents.socket(c);
        if (s instanceof Descriptor d) {
            return d.fd();
        }
        throw new IllegalArgumentException("not a socket with a file descriptor: " + c + " (" + s + ")");
    }
}
