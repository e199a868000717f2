package io.sendchain.event;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A platform's socket, as the connection model sees it. Implementations come from a platform module; core
 * never looks inside. Not thread-safe: a socket belongs to one event loop.
 */
public interface NetSocket extends Closeable {

    /** Returned by non-blocking calls that would block (nginx's {@code NGX_AGAIN}). */
    long AGAIN = -2;

    boolean isOpen();

    InetSocketAddress localAddress() throws IOException;

    /** Closes the socket once; later calls do nothing. */
    @Override
    void close() throws IOException;
}
