package io.sendchain.loop;

import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.spi.DriverEvents;
import io.sendchain.spi.IoDriver;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** A driver whose readiness the test scripts: {@link #fire} queues an event, the loop's next poll reports it. */
final class ScriptedDriver implements IoDriver {

    private static final Object WAKE = new Object();

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    final Set<Connection> registered = ConcurrentHashMap.newKeySet();
    final AtomicInteger polls = new AtomicInteger();
    final AtomicInteger deregisters = new AtomicInteger();
    /** Makes {@link #register} fail, as epoll_ctl would without memory. */
    volatile boolean refuseRegister;
    volatile boolean closed;

    /** Reports {@code ev} ready at the loop's next poll. Any thread. */
    void fire(Event ev) {
        queue.add(ev);
    }

    @Override
    public void register(Connection c) throws java.io.IOException {
        if (refuseRegister) {
            throw new java.io.IOException("epoll_ctl(EPOLL_CTL_ADD) failed: Cannot allocate memory");
        }
        registered.add(c);
    }

    @Override
    public void deregister(Connection c) {
        deregisters.incrementAndGet();
        registered.remove(c);
    }

    @Override
    public void poll(long timeoutMillis, Consumer<Event> sink) {
        polls.incrementAndGet();
        Object first;
        try {
            first = timeoutMillis == 0 ? queue.poll()
                    : timeoutMillis < 0 ? queue.take() : queue.poll(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        for (Object o = first; o != null; o = queue.poll()) {
            if (o instanceof Event ev) {
                DriverEvents.ready(ev, true);
                sink.accept(ev);
            }
        }
    }

    @Override
    public void wakeup() {
        queue.add(WAKE);
    }

    @Override
    public void close() {
        closed = true;
    }
}
