package io.sendchain.event;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;

/**
 * A connected, non-blocking stream socket: nginx's {@code ngx_os_io_t} bound to one descriptor. Every call takes
 * the {@link Connection} so it can maintain the events' flags the way nginx's functions do: a call that would
 * block clears the event's {@code ready} flag (and re-arms readiness where the platform needs it), end of
 * stream sets {@code eof}, a failure sets {@code error} and throws an {@link IOException} naming the call and
 * the error text.
 *
 * <p>Every open connection holds its socket for its whole life, idle keep-alive ones included, so an
 * implementation keeps only small state (a descriptor, a few flags). What a call fills and empties again, such as
 * an {@link io.sendchain.spi.IoVec} or a {@link io.sendchain.spi.FileRun}, belongs to the calling thread, not to
 * the socket; core's testkit rule {@code ArchitectureRules.socketsHoldNoScratch} checks it.
 */
public interface StreamSocket extends NetSocket, SendChain {

    /**
     * Reads into {@code b}'s free space {@code [last, end)} and advances {@code last}: nginx's {@code c->recv}.
     *
     * @return bytes read ({@code > 0}), {@code 0} at end of stream, or {@link Connection#AGAIN} (would block:
     *         {@code ready} cleared)
     */
    long recv(Connection c, Buf b) throws IOException;

    /**
     * Scatters a read over the free space {@code [last, end)} of the bufs of {@code in}, at most {@code limit}
     * bytes ({@code 0}: no limit), advancing each filled buf's {@code last}: nginx's {@code c->recv_chain}.
     *
     * @return bytes read ({@code > 0}), {@code 0} at end of stream, or {@link Connection#AGAIN} (would block:
     *         {@code ready} cleared)
     */
    long recvChain(Connection c, Chain in, long limit) throws IOException;

    /**
     * Writes {@code b}'s data {@code [pos, last)} and advances {@code pos}: nginx's {@code c->send}.
     *
     * @return bytes written, or {@link Connection#AGAIN} (would block: {@code ready} cleared)
     */
    long send(Connection c, Buf b) throws IOException;

    /**
     * Completes a non-blocking connect once the write event fired.
     *
     * @return {@code true} when connected, {@code false} while still in progress
     * @throws IOException if the connect failed ({@code "connect() failed: Connection refused"})
     */
    boolean finishConnect(Connection c) throws IOException;

    /** A non-blocking connect was started and is not finished yet. */
    boolean connectPending();

    /** Half-closes: no more writes ({@code shutdown(SHUT_WR)}). */
    void shutdownOutput() throws IOException;

    /** The peer's address. */
    InetSocketAddress remoteAddress() throws IOException;

    /** Sets a socket option ({@code SO_SNDBUF}, {@code TCP_NODELAY}, ...). */
    <T> void setOption(SocketOption<T> option, T value) throws IOException;
}
