package io.sendchain.platform.freebsd.internal;

import static io.sendchain.platform.freebsd.internal.FreeBsdLayouts.KEV_DATA;
import static io.sendchain.platform.freebsd.internal.FreeBsdLayouts.KEV_FFLAGS;
import static io.sendchain.platform.freebsd.internal.FreeBsdLayouts.KEV_FILTER;
import static io.sendchain.platform.freebsd.internal.FreeBsdLayouts.KEV_FLAGS;
import static io.sendchain.platform.freebsd.internal.FreeBsdLayouts.KEV_IDENT;
import static io.sendchain.platform.freebsd.internal.FreeBsdLayouts.KEV_UDATA;

import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.NetSocket;
import io.sendchain.spi.ConnectionTable;
import io.sendchain.spi.DriverEvents;
import io.sendchain.spi.IoDriver;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Consumer;

/**
 * kqueue: nginx's {@code ngx_kqueue_module}. Read and write filters are added once with {@code EV_CLEAR}
 * (edge-triggered); an {@code EVFILT_USER} event wakes the wait from other threads. {@code EV_EOF} on a filter
 * sets that event's {@code pendingEof} and {@code kqErrno} (the errno in {@code fflags}), so the send chain fails
 * before it wastes a system call on a connection the peer has closed.
 */
final class KqueueDriver implements IoDriver {

    private static final int MAX_EVENTS = 512;
    private static final long KEV = FreeBsdLayouts.KEVENT.byteSize();
    private static final long WAKE_IDENT = 0;

    private final FreeBsdPlatform platform;
    private final FreeBsdKernel k;
    private final int kq;
    private final MemorySegment events;
    private final MemorySegment changes;
    private final MemorySegment wake;
    private final ConnectionTable table = new ConnectionTable();
    private boolean closed;

    KqueueDriver(FreeBsdPlatform platform) throws IOException {
        this.platform = platform;
        this.k = platform.kernel();
        Arena arena = Arena.ofAuto();
        this.events = arena.allocate(KEV * MAX_EVENTS, 8);
        this.changes = arena.allocate(KEV * 2, 8);
        this.wake = arena.allocate(KEV, 8);
        int q = k.kqueue();
        if (q < 0) {
            throw new IOException("kqueue() failed: " + k.strerror(-q));
        }
        this.kq = q;
        kev(changes, 0, WAKE_IDENT, FreeBsd.EVFILT_USER, (short) (FreeBsd.EV_ADD | FreeBsd.EV_CLEAR), 0, -1);
        change(1, "EVFILT_USER");
        kev(wake, 0, WAKE_IDENT, FreeBsd.EVFILT_USER, (short) 0, FreeBsd.NOTE_TRIGGER, -1);
    }

    private static void kev(MemorySegment seg, long at, long ident, short filter, short flags, int fflags, long udata) {
        seg.asSlice(at, KEV).fill((byte) 0);
        seg.set(ValueLayout.JAVA_LONG, at + KEV_IDENT, ident);
        seg.set(ValueLayout.JAVA_SHORT, at + KEV_FILTER, filter);
        seg.set(ValueLayout.JAVA_SHORT, at + KEV_FLAGS, flags);
        seg.set(ValueLayout.JAVA_INT, at + KEV_FFLAGS, fflags);
        seg.set(ValueLayout.JAVA_LONG, at + KEV_UDATA, udata);
    }

    private void change(int n, String what) throws IOException {
        int rc = k.kevent(kq, changes, n, MemorySegment.NULL, 0, 0);
        if (rc < 0) {
            throw new IOException("kevent(" + what + ") failed: " + k.strerror(-rc));
        }
    }

    private static int fdOf(Connection c) {
        NetSocket s = DriverEvents.socket(c);
        if (s instanceof FreeBsdStreamSocket fs) {
            return fs.fd();
        }
        if (s instanceof FreeBsdListenSocket fl) {
            return fl.fd();
        }
        throw new IllegalArgumentException("not a socket of the freebsd platform: " + c + " (" + s + ")");
    }

    @Override
    public void register(Connection c) throws IOException {
        int fd = fdOf(c);
        long word = table.add(c);
        short add = (short) (FreeBsd.EV_ADD | FreeBsd.EV_CLEAR);
        kev(changes, 0, fd, FreeBsd.EVFILT_READ, add, 0, word);
        int n = 1;
        if (DriverEvents.socket(c) instanceof FreeBsdStreamSocket) {
            kev(changes, KEV, fd, FreeBsd.EVFILT_WRITE, add, 0, word);
            n = 2;
        }
        try {
            change(n, "EV_ADD " + fd);
        } catch (IOException e) {
            table.remove(c);
            throw e;
        }
        DriverEvents.active(c.read(), true);
        DriverEvents.active(c.write(), true);
    }

    @Override
    public void deregister(Connection c) {
        int fd = fdOf(c);
        table.remove(c); // reports for it still in this poll's batch are dropped
        DriverEvents.active(c.read(), false);
        DriverEvents.active(c.write(), false);
        kev(changes, 0, fd, FreeBsd.EVFILT_READ, FreeBsd.EV_DELETE, 0, 0);
        int n = 1;
        if (DriverEvents.socket(c) instanceof FreeBsdStreamSocket) {
            kev(changes, KEV, fd, FreeBsd.EVFILT_WRITE, FreeBsd.EV_DELETE, 0, 0);
            n = 2;
        }
        // the filters go away with the descriptor anyway; a failure here changes nothing
        k.kevent(kq, changes, n, MemorySegment.NULL, 0, 0);
    }

    @Override
    public void poll(long timeoutMillis, Consumer<Event> sink) throws IOException {
        int n = k.kevent(kq, MemorySegment.NULL, 0, events, MAX_EVENTS, timeoutMillis);
        if (n < 0) {
            if (n == -FreeBsd.EINTR) {
                return;
            }
            throw new IOException("kevent() failed: " + k.strerror(-n));
        }
        for (int i = 0; i < n; i++) {
            long at = i * KEV;
            short filter = events.get(ValueLayout.JAVA_SHORT, at + KEV_FILTER);
            if (filter == FreeBsd.EVFILT_USER) {
                continue; // a wake-up
            }
            short flags = events.get(ValueLayout.JAVA_SHORT, at + KEV_FLAGS);
            long udata = events.get(ValueLayout.JAVA_LONG, at + KEV_UDATA);
            Connection c = table.get(udata);
            if (c == null || c.closed()) {
                continue;
            }
            if ((flags & FreeBsd.EV_ERROR) != 0) {
                platform.log().warn("kevent() error on {} filter {}: {}", c, filter,
                        k.strerror((int) events.get(ValueLayout.JAVA_LONG, at + KEV_DATA)));
                continue;
            }
            Event ev = filter == FreeBsd.EVFILT_READ ? c.read() : filter == FreeBsd.EVFILT_WRITE ? c.write() : null;
            if (ev == null || !DriverEvents.active(ev)) {
                continue;
            }
            if ((flags & FreeBsd.EV_EOF) != 0) {
                DriverEvents.pendingEof(ev, true);
                DriverEvents.kqErrno(ev, events.get(ValueLayout.JAVA_INT, at + KEV_FFLAGS));
            }
            DriverEvents.ready(ev, true);
            sink.accept(ev);
        }
    }

    @Override
    public void wakeup() {
        synchronized (wake) {
            k.kevent(kq, wake, 1, MemorySegment.NULL, 0, 0);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            k.close(kq);
        }
    }
}
