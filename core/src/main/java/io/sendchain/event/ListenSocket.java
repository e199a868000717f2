package io.sendchain.event;

import java.io.IOException;

/** A non-blocking listening socket. */
public interface ListenSocket extends NetSocket {

    /**
     * Accepts one pending connection, non-blocking and close-on-exec. {@code c} is this socket's connection:
     * when nothing is pending its read event's {@code ready} flag is cleared (and readiness re-armed).
     * A failure concerns one pending connection or a resource (descriptors, memory), not the listening socket,
     * which stays usable: the caller decides when to try again ({@code io.sendchain.loop.Acceptor} does it the
     * way nginx does).
     *
     * @return the accepted socket, or {@code null} when none is pending (EAGAIN)
     * @throws io.sendchain.spi.ErrnoException naming the call and the error ({@code "accept4() failed: Too many open files"}),
     *         when the platform can tell which errno it was
     * @throws IOException for any other failure, naming the call
     */
    StreamSocket accept(Connection c) throws IOException;
}
