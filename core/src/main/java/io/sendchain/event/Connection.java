package io.sendchain.event;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.internal.jfr.ConnStats;
import io.sendchain.internal.jfr.Flight;
import java.io.IOException;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A connection: nginx's {@code ngx_connection_t} reduced to what the pipeline uses. It owns a platform socket
 * (a {@link StreamSocket}, a {@link ListenSocket}, or none for an in-memory sink), its read and write
 * {@link Event}s, the bytes sent, and what its owner wants of the send chain ({@link #nopush(boolean)},
 * {@link #sendfile(boolean)}, {@link #closeAfterOutput(boolean)}); the TCP option states themselves are the
 * platform socket's own bookkeeping. Owned by one event loop thread; not thread-safe.
 *
 * <p>Sockets come from a platform ({@code io.sendchain.spi.Platform#listen}, {@code connect}, {@code adopt}); a
 * user hands them to a connection and calls them through it: {@link #recv}, {@link #recvChain} and {@link #send}
 * return {@link #AGAIN} when the socket would block, {@link #sendChain} returns what it could not send, and either
 * way the event's {@link Event#ready()} is then clear until the loop reports the socket ready again.
 */
public final class Connection {

    /**
     * What {@link #recv}, {@link #recvChain} and {@link #send} return when the socket would block (nginx's
     * {@code NGX_AGAIN}): nothing was transferred and the event's {@link Event#ready()} is now clear. The one
     * would-block value of every socket call that counts bytes.
     */
    public static final long AGAIN = -2;

    private final Event read = new Event(this, false);
    private final Event write = new Event(this, true);
    private final String name;
    /** Where the loop's I/O driver filed this connection ({@code -1}: nowhere); see {@code DriverEvents}. */
    int driverSlot = -1;
    /** The platform socket, or {@code null}; drivers get it through {@code DriverEvents.socket}. */
    final NetSocket socket;
    private final SendChain sendChain;
    private long sent;
    private int buffered;
    private boolean nopush = true;
    private boolean sendfile = true;
    private boolean closeAfterOutput;
    private boolean closed;
    /**
     * The flight-recorder counters ({@code io.sendchain.internal.jfr}), made when the connection joins a loop or
     * sends while a sendchain event is recorded; {@code null} otherwise, so an unrecorded connection pays one
     * reference.
     */
    ConnStats flight;
    /** Run once after the loop closed the connection; taken (and cleared) by the loop. */
    Consumer<Connection> onClose;
    /**
     * The hash code, drawn once: identity is equality for connections ({@link Object#equals}), but the JVM's
     * identity hash is installed in the object header on first use, which showed as a tenth of a short
     * connection's time in the loop's set.
     */
    private final int hash = java.util.concurrent.ThreadLocalRandom.current().nextInt();

    /**
     * A connection without a socket whose output goes to {@code sendChain} (an in-memory sink, a test double).
     *
     * @param name      how the connection appears in messages
     * @param sendChain where {@link #sendChain} puts the data
     */
    public Connection(String name, SendChain sendChain) {
        this.name = Objects.requireNonNull(name, "name");
        this.socket = null;
        this.sendChain = Objects.requireNonNull(sendChain, "sendChain");
    }

    /**
     * A connection over a stream socket; its send chain is the socket's. The write event starts ready (a new
     * socket can take data, as nginx assumes after accept) unless a connect is still pending; the read event
     * starts not ready.
     */
    public Connection(String name, StreamSocket socket) {
        this.name = Objects.requireNonNull(name, "name");
        this.socket = Objects.requireNonNull(socket, "socket");
        this.sendChain = socket;
        write.ready(!socket.connectPending());
    }

    /** A listening connection: its read event fires when connections are pending. */
    public Connection(String name, ListenSocket socket) {
        this.name = Objects.requireNonNull(name, "name");
        this.socket = Objects.requireNonNull(socket, "socket");
        this.sendChain = (c, in, limit) -> {
            throw new IllegalStateException("a listening connection cannot send: " + c);
        };
    }

    /** The connected socket; fails for listening and socket-less connections. */
    public StreamSocket stream() {
        if (socket instanceof StreamSocket s) {
            return s;
        }
        throw new IllegalStateException("not a connected stream socket: " + name);
    }

    /** The listening socket; fails for other connections. */
    public ListenSocket listener() {
        if (socket instanceof ListenSocket s) {
            return s;
        }
        throw new IllegalStateException("not a listening socket: " + name);
    }

    /**
     * Reads into {@code b}'s free space {@code [last, end)}, advancing {@code last} ({@link StreamSocket#recv}).
     *
     * @return bytes read ({@code > 0}), {@code 0} at end of stream, or {@link #AGAIN}
     */
    public long recv(Buf b) throws IOException {
        long n;
        try {
            n = stream().recv(this, b);
        } catch (IOException e) {
            failed(e);
            throw e;
        }
        if (n > 0 && flight != null) {
            flight.received(n);
        }
        return n;
    }

    /**
     * Scatters a read over the free space of {@code in}'s bufs, at most {@code limit} bytes ({@code 0}: no limit)
     * ({@link StreamSocket#recvChain}).
     *
     * @return bytes read ({@code > 0}), {@code 0} at end of stream, or {@link #AGAIN}
     */
    public long recvChain(Chain in, long limit) throws IOException {
        long n;
        try {
            n = stream().recvChain(this, in, limit);
        } catch (IOException e) {
            failed(e);
            throw e;
        }
        if (n > 0 && flight != null) {
            flight.received(n);
        }
        return n;
    }

    /**
     * Writes {@code b}'s data {@code [pos, last)}, advancing {@code pos} ({@link StreamSocket#send}).
     *
     * @return bytes written, or {@link #AGAIN}
     */
    public long send(Buf b) throws IOException {
        try {
            return stream().send(this, b);
        } catch (IOException e) {
            failed(e);
            throw e;
        }
    }

    /** An I/O call failed: the flight recorder's connection event names the last error. */
    private void failed(IOException e) {
        if (flight != null) {
            flight.error(e);
        }
    }

    /** The read event. */
    public Event read() {
        return read;
    }

    /** The write event. */
    public Event write() {
        return write;
    }

    /** How the connection appears in messages. */
    public String name() {
        return name;
    }

    /** Sends {@code in} with the connection's send chain; see {@link SendChain} for the contract. */
    public Chain sendChain(Chain in, long limit) throws IOException {
        if (Flight.sendRecorded()) {
            return sendChainRecorded(in, limit);
        }
        return sendChain.send(this, in, limit);
    }

    /** {@link #sendChain} while a sendchain flight-recorder event is on: counted, and timed for its event. */
    private Chain sendChainRecorded(Chain in, long limit) throws IOException {
        ConnStats s = flight;
        if (s == null) {
            s = Flight.seen();
            flight = s;
        }
        s.begin(sent);
        Chain rest;
        try {
            rest = sendChain.send(this, in, limit);
        } catch (IOException e) {
            s.error(e);
            throw e;
        }
        s.end(sent, name, socket, limit, rest == null);
        return rest;
    }

    /**
     * Lets out what the send chain held back for a response's end (a cork); see {@link SendChain#push}. The write
     * filter calls it once the last buf is out.
     */
    public void push() throws IOException {
        sendChain.push(this);
    }

    /** Bytes the send chain has put on the socket so far. */
    public long sent() {
        return sent;
    }

    /** Adds {@code n} bytes to {@link #sent()}; send chains call it through {@code DriverEvents.addSent}. */
    void addSent(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("sent bytes < 0: " + n);
        }
        sent += n;
    }

    /**
     * Bit set of layers that hold data back (nginx's {@code c->buffered}): while non-zero a writer with an
     * empty queue still reports AGAIN.
     */
    public int buffered() {
        return buffered;
    }

    /** Sets the bits of {@link #buffered()}; a filter that holds bytes back sets its own bit and clears it when they are out. */
    public void buffered(int bits) {
        this.buffered = bits;
    }

    /**
     * Whether the send chain may hold partial segments back while a header and a file go out (nginx's
     * {@code tcp_nopush}: {@code TCP_CORK} on linux, {@code TCP_NOPUSH} on FreeBSD); {@code true} unless turned
     * off. The platform decides when to set the option and keeps its state; what it held back leaves when the
     * write filter pushes after the response's last buf ({@link SendChain#push}).
     */
    public boolean nopush() {
        return nopush;
    }

    /** Allows ({@code true}) or forbids the platform to cork this connection, from its next send on; see {@link #nopush()}. */
    public void nopush(boolean wanted) {
        this.nopush = wanted;
    }

    /**
     * Whether file bufs may reach this connection's send chain (nginx's {@code c->sendfile}); {@code true} unless
     * turned off. A filter that needs the bytes in memory (a TLS filter encrypting in user space) turns it off and
     * has its output chain copy files ({@code OutputChainContext.sendfile(false)}); the write filter then refuses a
     * file buf rather than let the platform send plain file bytes past it. Kernel TLS keeps it on.
     */
    public boolean sendfile() {
        return sendfile;
    }

    /** Turns sending straight from files on or off for this connection; see {@link #sendfile()}. */
    public void sendfile(boolean on) {
        this.sendfile = on;
    }

    /**
     * The connection is closed as soon as what is queued is sent (its owner's last response): a send chain need
     * not push a partial last segment out, since the close (or a shutdown) sends it with the FIN. nginx never
     * uncorks a connection it is about to close; a linux send chain then also sends a header with
     * {@code MSG_MORE} without needing {@code TCP_NODELAY}, and the write filter does not push after the last buf.
     * Set by the owner for each response.
     */
    public boolean closeAfterOutput() {
        return closeAfterOutput;
    }

    /** Marks whether the connection closes once its queued output is sent; see {@link #closeAfterOutput()}. */
    public void closeAfterOutput(boolean v) {
        this.closeAfterOutput = v;
    }

    /** The connection was closed. */
    public boolean closed() {
        return closed;
    }

    /**
     * Runs {@code action} (given this connection) once, on the loop's thread, right after the event loop closed this connection, whoever
     * asked for the close (its owner, a handler that threw, the loop stopping): the place to give back what the
     * connection's session holds (nginx destroys {@code c->pool} in {@code ngx_close_connection}).
     */
    public Connection onClose(Consumer<Connection> action) {
        this.onClose = action;
        return this;
    }

    /**
     * Marks the connection closed and closes its socket once. An event loop calls this through its own
     * {@code close(Connection)}, which also forgets the connection's timers and posted events.
     */
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (socket != null) {
            socket.close();
        }
    }

    /** The hash drawn when the connection was made. */
    @Override
    public int hashCode() {
        return hash;
    }

    /** The connection's name. */
    @Override
    public String toString() {
        return name;
    }
}
