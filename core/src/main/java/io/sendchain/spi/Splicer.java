package io.sendchain.spi;

import io.sendchain.buf.Buf;
import io.sendchain.event.Connection;
import java.io.IOException;

/**
 * Zero-copy relay between two stream sockets of one platform through a kernel pipe: bytes move from a socket into
 * a {@link Pipe} ({@link #receive}) and from the pipe into another socket ({@link #transmit}) without passing
 * through user memory, as Linux's {@code splice(2)} moves them (HAProxy's {@code option splice-response}). An
 * optional platform capability: {@link Platform#supportsSplice()} says whether a platform has it and
 * {@link Platform#newSplicer} makes one; a platform without it (FreeBSD, macOS, the generic one) relays through
 * user memory as before, and callers must keep that path.
 *
 * <h2>Ownership and threads</h2>
 * A splicer belongs to one event loop (one per worker) and is used on that loop's thread only, like the
 * connections it moves bytes between; nothing in it is thread-safe. It owns every pipe it makes and keeps up to
 * {@code maxIdlePipes} of the empty ones for reuse (its pipe pool). {@link #acquire()} lends a pipe to the caller,
 * who gives it back with {@link #release} on every path (a response that completes, fails or is abandoned); the
 * pipe returns to the pool only if it is empty, and is closed otherwise, so bytes of one relay can never show up
 * in another. {@link #close()} closes every pipe the splicer made, pooled or lent: call it when the loop stops
 * (closing the {@link Platform} does not do it). A lent pipe is then closed under its borrower, whose next call
 * with it fails with {@link IllegalStateException}.
 *
 * <h2>The pipe's fill level</h2>
 * A kernel pipe does not tell how much it holds, and a socket-to-pipe move that finds no room answers exactly as
 * one that finds no data. So each {@link Pipe} counts its bytes ({@link Pipe#bytes()}: moved in, not yet moved
 * out); the splicer is the only one that changes the count, and the caller reads it to decide which way to move
 * next. The capacity ({@link Pipe#capacity()}) is what the kernel granted for the pipe; socket data may fill the
 * pipe's slots only partly, so a pipe may refuse bytes before it holds its capacity (see {@link #receive}).
 *
 * <h2>Results</h2>
 * As {@link io.sendchain.event.StreamSocket}'s calls: a positive count of bytes moved, which may be fewer than asked
 * (a partial move is an ordinary result: the caller moves the rest later); {@link Connection#AGAIN} when nothing
 * moved because a side would block, with that direction's {@link io.sendchain.event.Event#ready()} cleared so the
 * caller waits for the loop to report readiness (no busy loop); {@code 0} from {@link #receive} for the end of the
 * stream (the read event's {@code eof} set). An interrupted call ({@code EINTR}) is made again inside. Any other
 * failure sets the direction's {@code error} flag and throws an {@link ErrnoException} naming the call and the errno
 * ({@code "splice() failed: Connection reset by peer"}, {@link ErrnoException#call()} {@code "splice"}); creating a
 * pipe fails with {@code "pipe2() failed: Too many open files"} ({@link Errno#EMFILE}), which the caller can take as
 * a reason to relay through memory instead. Misuse (a connection of another platform, a released or closed pipe,
 * {@code max <= 0}, moving out of an empty pipe) is an unchecked exception naming the condition.
 *
 * <h2>Use</h2>
 * <pre>{@code
 * Splicer.Pipe p = splicer.acquire();              // once per response, on the loop's thread
 * // upstream readable, room in the pipe:
 * long n = splicer.receive(upstream, p, left);    // > 0 moved, 0 end of stream, AGAIN (see receive)
 * // pipe not empty, client writable:
 * long m = splicer.transmit(p, client, p.bytes(), left > 0);
 * ...
 * splicer.release(p);                              // pooled if empty, else closed
 * }</pre>
 * Bytes that must reach the client before the spliced ones (a response head held by a write filter) must have
 * left first: a splice writes to the socket directly, past anything queued in user space.
 */
public interface Splicer extends AutoCloseable {

    /**
     * A kernel pipe lent by {@link #acquire()}: an opaque handle that counts the bytes it holds. Its descriptors
     * are the platform's and never leave it.
     */
    interface Pipe {

        /** Bytes in the pipe: moved in by {@link #receive}, not yet moved out by {@link #transmit} or {@link #drain}. */
        long bytes();

        /** The pipe's size as the kernel granted it (Linux rounds the size asked for up to a power-of-two pages). */
        long capacity();

        /** Whether the pipe is still open (released pipes that were closed, and all pipes after {@link #close()}). */
        boolean isOpen();
    }

    /**
     * A pipe for one relay: an idle one from the pool, or a new one (Linux: {@code pipe2(O_NONBLOCK | O_CLOEXEC)}
     * and {@code F_SETPIPE_SZ} to the size the splicer was made with; if the kernel refuses the size, for example
     * past {@code /proc/sys/fs/pipe-max-size}, the pipe keeps the size it was given, which {@link Pipe#capacity()}
     * reports). It is empty.
     *
     * @throws ErrnoException if no pipe can be made ({@code pipe2} failing with {@link Errno#EMFILE} or
     *         {@link Errno#ENFILE}, for example)
     * @throws IllegalStateException if the splicer is closed
     */
    Pipe acquire() throws IOException;

    /**
     * Gives back a pipe {@link #acquire()} lent: kept for reuse if it is empty and the pool has room, else closed
     * (a pipe that still holds bytes is never reused). A pipe the splicer closed already ({@link #close()}) is
     * ignored.
     *
     * @throws IllegalArgumentException if the pipe is not this splicer's
     * @throws IllegalStateException if it was released already
     */
    void release(Pipe pipe);

    /**
     * Moves up to {@code max} bytes from {@code from}'s socket into {@code pipe} (Linux: {@code splice} with
     * {@code SPLICE_F_MOVE | SPLICE_F_NONBLOCK}; fewer when the socket has fewer or the pipe has less room).
     *
     * <p>{@link Connection#AGAIN} means nothing moved, for one of two reasons the kernel does not tell apart: the
     * socket has no data, or the pipe has no room. If the pipe was empty it is the socket: {@code from}'s read
     * event's {@code ready} is cleared and the loop reports the next arrival. If the pipe held bytes, {@code ready}
     * is left as it was: the caller empties the pipe ({@link #transmit}) and receives again (HAProxy reasons the
     * same way). So a caller that sees {@code AGAIN} with {@code from.read().ready()} still set knows the pipe is
     * full.
     *
     * @return bytes moved ({@code > 0}), {@code 0} at the end of the stream ({@code eof} set, {@code ready}
     *         cleared), or {@link Connection#AGAIN}
     * @throws ErrnoException naming {@code splice} and the errno; the read event's {@code error} is set
     * @throws IllegalArgumentException if {@code max <= 0} or {@code from} is not this platform's socket
     * @throws IllegalStateException if {@code pipe} is released or closed
     */
    long receive(Connection from, Pipe pipe, long max) throws IOException;

    /**
     * Moves up to {@code max} bytes (at most {@link Pipe#bytes()}) from {@code pipe} into {@code to}'s socket
     * (Linux: {@code splice} with {@code SPLICE_F_MOVE | SPLICE_F_NONBLOCK}, and {@code SPLICE_F_MORE} if
     * {@code more}: more data follows, so the kernel may hold a partial segment back as with {@code MSG_MORE}).
     * Bytes moved count in {@code to}'s {@link Connection#sent()}.
     *
     * <p>Fewer bytes than asked means the socket's send buffer filled: {@code ready} stays set (the next call
     * finds {@code AGAIN}), as after a short {@code sendfile} on Linux.
     *
     * @return bytes moved ({@code > 0}), or {@link Connection#AGAIN} (the socket is full: {@code to}'s write
     *         event's {@code ready} cleared)
     * @throws ErrnoException naming {@code splice} and the errno ({@code EPIPE}, {@code ECONNRESET}: the client is
     *         gone); the write event's {@code error} is set
     * @throws IllegalArgumentException if {@code max <= 0} or {@code to} is not this platform's socket
     * @throws IllegalStateException if the pipe is empty, released or closed
     */
    long transmit(Pipe pipe, Connection to, long max, boolean more) throws IOException;

    /**
     * Copies bytes out of {@code pipe} into {@code into}'s free space {@code [last, end)} and advances its
     * {@code last} (Linux: {@code read}), for a caller that switches from splicing to relaying through memory in
     * the middle of a body: what the pipe holds must go first. Not zero-copy; meant to be rare.
     *
     * @return bytes copied ({@code 0} if the pipe is empty or {@code into} is full)
     * @throws ErrnoException naming the call and the errno
     * @throws IllegalStateException if the pipe is released or closed
     */
    long drain(Pipe pipe, Buf into) throws IOException;

    /** Pipes this splicer has open now, lent and idle. */
    int openPipes();

    /** Idle pipes in the pool. */
    int idlePipes();

    /** Bytes moved into sockets by {@link #transmit} so far (the zero-copy share of the traffic). */
    long bytesTransmitted();

    /** Closes every pipe this splicer made, lent or idle; later calls fail. Closing twice does nothing. */
    @Override
    void close();
}
