package io.sendchain.platform.generic;

import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.NetSocket;
import io.sendchain.spi.DriverEvents;
import io.sendchain.spi.IoDriver;
import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.function.Consumer;

/**
 * Readiness through a NIO {@link Selector}, made edge-triggered: a key's interest set holds a direction only
 * while that event is not ready. When the selector reports a direction, the driver marks the event ready, drops
 * the direction from the interest set and hands the event to the loop; the socket re-arms it when a call would
 * block. Reporting uses {@link Selector#select(Consumer, long)}, which allocates nothing per key.
 */
final class NioDriver implements IoDriver {

    private final Selector selector;
    private final Consumer<SelectionKey> onKey = this::onKey;
    private Consumer<Event> sink;

    NioDriver() throws IOException {
        this.selector = Selector.open();
    }

    @Override
    public void register(Connection c) throws IOException {
        NetSocket s = DriverEvents.socket(c);
        if (s instanceof NioStreamSocket ns) {
            int ops = 0;
            if (!c.read().ready()) {
                ops |= SelectionKey.OP_READ;
            }
            if (!c.write().ready()) {
                ops |= ns.writeOps();
            }
            ns.key(ns.channel().register(selector, ops, c));
        } else if (s instanceof NioListenSocket ls) {
            int ops = c.read().ready() ? 0 : SelectionKey.OP_ACCEPT;
            ls.key(ls.channel().register(selector, ops, c));
        } else {
            throw new IllegalArgumentException("not a socket of the generic platform: " + c + " (" + s + ")");
        }
        DriverEvents.active(c.read(), true);
        DriverEvents.active(c.write(), true);
    }

    @Override
    public void deregister(Connection c) {
        NetSocket s = DriverEvents.socket(c);
        SelectionKey k = s instanceof NioStreamSocket ns ? ns.key() : s instanceof NioListenSocket ls ? ls.key() : null;
        if (k != null) {
            k.cancel();
        }
        DriverEvents.active(c.read(), false);
        DriverEvents.active(c.write(), false);
    }

    @Override
    public void poll(long timeoutMillis, Consumer<Event> sink) throws IOException {
        this.sink = sink;
        try {
            if (timeoutMillis == 0) {
                selector.selectNow(onKey);
            } else {
                selector.select(onKey, timeoutMillis < 0 ? 0 : timeoutMillis);
            }
        } finally {
            this.sink = null;
        }
    }

    private void onKey(SelectionKey k) {
        if (!k.isValid()) {
            return;
        }
        Connection c = (Connection) k.attachment();
        int ready = k.readyOps();
        k.interestOps(k.interestOps() & ~ready);
        boolean read = (ready & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT)) != 0;
        boolean write = (ready & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) != 0;
        if (read) {
            DriverEvents.ready(c.read(), true);
        }
        if (write) {
            DriverEvents.ready(c.write(), true);
        }
        if (read) {
            sink.accept(c.read());
        }
        if (write && !c.closed()) {
            sink.accept(c.write());
        }
    }

    @Override
    public void wakeup() {
        selector.wakeup();
    }

    @Override
    public void close() throws IOException {
        selector.close();
    }
}
