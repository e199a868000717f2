package io.sendchain.spi;

import io.sendchain.buf.FileRef;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * What a provider makes: sockets whose I/O functions (recv, recvChain, send, sendChain) are the platform's, and
 * the readiness driver for event loops. Thread-safe to create sockets and drivers from any thread; each socket
 * and driver then belongs to one loop.
 */
public interface Platform extends AutoCloseable {

    /** The provider's name. */
    String name();

    /** A readiness driver for one event loop. */
    IoDriver newDriver() throws IOException;

    /** A non-blocking listening socket bound to {@code address} with {@code SO_REUSEADDR}. */
    ListenSocket listen(InetSocketAddress address, int backlog) throws IOException;

    /**
     * Starts a non-blocking connect to {@code address}. The socket's write event fires when the connect is done;
     * then call {@link StreamSocket#finishConnect}.
     */
    StreamSocket connect(InetSocketAddress address) throws IOException;

    /**
     * Takes over a connected {@link SocketChannel} the caller already holds, so this platform's send chain can be
     * used on it. The channel is switched to non-blocking mode.
     *
     * @throws IOException if this platform cannot use the channel, saying why
     */
    StreamSocket adopt(SocketChannel channel) throws IOException;

    /**
     * Opens {@code path} for reading in the way this platform sends files best (for example with a native
     * descriptor for {@code sendfile}). The returned ref owns what it opened.
     *
     * @throws IOException naming the file and the error ({@code "open() \"/x\" failed: No such file or directory"})
     */
    FileRef openFile(Path path) throws IOException;

    /** Releases what the platform holds (thread pools); sockets and drivers are closed by their owners. */
    @Override
    void close() throws IOException;
}
