package io.sendchain.event;

/** What runs when an event fires: nginx's {@code ev->handler}. */
@FunctionalInterface
public interface EventHandler {

    /** Handles {@code ev}, on its loop's thread. */
    void handle(Event ev);
}
