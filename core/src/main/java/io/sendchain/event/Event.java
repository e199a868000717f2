package io.sendchain.event;

/**
 * A read or write readiness event of a {@link Connection}: nginx's {@code ngx_event_t}, with the flags the
 * output pipeline reads and sets. Owned by one event loop thread; not thread-safe.
 */
public final class Event {

    private final Connection connection;
    private final boolean write;
    private EventHandler handler;
    private EventPoster poster;

    /** The socket can be read/written without blocking (edge-triggered: until a call returns EAGAIN). */
    private boolean ready;
    /** The event is registered with the kernel's readiness mechanism. */
    private boolean active;
    /** A fatal error happened on this direction. */
    private boolean error;
    /** The peer closed its side (read) or the connection is finished (write). */
    private boolean eof;
    /** kqueue said the peer is gone (EV_EOF) before we tried; {@link #kqErrno()} tells why. */
    private boolean pendingEof;
    /** errno kqueue reported with EV_EOF. */
    private int kqErrno;
    /** Output is held back by a rate limit; a timer will release it. */
    private boolean delayed;
    /** An asynchronous operation (thread-pool sendfile, file read) finished and its result awaits collection. */
    private boolean complete;
    /** The event's timer fired. */
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

    public Connection connection() {
        return connection;
    }

    /** {@code true} for the write event, {@code false} for the read event. */
    public boolean isWrite() {
        return write;
    }

    public EventHandler handler() {
        return handler;
    }

    public Event handler(EventHandler handler) {
        this.handler = handler;
        return this;
    }

    /** The loop this event is posted to; {@code null} until the connection joins a loop. */
    public EventPoster poster() {
        return poster;
    }

    public Event poster(EventPoster poster) {
        this.poster = poster;
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

    public boolean ready() {
        return ready;
    }

    public Event ready(boolean v) {
        this.ready = v;
        return this;
    }

    public boolean active() {
        return active;
    }

    public Event active(boolean v) {
        this.active = v;
        return this;
    }

    public boolean error() {
        return error;
    }

    public Event error(boolean v) {
        this.error = v;
        return this;
    }

    public boolean eof() {
        return eof;
    }

    public Event eof(boolean v) {
        this.eof = v;
        return this;
    }

    public boolean pendingEof() {
        return pendingEof;
    }

    public Event pendingEof(boolean v) {
        this.pendingEof = v;
        return this;
    }

    public int kqErrno() {
        return kqErrno;
    }

    public Event kqErrno(int errno) {
        this.kqErrno = errno;
        return this;
    }

    public boolean delayed() {
        return delayed;
    }

    public Event delayed(boolean v) {
        this.delayed = v;
        return this;
    }

    public boolean complete() {
        return complete;
    }

    public Event complete(boolean v) {
        this.complete = v;
        return this;
    }

    public boolean timedOut() {
        return timedOut;
    }

    public Event timedOut(boolean v) {
        this.timedOut = v;
        return this;
    }

    public boolean timerSet() {
        return timerSet;
    }

    public Event timerSet(boolean v) {
        this.timerSet = v;
        return this;
    }

    public boolean posted() {
        return posted;
    }

    public Event posted(boolean v) {
        this.posted = v;
        return this;
    }

    public long timerDeadline() {
        return timerDeadline;
    }

    public Event timerDeadline(long deadline) {
        this.timerDeadline = deadline;
        return this;
    }

    public long timerSeq() {
        return timerSeq;
    }

    public Event timerSeq(long seq) {
        this.timerSeq = seq;
        return this;
    }

    /** Position in the event loop's timer heap ({@code -1}: none); maintained by the loop only. */
    public int timerIndex() {
        return timerIndex;
    }

    public Event timerIndex(int index) {
        this.timerIndex = index;
        return this;
    }

    @Override
    public String toString() {
        return (write ? "write" : "read") + " event of " + connection
                + (ready ? " ready" : "") + (active ? " active" : "") + (error ? " error" : "")
                + (eof ? " eof" : "") + (pendingEof ? " pending-eof" : "") + (delayed ? " delayed" : "")
                + (complete ? " complete" : "") + (timedOut ? " timedout" : "");
    }
}
