package io.sendchain.event;

import java.io.IOException;

/** A non-blocking listening socket. */
public interface ListenSocket extends NetSocket {

    /**
     * Accepts one pending connection, non-blocking and close-on-exec. {@code c} is this socket's connection:
     * when nothing is pending its read event's {@code ready} flag is cleared (and readiness re-armed).
     *
     * @return the accepted socket, or {@code null} when none is pending (EAGAIN)
     * @throws IOException naming the call ({@code "accept() failed: ..."})
     */
    StreamSocket accept(Connection c) throws IOException;
}
