package io.sendchain.loop;

import io.sendchain.event.Event;

/**
 * The clock and timers of a loop as the code it runs uses them: nginx's {@code ngx_current_msec},
 * {@code ngx_add_timer} and {@code ngx_del_timer}. {@link EventLoop} is the implementation; a test drives code
 * written against this interface with a clock it advances itself. When a timer fires, the loop sets the event's
 * {@code timedOut} and runs its handler.
 */
public interface Timers {

    /** The loop's clock in milliseconds, read once per cycle. */
    long now();

    /** Arms (or re-arms) {@code ev}'s timer to fire in {@code delayMillis}. */
    void addTimer(Event ev, long delayMillis);

    /** Disarms {@code ev}'s timer, if armed. */
    void deleteTimer(Event ev);
}
