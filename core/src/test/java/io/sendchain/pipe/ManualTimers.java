package io.sendchain.pipe;

import io.sendchain.event.Event;
import io.sendchain.loop.Timers;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A loop's clock and timers that move only when the test says: {@link #advance} fires the timers it passes the way
 * the event loop does (clears {@code timerSet}, sets {@code timedOut}, runs the event's handler), in deadline order.
 */
final class ManualTimers implements Timers {

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
        ev.timerDeadline(now + delayMillis).timerSet(true);
        armed.add(ev);
    }

    @Override
    public void deleteTimer(Event ev) {
        armed.remove(ev);
        ev.timerSet(false);
    }

    /** Milliseconds until {@code ev}'s timer fires; fails when it is not armed. */
    long remaining(Event ev) {
        if (!ev.timerSet() || !armed.contains(ev)) {
            throw new AssertionError("no timer armed for " + ev);
        }
        return ev.timerDeadline() - now;
    }

    /** Moves the clock {@code millis} on and fires the timers due by then. */
    void advance(long millis) {
        now += millis;
        for (;;) {
            Event due = armed.stream().filter(ev -> ev.timerDeadline() <= now)
                    .min(Comparator.comparingLong(Event::timerDeadline)).orElse(null);
            if (due == null) {
                return;
            }
            armed.remove(due);
            due.timerSet(false).timedOut(true);
            due.handler().handle(due);
        }
    }
}
