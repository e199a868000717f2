package io.sendchain.event;

/** What runs when an event fires: nginx's {@code ev->handler}. */
@FunctionalInterface
public interface EventHandler {

    void handle(Event ev);
}
