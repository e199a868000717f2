package io.sendchain.event;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A platform's socket, as the connection model sees it. Implementations come from a platform module; core
 * never looks inside. Not thread-safe: a socket belongs to one event loop. Users get sockets from a platform and
 * hand them to a {@link Connection}, whose {@code recv}, {@code send} and {@code sendChain} call them.
 *
 * <p>Conventions every socket call follows:
 * <ul>
 *   <li><b>Would block</b> is an ordinary return, never an exception, and always clears the event's
 *       {@code ready} flag (through {@link io.sendchain.spi.DriverEvents}): a call that counts bytes returns
 *       {@link Connection#AGAIN}, the only such constant; {@link ListenSocket#accept} returns {@code null}; a send
 *       chain returns the chain it could not send.</li>
 *   <li><b>Misuse</b> (a bad argument or state) throws an unchecked exception ({@link IllegalArgumentException},
 *       {@link IllegalStateException}) whose message names the condition and the value.</li>
 *   <li><b>I/O failure</b> throws an {@link IOException} naming the system call and the error
 *       ({@code "writev() failed: Broken pipe"}), an {@link io.sendchain.spi.ErrnoException} where the platform
 *       can tell the errno, and sets the event's {@code error} flag.</li>
 * </ul>
 */
public interface NetSocket extends Closeable {

    /** The socket is open. */
    boolean isOpen();

    /** The address the socket is bound to. */
    InetSocketAddress localAddress() throws IOException;

    /** Closes the socket once; later calls do nothing. */
    @Override
    void close() throws IOException;
}
