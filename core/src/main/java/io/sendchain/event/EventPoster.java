package io.sendchain.event;

import java.util.concurrent.Executor;

/**
 * Where an event goes to be handled later in its loop: nginx's {@code ngx_post_event} onto
 * {@code ngx_posted_events} (this cycle) or {@code ngx_posted_next_events} (the next cycle, after the loop
 * has polled the kernel once more). {@link #post} and {@link #postNext} are for the loop's thread; as an
 * {@link Executor} the poster runs tasks on the loop's thread when called from any other (a thread-pool task
 * reporting completion).
 */
public interface EventPoster extends Executor {

    /** Handle {@code ev} before the loop waits for the kernel again. */
    void post(Event ev);

    /** Handle {@code ev} in the next cycle, after one more poll. */
    void postNext(Event ev);
}
