package io.sendchain.spi;

import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * An event loop's readiness mechanism (epoll, kqueue, NIO {@code Selector}). Semantics are edge-triggered as
 * nginx uses them: a direction is reported once when it becomes ready; the loop's handlers then use it until a
 * call would block (which clears the event's {@code ready} flag), and only then is it reported again.
 *
 * <p>All methods but {@link #wakeup()} are called from the loop's thread only.
 */
public interface IoDriver extends AutoCloseable {

    /**
     * Starts watching both directions of {@code c}'s socket ({@link DriverEvents#socket}), which must come from this
     * driver's platform, and marks its events {@linkplain DriverEvents#active(Event, boolean) active}.
     */
    void register(Connection c) throws IOException;

    /** Stops watching {@code c}, whose socket stays open. */
    void deregister(Connection c) throws IOException;

    /**
     * Stops watching {@code c} because its socket is about to be closed. A driver whose registrations end with
     * the descriptor (epoll, kqueue) may skip the system call, as nginx does when it closes a connection; it
     * must then ignore any late report for the old registration. By default, {@link #deregister}.
     */
    default void forget(Connection c) throws IOException {
        deregister(c);
    }

    /**
     * Waits up to {@code timeoutMillis} ({@code 0}: do not wait, {@code -1}: until an event or a wake-up) and
     * hands each event that became ready to {@code sink}, after setting its flags ({@code ready}, {@code eof},
     * {@code error}, {@code pendingEof}/{@code kqErrno}) through {@link DriverEvents}.
     */
    void poll(long timeoutMillis, Consumer<Event> sink) throws IOException;

    /** Makes a blocked or the next {@link #poll} return at once. Safe from any thread. */
    void wakeup();

    @Override
    void close() throws IOException;
}
