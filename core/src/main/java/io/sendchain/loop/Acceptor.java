package io.sendchain.loop;

import io.sendchain.event.Connection;
import io.sendchain.spi.Errno;
import io.sendchain.spi.ErrnoException;
import io.sendchain.event.Event;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.internal.jfr.Flight;
import io.sendchain.spi.DriverEvents;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts the connections of one listening {@link Connection} on one {@link EventLoop} and hands each accepted
 * socket to a {@link Handler}: nginx's {@code ngx_event_accept}, written once for every platform. The point is
 * what happens when accept fails, above all when the process runs out of descriptors.
 *
 * <pre>
 *            readiness or timer: accept until EAGAIN
 *   ┌────────────┐ ──── ECONNABORTED, EPROTO, EPERM, EINTR: that connection is lost; accept the next at once
 *   │ ACCEPTING  │ ──── ENOBUFS, ENOMEM, other: stop; accept again on readiness or after retryMillis
 *   └────────────┘
 *     │        ▲
 *     │ EMFILE, ENFILE          the timer fires after pauseMillis: accept at once
 *     ▼        │
 *   ┌────────────┐
 *   │   PAUSED   │  readiness reports are ignored
 *   └────────────┘
 * </pre>
 *
 * Readiness is edge-triggered ({@code io.sendchain.spi.IoDriver}): a listener that stops before EAGAIN is not
 * reported again until another connection arrives, so every stop that leaves connections pending arms the
 * listener's read-event timer, and the timer's handler accepts first thing (nginx re-enables the accept events
 * and accepts on the timed-out event too). While paused the listener stays registered and its reports are
 * ignored, which is right for every driver here: epoll (EPOLLET) and kqueue (EV_CLEAR) report only new arrivals,
 * at most one per connection the backlog takes, and the NIO driver has dropped OP_ACCEPT from the key's interest
 * set when it reported and adds it back only when an accept meets EAGAIN. Deregistering would cost two system
 * calls per pause and, with NIO, a re-registration while the cancelled key is still in the selector fails.
 * Connections already accepted are served meanwhile; a loop never spins on a failing accept.
 *
 * <p>Failures are logged at WARN through SLF4J, at most once per {@code logIntervalMillis} for each {@link Errno}
 * class, saying how many were held back. A handler that throws gets the socket it was given closed; accepting
 * goes on (an exception escaping a listener's handler would otherwise make the loop close the listener).
 *
 * <p>{@link #start} and {@link #close} run on the loop's thread (or before it starts); the counters may be read
 * from any thread.
 */
public final class Acceptor {

    private static final Logger log = LoggerFactory.getLogger(Acceptor.class);

    /**
     * Per-connection errors met in a row after which the acceptor stops and retries from the timer, so that a
     * platform that keeps failing that way cannot hold the loop.
     */
    static final int MAX_SKIPPED_IN_A_ROW = 128;

    /** What receives each accepted socket, on the acceptor's loop thread; it owns the socket from then on. */
    @FunctionalInterface
    public interface Handler {

        /**
         * Takes {@code socket}. If this throws, the acceptor closes the socket, logs and goes on accepting.
         */
        void accepted(StreamSocket socket) throws IOException;
    }

    /**
     * Timings of the policy: how long accepting stops after EMFILE or ENFILE ({@code pauseMillis}, nginx's
     * {@code accept_mutex_delay}), when to accept again after ENOBUFS, ENOMEM or another error if no readiness report
     * comes first ({@code retryMillis}), and the least time between two log lines about the same class of error
     * ({@code logIntervalMillis}, {@code 0}: log every failure).
     */
    public static final class Settings {

        /** nginx's {@code accept_mutex_delay 500ms}; a 100 ms retry; one log line per second and class. */
        public static final Settings DEFAULTS = new Settings(500, 100, 1000);

        private final long pauseMillis;
        private final long retryMillis;
        private final long logIntervalMillis;

        /**
         * @throws IllegalArgumentException if a delay is below 1 ms or the log interval is negative
         */
        public Settings(long pauseMillis, long retryMillis, long logIntervalMillis) {
            if (pauseMillis < 1) {
                throw new IllegalArgumentException("pause < 1 ms: " + pauseMillis);
            }
            if (retryMillis < 1) {
                throw new IllegalArgumentException("retry < 1 ms: " + retryMillis);
            }
            if (logIntervalMillis < 0) {
                throw new IllegalArgumentException("log interval < 0: " + logIntervalMillis);
            }
            this.pauseMillis = pauseMillis;
            this.retryMillis = retryMillis;
            this.logIntervalMillis = logIntervalMillis;
        }

        long pauseMillis() {
            return pauseMillis;
        }

        long retryMillis() {
            return retryMillis;
        }

        long logIntervalMillis() {
            return logIntervalMillis;
        }
    }

    private final EventLoop loop;
    private final Connection listener;
    private final Handler handler;
    private final Settings settings;
    /** One limiter per {@link Errno} class, and one (last) for handler failures. */
    private final LogLimiter[] limiters;
    /** Where reports go: SLF4J at WARN; tests look at them through {@link #reports}. */
    private BiConsumer<String, Throwable> reports = Acceptor::warn;
    /** EMFILE or ENFILE stopped accepting; the read event's timer ends the pause. Written on the loop thread. */
    private volatile boolean paused;
    private volatile long accepted;
    private volatile long pauses;
    private volatile long handlerFailures;
    private final AtomicLongArray failures = new AtomicLongArray(Errno.values().length);
    /** {@link System#nanoTime()} when accepting stopped for a pause or a retry delay, 0 while accepting. */
    private long stoppedAt;

    /** An acceptor with the {@linkplain Settings#DEFAULTS default settings}. */
    public Acceptor(EventLoop loop, Connection listener, Handler handler) {
        this(loop, listener, handler, Settings.DEFAULTS);
    }

    /**
     * @param listener a listening connection, not yet added to a loop: {@link #start} adds it to {@code loop}
     */
    public Acceptor(EventLoop loop, Connection listener, Handler handler, Settings settings) {
        this.loop = Objects.requireNonNull(loop, "loop");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.handler = Objects.requireNonNull(handler, "handler");
        this.settings = Objects.requireNonNull(settings, "settings");
        if (!(DriverEvents.socket(listener) instanceof ListenSocket)) {
            throw new IllegalArgumentException("not a listening connection: " + listener);
        }
        limiters = new LogLimiter[Errno.values().length + 1];
        for (int i = 0; i < limiters.length; i++) {
            limiters[i] = new LogLimiter(settings.logIntervalMillis());
        }
    }

    /** Takes over the listener's read event and adds the listener to the loop. On the loop's thread. */
    public void start() throws IOException {
        listener.read().handler(this::handle);
        loop.add(listener);
    }

    /** Closes the listener (through the loop, which forgets its timer). On the loop's thread. */
    public void close() {
        loop.close(listener);
    }

    /** The listening connection. */
    public Connection listener() {
        return listener;
    }

    /** Connections accepted and handed to the handler. */
    public long accepted() {
        return accepted;
    }

    /** Accept calls that failed with errors of class {@code kind}. */
    public long failures(Errno kind) {
        return failures.get(kind.ordinal());
    }

    /** Times accepting was paused for EMFILE or ENFILE. */
    public long pauses() {
        return pauses;
    }

    /** Accepting is paused (EMFILE or ENFILE) until the listener's timer fires. */
    public boolean paused() {
        return paused;
    }

    /** Accepted sockets closed because the handler threw. */
    long handlerFailures() {
        return handlerFailures;
    }

    /** Failures of class {@code kind} not logged since the last line about them. Loop thread. */
    long suppressed(Errno kind) {
        return limiters[kind.ordinal()].suppressed();
    }

    /** Sends reports to {@code sink} instead of the log. */
    void reports(BiConsumer<String, Throwable> sink) {
        this.reports = Objects.requireNonNull(sink, "sink");
    }

    // ---------------------------------------------------------------- the policy

    private void handle(Event ev) {
        if (ev.timedOut()) {
            // the pause or the retry delay is over: accept now, since no report may come for what is pending
            paused = false;
        } else if (paused) {
            return; // the timer accepts; edge-triggered, nothing pending is forgotten meanwhile
        }
        if (stoppedAt != 0) {
            // accepting again after a pause or a retry delay, from the timer or (a retry) an earlier report
            Flight.acceptResumed(listener.name(), System.nanoTime() - stoppedAt);
            stoppedAt = 0;
        }
        acceptUntilAgain(ev);
    }

    private void acceptUntilAgain(Event ev) {
        ListenSocket ls = listener.listener();
        int skipped = 0;
        while (!listener.closed()) {
            StreamSocket s;
            try {
                s = ls.accept(listener);
            } catch (IOException e) {
                Errno kind = e instanceof ErrnoException ee ? ee.kind() : Errno.OTHER;
                if (!goOnAfter(ev, kind, e.getMessage(), null)) {
                    return;
                }
                if (++skipped >= MAX_SKIPPED_IN_A_ROW) {
                    retryLater(ev, null, skipped + " failed accepts in a row");
                    return;
                }
                continue;
            } catch (RuntimeException e) {
                // a platform bug: keep the listener, which the loop would otherwise close
                goOnAfter(ev, Errno.OTHER, "accept on " + listener + " failed: " + e, e);
                return;
            }
            if (s == null) {
                // EAGAIN: caught up; readiness is re-armed, a retry timer has nothing left to do
                loop.deleteTimer(ev);
                return;
            }
            skipped = 0;
            accepted++; // single writer: the loop thread
            deliver(s);
        }
    }

    /**
     * Applies the policy to a failed accept; {@code true} if the next pending connection is to be accepted at
     * once.
     */
    private boolean goOnAfter(Event ev, Errno kind, String message, Throwable bug) {
        failures.incrementAndGet(kind.ordinal());
        switch (kind) {
            case ECONNABORTED, EPROTO, EPERM, EINTR -> {
                // the error belongs to one pending connection (Linux passes on its network errors), not to us
                report(kind, message + "; accepting the next connection", bug);
                return true;
            }
            case EMFILE, ENFILE -> {
                // nginx: ngx_disable_accept_events, then the accept event's timer after accept_mutex_delay
                paused = true;
                pauses++;
                loop.addTimer(ev, settings.pauseMillis());
                stopped(kind, message, settings.pauseMillis());
                report(kind, message + "; not accepting on " + listener + " for " + settings.pauseMillis() + " ms",
                        bug);
                return false;
            }
            default -> {
                retryLater(ev, kind, message);
                report(kind, message + "; accepting on " + listener + " again within " + settings.retryMillis()
                        + " ms", bug);
                return false;
            }
        }
    }

    /** Arms the retry timer unless a timer is armed already (a pending retry is not pushed back). */
    private void retryLater(Event ev, Errno kind, String message) {
        if (!ev.timerSet()) {
            loop.addTimer(ev, settings.retryMillis());
            stopped(kind, message, settings.retryMillis());
        }
    }

    /**
     * Accepting stands still for {@code delayMillis} at most after {@code kind} ({@code null}: too many failures
     * in a row): noted for the flight recorder's pause and resume events.
     */
    private void stopped(Errno kind, String message, long delayMillis) {
        if (stoppedAt == 0) {
            stoppedAt = System.nanoTime();
        }
        Flight.acceptPaused(listener.name(), kind == null ? "retry" : kind.name(), message, delayMillis);
    }

    private void deliver(StreamSocket s) {
        try {
            handler.accepted(s);
        } catch (IOException | RuntimeException e) {
            handlerFailures++;
            try {
                s.close();
            } catch (IOException | RuntimeException closing) {
                e.addSuppressed(closing);
            }
            long held = limiters[limiters.length - 1].occurred(loop.now());
            if (held >= 0) {
                reports.accept("handling a connection accepted on " + listener + " failed, closed it"
                        + held(held) + ": " + e, e);
            }
        }
    }

    private void report(Errno kind, String message, Throwable bug) {
        long held = limiters[kind.ordinal()].occurred(loop.now());
        if (held >= 0) {
            reports.accept(message + held(held), bug);
        }
    }

    private static String held(long n) {
        return n == 0 ? "" : " (" + n + " more since the last report)";
    }

    private static void warn(String message, Throwable t) {
        if (t == null) {
            log.warn(message);
        } else {
            log.warn(message, t);
        }
    }

    @Override
    public String toString() {
        return "acceptor of " + listener + (paused ? " (paused)" : "");
    }
}
