package io.sendchain.event;

import io.sendchain.buf.Chain;
import java.io.IOException;
import java.util.Objects;

/**
 * A connection's state as the output pipeline sees it: nginx's {@code ngx_connection_t} reduced to the
 * fields the send chains and writers use. Owned by one event loop thread; not thread-safe.
 */
public final class Connection {

    /** State of a TCP option the send chain toggles (nginx's {@code NGX_TCP_NOPUSH_*}, {@code NGX_TCP_NODELAY_*}). */
    public enum TcpOption {
        /** Never touched on this socket. */
        UNSET,
        /** Currently set. */
        SET,
        /** Cannot be used on this socket (for example, not TCP). */
        DISABLED
    }

    private final Event read = new Event(this, false);
    private final Event write = new Event(this, true);
    private final String name;
    private SendChain sendChain;
    private long sent;
    private int buffered;
    private TcpOption tcpNopush = TcpOption.UNSET;
    private TcpOption tcpNodelay = TcpOption.UNSET;
    private Object platformData;
    private boolean closed;

    /**
     * @param name      how the connection appears in messages (peer address, for example)
     * @param sendChain the platform's send chain for this socket
     */
    public Connection(String name, SendChain sendChain) {
        this.name = Objects.requireNonNull(name, "name");
        this.sendChain = Objects.requireNonNull(sendChain, "sendChain");
    }

    public Event read() {
        return read;
    }

    public Event write() {
        return write;
    }

    public String name() {
        return name;
    }

    /** Sends {@code in} with the connection's send chain; see {@link SendChain} for the contract. */
    public Chain sendChain(Chain in, long limit) throws IOException {
        return sendChain.send(this, in, limit);
    }

    public SendChain sendChainFunction() {
        return sendChain;
    }

    public void sendChainFunction(SendChain sendChain) {
        this.sendChain = Objects.requireNonNull(sendChain, "sendChain");
    }

    /** Bytes the send chain has put on the socket so far. */
    public long sent() {
        return sent;
    }

    /** Adds {@code n} bytes to {@link #sent()}. */
    public void addSent(long n) {
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

    public void buffered(int bits) {
        this.buffered = bits;
    }

    public TcpOption tcpNopush() {
        return tcpNopush;
    }

    public void tcpNopush(TcpOption state) {
        this.tcpNopush = Objects.requireNonNull(state);
    }

    public TcpOption tcpNodelay() {
        return tcpNodelay;
    }

    public void tcpNodelay(TcpOption state) {
        this.tcpNodelay = Objects.requireNonNull(state);
    }

    /** The platform's own per-connection state (its socket object); opaque to core. */
    public Object platformData() {
        return platformData;
    }

    public void platformData(Object data) {
        this.platformData = data;
    }

    public boolean closed() {
        return closed;
    }

    public void closed(boolean v) {
        this.closed = v;
    }

    @Override
    public String toString() {
        return name;
    }
}
