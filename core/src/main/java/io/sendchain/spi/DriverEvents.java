package io.sendchain.spi;

import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.NetSocket;
import io.sendchain.internal.EventAccess;
import java.util.concurrent.Executor;

/**
 * The narrow handle through which an {@link IoDriver} and a platform's sockets maintain the state of
 * {@link Event}s and {@link Connection}s that users only read: readiness, end of stream, a pending EOF and its errno,
 * errors, registration, completion of an asynchronous operation, the loop an event posts to, and the connection's
 * platform socket and driver slot.
 * Users never call it; the flags it sets are read through {@link Event#ready()}, {@link Event#eof()} and so on.
 * The loop's own bookkeeping (timers, posted queues, {@code timedOut}) is not reachable from here.
 *
 * <p>A driver's poll, for example, files what the kernel reported before it hands the event to the loop:
 * <pre>{@code
 * Event rev = c.read();
 * DriverEvents.ready(rev, true);
 * if (peerClosed) {
 *     DriverEvents.pendingEof(rev, true);
 *     DriverEvents.kqErrno(rev, fflags);   // kqueue's EV_EOF errno, 0 if none
 * }
 * sink.accept(rev);
 * }</pre>
 * and a socket's {@code recv} that meets EAGAIN calls {@code DriverEvents.ready(c.read(), false)} and returns
 * {@link Connection#AGAIN}. All methods are for the event's loop thread, like the flags themselves.
 */
public final class DriverEvents {

    private static final EventAccess<Event, Connection> A = EventAccess.get(Event.class);

    private DriverEvents() {
    }

    /** Sets whether {@code ev}'s direction can be used without blocking (cleared by a call that would block). */
    public static void ready(Event ev, boolean v) {
        A.ready(ev, v);
    }

    /** Whether {@code ev} is registered with the kernel's readiness mechanism. */
    public static boolean active(Event ev) {
        return A.active(ev);
    }

    /** Sets whether {@code ev} is registered with the kernel's readiness mechanism. */
    public static void active(Event ev, boolean v) {
        A.active(ev, v);
    }

    /** Sets {@code ev}'s {@code error} flag: a socket call on its direction failed. */
    public static void error(Event ev, boolean v) {
        A.error(ev, v);
    }

    /** Sets {@code ev}'s {@code eof} flag: the peer closed its side (read) or the connection is done (write). */
    public static void eof(Event ev, boolean v) {
        A.eof(ev, v);
    }

    /** Whether the driver reported the peer gone before a call found out ({@code EV_EOF}, {@code EPOLLRDHUP}). */
    public static boolean pendingEof(Event ev) {
        return A.pendingEof(ev);
    }

    /** Sets the pending EOF the driver reported ({@code EV_EOF}, {@code EPOLLRDHUP}). */
    public static void pendingEof(Event ev, boolean v) {
        A.pendingEof(ev, v);
    }

    /** The errno kqueue reported with {@code EV_EOF}, {@code 0} if none. */
    public static int kqErrno(Event ev) {
        return A.kqErrno(ev);
    }

    /** Sets the errno kqueue reported with {@code EV_EOF}; must not be negative. */
    public static void kqErrno(Event ev, int errno) {
        if (errno < 0) {
            throw new IllegalArgumentException("errno < 0: " + errno);
        }
        A.kqErrno(ev, errno);
    }

    /** Whether an asynchronous operation on {@code ev}'s direction finished and awaits collection. */
    public static boolean complete(Event ev) {
        return A.complete(ev);
    }

    /** Sets whether an asynchronous operation (thread-pool sendfile) finished and awaits collection. */
    public static void complete(Event ev, boolean v) {
        A.complete(ev, v);
    }

    /**
     * Runs tasks on the thread of the loop {@code ev} belongs to, from any thread ({@code null} until its connection
     * joins a loop): a socket that completes work on another thread runs the rest on the loop through it.
     */
    public static Executor executor(Event ev) {
        return A.poster(ev);
    }

    /**
     * Makes {@code ev} post to {@code poster} instead of its loop ({@code null}: nowhere, as before the connection
     * joins a loop): for a test double of a loop.
     */
    public static void poster(Event ev, EventPoster poster) {
        A.poster(ev, poster == null ? null : new EventAccess.Poster<>() {
            @Override
            public void post(Event e) {
                poster.post(e);
            }

            @Override
            public void postNext(Event e) {
                poster.postNext(e);
            }

            @Override
            public void execute(Runnable task) {
                poster.execute(task);
            }
        });
    }

    /** {@code c}'s platform socket, or {@code null} for a socket-less connection: what a driver registers. */
    public static NetSocket socket(Connection c) {
        return (NetSocket) A.socket(c);
    }

    /** Where the driver filed {@code c} ({@code -1}: nowhere); see {@link ConnectionTable}. */
    public static int driverSlot(Connection c) {
        return A.driverSlot(c);
    }

    /** Records where the driver filed {@code c} ({@code -1}: nowhere). */
    public static void driverSlot(Connection c, int slot) {
        A.driverSlot(c, slot);
    }

    /**
     * Counts {@code n} more bytes a send chain put on {@code c}'s socket (what users read as
     * {@link Connection#sent()}, and the write filter's rate limit counts).
     *
     * @throws IllegalArgumentException if {@code n} is negative
     */
    public static void addSent(Connection c, long n) {
        A.addSent(c, n);
    }
}
