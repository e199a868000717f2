package io.sendchain.event;

import io.sendchain.internal.EventAccess;
import io.sendchain.internal.jfr.ConnStats;
import java.util.function.Consumer;

/**
 * A read or write readiness event of a {@link Connection}: nginx's {@code ngx_event_t}, with the flags the
 * output pipeline reads. Owned by one event loop thread; not thread-safe.
 *
 * <p>Who writes what: the handler and {@code delayed} belong to the connection's owner; {@code ready}, {@code eof},
 * {@code error} and the driver's flags are set by the platform's sockets and readiness driver (through
 * {@code io.sendchain.spi.DriverEvents}); {@code timedOut}, {@code timerSet} and {@code posted} are the event loop's
 * own. The loop sets {@code timedOut} before it runs the handler of an event whose timer fired and clears it when the
 * handler returns, so a handler never clears it itself.
 */
public final class Event {

    static {
        EventAccess.install(new Access());
    }

    private final Connection connection;
    private final boolean write;
    private EventHandler handler;
    /** The loop this event is posted to; {@code null} until the connection joins a loop. */
    private EventAccess.Poster<Event> poster;

    /** The socket can be read/written without blocking (edge-triggered: until a call would block). */
    private boolean ready;
    /** The event is registered with the kernel's readiness mechanism. */
    private boolean active;
    /** A fatal error happened on this direction. */
    private boolean error;
    /** The peer closed its side (read) or the connection is finished (write). */
    private boolean eof;
    /** kqueue (EV_EOF) or epoll (EPOLLRDHUP) said the peer is gone before we tried; {@link #kqErrno} tells why. */
    private boolean pendingEof;
    /** errno kqueue reported with EV_EOF. */
    private int kqErrno;
    /** Output is held back by a rate limit; a timer will release it. */
    private boolean delayed;
    /** An asynchronous operation (thread-pool sendfile, file read) finished and its result awaits collection. */
    private boolean complete;
    /** The event's timer fired; set by the loop for the run of the handler only. */
    private boolean timedOut;
    /** A timer is armed for this event. */
    private boolean timerSet;
    /** The event is queued in a posted list. */
    private boolean posted;
    /** Deadline of the armed timer, in the loop's clock. */
    private long timerDeadline;
    /** Sequence number that breaks deadline ties in the loop's timer queue. */
    private long timerSeq;
    /** Position in the loop's timer heap, or -1. */
    private int timerIndex = -1;

    Event(Connection connection, boolean write) {
        this.connection = connection;
        this.write = write;
    }

    /** The connection this event belongs to. */
    public Connection connection() {
        return connection;
    }

    /** What runs when the event fires, or {@code null}. */
    public EventHandler handler() {
        return handler;
    }

    /** Sets what runs when the event fires (nginx's {@code ev->handler}); returns this event. */
    public Event handler(EventHandler handler) {
        this.handler = handler;
        return this;
    }

    /** Posts the event for this cycle, if it belongs to a loop. */
    public void post() {
        if (poster != null) {
            poster.post(this);
        }
    }

    /**
     * Posts the event for the next cycle, if it belongs to a loop: nginx's
     * {@code ngx_post_event(ev, &ngx_posted_next_events)}, used when a limit stopped output while the socket
     * was still writable, so no kernel event will come to resume it.
     */
    public void postNextCycle() {
        if (poster != null) {
            poster.postNext(this);
        }
    }

    /**
     * The socket can be read/written without blocking. Edge-triggered: a call that would block clears it and only
     * the driver's next report sets it again.
     */
    public boolean ready() {
        return ready;
    }

    /** Sets {@code ready}: for {@link Connection}'s constructor. */
    void ready(boolean v) {
        this.ready = v;
    }

    /** A fatal error happened on this direction (a socket call failed). */
    public boolean error() {
        return error;
    }

    /** The peer closed its side (read), or the connection is finished (write). */
    public boolean eof() {
        return eof;
    }

    /** Output is held back by a rate limit until the event's timer fires. */
    public boolean delayed() {
        return delayed;
    }

    /**
     * Marks output as held back by a rate limit (nginx's {@code ev->delayed}); whoever sets it arms the event's
     * timer to release it. Returns this event.
     */
    public Event delayed(boolean v) {
        this.delayed = v;
        return this;
    }

    /**
     * The event's timer fired: {@code true} only while the loop runs the handler for that timer (the loop clears it
     * when the handler returns).
     */
    public boolean timedOut() {
        return timedOut;
    }

    /** A timer is armed for this event. */
    public boolean timerSet() {
        return timerSet;
    }

    @Override
    public String toString() {
        return (write ? "write" : "read") + " event of " + connection
                + (ready ? " ready" : "") + (active ? " active" : "") + (error ? " error" : "")
                + (eof ? " eof" : "") + (pendingEof ? " pending-eof" : "") + (delayed ? " delayed" : "")
                + (complete ? " complete" : "") + (timedOut ? " timedout" : "");
    }

    /** The package-private state, for the loop and {@code DriverEvents}. */
    private static final class Access extends EventAccess<Event, Connection> {

        @Override
        public void ready(Event ev, boolean v) {
            ev.ready = v;
        }

        @Override
        public boolean active(Event ev) {
            return ev.active;
        }

        @Override
        public void active(Event ev, boolean v) {
            ev.active = v;
        }

        @Override
        public void error(Event ev, boolean v) {
            ev.error = v;
        }

        @Override
        public void eof(Event ev, boolean v) {
            ev.eof = v;
        }

        @Override
        public boolean pendingEof(Event ev) {
            return ev.pendingEof;
        }

        @Override
        public void pendingEof(Event ev, boolean v) {
            ev.pendingEof = v;
        }

        @Override
        public int kqErrno(Event ev) {
            return ev.kqErrno;
        }

        @Override
        public void kqErrno(Event ev, int errno) {
            ev.kqErrno = errno;
        }

        @Override
        public boolean complete(Event ev) {
            return ev.complete;
        }

        @Override
        public void complete(Event ev, boolean v) {
            ev.complete = v;
        }

        @Override
        public void timedOut(Event ev, boolean v) {
            ev.timedOut = v;
        }

        @Override
        public void timerSet(Event ev, boolean v) {
            ev.timerSet = v;
        }

        @Override
        public boolean posted(Event ev) {
            return ev.posted;
        }

        @Override
        public void posted(Event ev, boolean v) {
            ev.posted = v;
        }

        @Override
        public long timerDeadline(Event ev) {
            return ev.timerDeadline;
        }

        @Override
        public void timerDeadline(Event ev, long deadline) {
            ev.timerDeadline = deadline;
        }

        @Override
        public long timerSeq(Event ev) {
            return ev.timerSeq;
        }

        @Override
        public void timerSeq(Event ev, long seq) {
            ev.timerSeq = seq;
        }

        @Override
        public int timerIndex(Event ev) {
            return ev.timerIndex;
        }

        @Override
        public void timerIndex(Event ev, int index) {
            ev.timerIndex = index;
        }

        @Override
        public Poster<Event> poster(Event ev) {
            return ev.poster;
        }

        @Override
        public void poster(Event ev, Poster<Event> poster) {
            ev.poster = poster;
        }

        @Override
        public Object socket(Connection c) {
            return c.socket;
        }

        @Override
        public int driverSlot(Connection c) {
            return c.driverSlot;
        }

        @Override
        public void driverSlot(Connection c, int slot) {
            c.driverSlot = slot;
        }

        @Override
        public void addSent(Connection c, long n) {
            c.addSent(n);
        }

        @Override
        public Object flight(Connection c) {
            return c.flight;
        }

        @Override
        public void flight(Connection c, Object stats) {
            c.flight = (ConnStats) stats;
        }

        @Override
        public Consumer<Connection> takeOnClose(Connection c) {
            Consumer<Connection> action = c.onClose;
            c.onClose = null;
            return action;
        }
    }
}
