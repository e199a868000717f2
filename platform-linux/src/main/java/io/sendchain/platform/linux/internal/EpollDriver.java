package io.sendchain.platform.linux.internal;

import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.spi.ConnectionTable;
import io.sendchain.spi.DriverEvents;
import io.sendchain.spi.IoDriver;
import io.sendchain.spi.posix.Descriptor;
import io.sendchain.spi.posix.PosixListenSocket;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Consumer;

/**
 * Edge-triggered epoll: nginx's {@code ngx_epoll_module}. Sockets are added once with
 * {@code EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET}; an {@code eventfd} wakes the wait from other threads.
 * Each registration's {@code epoll_event.data} is the connection's word in a {@link ConnectionTable} (slot and
 * generation), so reports cost no lookup and no allocation, and a report for an earlier occupant of the slot is
 * recognised and dropped. A connection being closed is forgotten without {@code EPOLL_CTL_DEL}: closing the
 * descriptor ends its registration (nginx's {@code NGX_CLOSE_EVENT}).
 *
 * <p>As in nginx: an error or hang-up is reported on both directions; EPOLLRDHUP (the peer half-closed) sets
 * the read event's {@code pendingEof}; a write report also sets the write event's {@code complete}, which a
 * collected thread-pool sendfile uses to tell a stale EAGAIN from a current one.
 */
final class EpollDriver implements IoDriver {

    private static final int MAX_EVENTS = 512;
    private static final long WAKE = -1;

    private final LinuxPlatform platform;
    private final LinuxKernel k;
    private final EpollLayout layout;
    private final int epfd;
    private final int efd;
    private final MemorySegment events;
    private final MemorySegment ctl;
    private final MemorySegment one;
    private final MemorySegment drain;
    private final ConnectionTable table = new ConnectionTable();
    /** The events array and the small out-parameters, freed by {@link #close()}. */
    private final Arena arena = Arena.ofShared();
    /**
     * Guards {@link #closed} against {@link #wakeup()} from other threads: once the descriptors are closed their
     * numbers may belong to someone else's file, which a late wake-up must never write to.
     */
    private final Object lock = new Object();
    private boolean closed;

    EpollDriver(LinuxPlatform platform) throws IOException {
        this.platform = platform;
        this.k = platform.kernel();
        this.layout = platform.epollLayout();
        this.events = arena.allocate(layout.size() * MAX_EVENTS, 8);
        this.ctl = arena.allocate(layout.size(), 8);
        this.one = arena.allocate(ValueLayout.JAVA_LONG);
        this.drain = arena.allocate(ValueLayout.JAVA_LONG);
        one.set(ValueLayout.JAVA_LONG, 0, 1L);
        int ep = k.epollCreate1(Linux.EPOLL_CLOEXEC);
        if (ep < 0) {
            arena.close();
            throw new IOException("epoll_create1() failed: " + k.strerror(-ep));
        }
        int ev = k.eventfd(0, Linux.EFD_NONBLOCK | Linux.EFD_CLOEXEC);
        if (ev < 0) {
            k.close(ep);
            arena.close();
            throw new IOException("eventfd() failed: " + k.strerror(-ev));
        }
        this.epfd = ep;
        this.efd = ev;
        try {
            add(efd, Linux.EPOLLIN | Linux.EPOLLET, WAKE);
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    private void add(int fd, int mask, long data) throws IOException {
        layout.write(ctl, 0, mask, data);
        int rc = k.epollCtl(epfd, Linux.EPOLL_CTL_ADD, fd, ctl);
        if (rc < 0) {
            throw new IOException("epoll_ctl(EPOLL_CTL_ADD, " + fd + ") failed: " + k.strerror(-rc));
        }
    }

    @Override
    public void register(Connection c) throws IOException {
        int fd = Descriptor.of(c);
        int mask = DriverEvents.socket(c) instanceof PosixListenSocket ? Linux.EPOLLIN | Linux.EPOLLET
                : Linux.EPOLLIN | Linux.EPOLLOUT | Linux.EPOLLRDHUP | Linux.EPOLLET;
        try {
            add(fd, mask, table.add(c));
        } catch (IOException e) {
            table.remove(c);
            throw e;
        }
        DriverEvents.active(c.read(), true);
        DriverEvents.active(c.write(), true);
    }

    @Override
    public void deregister(Connection c) throws IOException {
        int fd = Descriptor.of(c);
        release(c);
        int rc = k.epollCtl(epfd, Linux.EPOLL_CTL_DEL, fd, ctl);
        if (rc < 0) {
            throw new IOException("epoll_ctl(EPOLL_CTL_DEL, " + fd + ") failed: " + k.strerror(-rc));
        }
    }

    /** Closing the descriptor removes it from the epoll set: only the slot is given up. */
    @Override
    public void forget(Connection c) {
        release(c);
    }

    private void release(Connection c) {
        table.remove(c); // late reports for it are dropped
        DriverEvents.active(c.read(), false);
        DriverEvents.active(c.write(), false);
    }

    @Override
    public void poll(long timeoutMillis, Consumer<Event> sink) throws IOException {
        int timeout = timeoutMillis < 0 ? -1 : (int) Math.min(timeoutMillis, Integer.MAX_VALUE);
        int n = k.epollWait(epfd, events, MAX_EVENTS, timeout);
        if (n < 0) {
            if (n == -Linux.EINTR) {
                return;
            }
            throw new IOException("epoll_wait() failed: " + k.strerror(-n));
        }
        long size = layout.size();
        for (int i = 0; i < n; i++) {
            long at = i * size;
            int revents = layout.events(events, at);
            long data = layout.data(events, at);
            if (data == WAKE) {
                k.read(efd, drain.address(), 8);
                continue;
            }
            Connection c = table.get(data);
            if (c == null || c.closed()) {
                continue; // deregistered earlier in this batch
            }
            if ((revents & (Linux.EPOLLERR | Linux.EPOLLHUP)) != 0) {
                // let the handlers find the error with their next call
                revents |= Linux.EPOLLIN | Linux.EPOLLOUT;
            }
            Event rev = c.read();
            if ((revents & Linux.EPOLLIN) != 0 && DriverEvents.active(rev)) {
                if ((revents & Linux.EPOLLRDHUP) != 0) {
                    DriverEvents.pendingEof(rev, true);
                }
                DriverEvents.ready(rev, true);
                sink.accept(rev);
            }
            Event wev = c.write();
            if ((revents & Linux.EPOLLOUT) != 0 && DriverEvents.active(wev) && !c.closed()) {
                DriverEvents.ready(wev, true);
                DriverEvents.complete(wev, true);
                sink.accept(wev);
            }
        }
    }

    @Override
    public void wakeup() {
        // any thread: write 1 to the eventfd; the counter saturating is harmless (EAGAIN)
        synchronized (lock) {
            if (!closed) {
                k.write(efd, one.address(), 8);
            }
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            k.close(efd);
            k.close(epfd);
            arena.close();
        }
    }

    /** {@code struct epoll_event}: packed on x86_64 (12 bytes), naturally aligned on aarch64 (16 bytes). */
    record EpollLayout(long size, long dataOffset) {
        static final EpollLayout X86_64 = new EpollLayout(12, 4);
        static final EpollLayout AARCH64 = new EpollLayout(16, 8);

        void write(MemorySegment seg, long at, int mask, long data) {
            seg.set(ValueLayout.JAVA_INT_UNALIGNED, at, mask);
            seg.set(ValueLayout.JAVA_LONG_UNALIGNED, at + dataOffset, data);
        }

        int events(MemorySegment seg, long at) {
            return seg.get(ValueLayout.JAVA_INT_UNALIGNED, at);
        }

        long data(MemorySegment seg, long at) {
            return seg.get(ValueLayout.JAVA_LONG_UNALIGNED, at + dataOffset);
        }
    }
}
