package io.sendchain.spi;

import io.sendchain.event.Event;
import java.util.concurrent.Executor;

/**
 * Where an event goes to be handled later in its loop: nginx's {@code ngx_post_event} onto
 * {@code ngx_posted_events} (this cycle) or {@code ngx_posted_next_events} (the next cycle, after the loop has
 * polled the kernel once more), and, as an {@link Executor}, a way to run tasks on the loop's thread from any other
 * (a thread-pool task reporting completion). An event loop gives one to the events of each connection it adopts;
 * a test double of a loop hands its own to an event with {@link DriverEvents#poster(Event, EventPoster)}.
 */
public interface EventPoster extends Executor {

    /** Handle {@code ev} before the loop waits for the kernel again; on the loop's thread. */
    void post(Event ev);

    /** Handle {@code ev} in the next cycle, after one more poll; on the loop's thread. */
    void postNext(Event ev);
}
