package io.sendchain.spi.posix;

import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.spi.ConnectionTable;
import io.sendchain.spi.DriverEvents;
import io.sendchain.spi.IoDriver;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kqueue: nginx's {@code ngx_kqueue_module}, for any kernel a {@link KqueueAbi} describes. Read and write filters
 * are added once with {@code EV_CLEAR} (edge-triggered); an {@code EVFILT_USER} event wakes the wait from other
 * threads. {@code EV_EOF} on a filter sets that event's {@code pendingEof} and {@code kqErrno} (the errno in
 * {@code fflags}), so the send chain fails before it wastes a system call on a connection the peer has closed.
 * It drives {@link PosixStreamSocket}s and {@link PosixListenSocket}s.
 */
public final class KqueueDriver implements IoDriver {

    private static final Logger log = LoggerFactory.getLogger(KqueueDriver.class);
    private static final int MAX_EVENTS = 512;
    private static final long WAKE_IDENT = 0;

    private final KqueueKernel k;
    private final KqueueAbi abi;
    private final long kev;
    private final long identAt;
    private final long filterAt;
    private final long flagsAt;
    private final long fflagsAt;
    private final long dataAt;
    private final long udataAt;
    private final int kq;
    private final MemorySegment events;
    private final MemorySegment changes;
    private final MemorySegment wake;
    private final ConnectionTable table = new ConnectionTable();
    /** The event lists and the wake-up event, freed by {@link #close()}. */
    private final Arena arena = Arena.ofShared();
    /** Guarded by {@link #wake}: a late {@link #wakeup()} must not reach a descriptor number reused since. */
    private boolean closed;

    /** A driver on a new kqueue of {@code k}, with {@code abi}'s {@code struct kevent} and numbers. */
    public KqueueDriver(KqueueKernel k, KqueueAbi abi) throws IOException {
        this.k = k;
        this.abi = abi;
        this.kev = abi.size();
        this.identAt = abi.offset("ident");
        this.filterAt = abi.offset("filter");
        this.flagsAt = abi.offset("flags");
        this.fflagsAt = abi.offset("fflags");
        this.dataAt = abi.offset("data");
        this.udataAt = abi.offset("udata");
        this.events = arena.allocate(kev * MAX_EVENTS, 8);
        this.changes = arena.allocate(kev * 2, 8);
        this.wake = arena.allocate(kev, 8);
        int q = k.kqueue();
        if (q < 0) {
            arena.close();
            throw new IOException("kqueue() failed: " + k.strerror(-q));
        }
        this.kq = q;
        kev(changes, 0, WAKE_IDENT, abi.evfiltUser(), (short) (abi.evAdd() | abi.evClear()), 0, -1);
        try {
            change(1, "EVFILT_USER");
        } catch (IOException e) {
            close();
            throw e;
        }
        kev(wake, 0, WAKE_IDENT, abi.evfiltUser(), (short) 0, abi.noteTrigger(), -1);
    }

    private void kev(MemorySegment seg, long at, long ident, short filter, short flags, int fflags, long udata) {
        seg.asSlice(at, kev).fill((byte) 0);
        seg.set(ValueLayout.JAVA_LONG, at + identAt, ident);
        seg.set(ValueLayout.JAVA_SHORT, at + filterAt, filter);
        seg.set(ValueLayout.JAVA_SHORT, at + flagsAt, flags);
        seg.set(ValueLayout.JAVA_INT, at + fflagsAt, fflags);
        seg.set(ValueLayout.JAVA_LONG, at + udataAt, udata);
    }

    private void change(int n, String what) throws IOException {
        int rc = k.kevent(kq, changes, n, MemorySegment.NULL, 0, 0);
        if (rc < 0) {
            throw new IOException("kevent(" + what + ") failed: " + k.strerror(-rc));
        }
    }

    @Override
    public void register(Connection c) throws IOException {
        int fd = Descriptor.of(c);
        long word = table.add(c);
        short add = (short) (abi.evAdd() | abi.evClear());
        kev(changes, 0, fd, abi.evfiltRead(), add, 0, word);
        int n = 1;
        if (DriverEvents.socket(c) instanceof PosixStreamSocket) {
            kev(changes, kev, fd, abi.evfiltWrite(), add, 0, word);
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
        int fd = Descriptor.of(c);
        table.remove(c); // reports for it still in this poll's batch are dropped
        DriverEvents.active(c.read(), false);
        DriverEvents.active(c.write(), false);
        kev(changes, 0, fd, abi.evfiltRead(), abi.evDelete(), 0, 0);
        int n = 1;
        if (DriverEvents.socket(c) instanceof PosixStreamSocket) {
            kev(changes, kev, fd, abi.evfiltWrite(), abi.evDelete(), 0, 0);
            n = 2;
        }
        // the filters go away with the descriptor anyway; a failure here changes nothing
        k.kevent(kq, changes, n, MemorySegment.NULL, 0, 0);
    }

    @Override
    public void poll(long timeoutMillis, Consumer<Event> sink) throws IOException {
        int n = k.kevent(kq, MemorySegment.NULL, 0, events, MAX_EVENTS, timeoutMillis);
        if (n < 0) {
            if (n == -abi.eintr()) {
                return;
            }
            throw new IOException("kevent() failed: " + k.strerror(-n));
        }
        for (int i = 0; i < n; i++) {
            long at = i * kev;
            short filter = events.get(ValueLayout.JAVA_SHORT, at + filterAt);
            if (filter == abi.evfiltUser()) {
                continue; // a wake-up
            }
            short flags = events.get(ValueLayout.JAVA_SHORT, at + flagsAt);
            Connection c = table.get(events.get(ValueLayout.JAVA_LONG, at + udataAt));
            if (c == null || c.closed()) {
                continue;
            }
            if ((flags & abi.evError()) != 0) {
                log.warn("kevent() error on {} filter {}: {}", c, filter,
                        k.strerror((int) events.get(ValueLayout.JAVA_LONG, at + dataAt)));
                continue;
            }
            Event ev = filter == abi.evfiltRead() ? c.read() : filter == abi.evfiltWrite() ? c.write() : null;
            if (ev == null || !DriverEvents.active(ev)) {
                continue;
            }
            if ((flags & abi.evEof()) != 0) {
                DriverEvents.pendingEof(ev, true);
                DriverEvents.kqErrno(ev, events.get(ValueLayout.JAVA_INT, at + fflagsAt));
            }
            DriverEvents.ready(ev, true);
            sink.accept(ev);
        }
    }

    @Override
    public void wakeup() {
        synchronized (wake) {
            if (!closed) {
                k.kevent(kq, wake, 1, MemorySegment.NULL, 0, 0);
            }
        }
    }

    @Override
    public void close() {
        synchronized (wake) {
            if (!closed) {
                closed = true;
                k.close(kq);
                arena.close();
            }
        }
    }
}
