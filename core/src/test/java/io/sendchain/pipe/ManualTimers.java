package io.sendchain.pipe;

import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.internal.EventAccess;
import io.sendchain.loop.Timers;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A loop's clock and timers that move only when the test says: {@link #advance} fires the timers it passes the way
 * the event loop does (clears {@code timerSet}, sets {@code timedOut}, runs the event's handler, clears
 * {@code timedOut}), in deadline order. It keeps the events' timer fields through core's internal accessor, as the
 * loop does.
 */
final class ManualTimers implements Timers {

    private static final EventAccess<Event, Connection> A = EventAccess.get(Event.class);

    private long now = 1_000_000;
    private final List<Event> armed = new ArrayList<>();

    @Override
    public long now() {
        return now;
    }

    @Override
    public void addTimer(Event ev, long delayMillis) {
        if (delayMillis < 0) {
            throw new IllegalArgumentException("timer delay < 0: " + delayMillis);
        }
        armed.remove(ev);
        A.timerDeadline(ev, now + delayMillis);
        A.timerSet(ev, true);
        armed.add(ev);
    }

    @Override
    public void deleteTimer(Event ev) {
        armed.remove(ev);
        A.timerSet(ev, false);
    }

    /** Milliseconds until {@code ev}'s timer fires; fails when it is not armed. */
    long remaining(Event ev) {
        if (!ev.timerSet() || !armed.contains(ev)) {
            throw new AssertionError("no timer armed for " + ev);
        }
        return A.timerDeadline(ev) - now;
    }

    /** Moves the clock {@code millis} on and fires the timers due by then. */
    void advance(long millis) {
        now += millis;
        for (;;) {
            Event due = armed.stream().filter(ev -> A.timerDeadline(ev) <= now)
                    .min(Comparator.comparingLong(A::timerDeadline)).orElse(null);
            if (due == null) {
                return;
            }
            armed.remove(due);
            A.timerSet(due, false);
            A.timedOut(due, true);
            due.handler().handle(due);
            A.timedOut(due, false);
        }
    }
}
