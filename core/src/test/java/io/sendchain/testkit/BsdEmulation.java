package io.sendchain.testkit;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The parts of a BSD kernel that FreeBSD and macOS share, emulated on this machine with real sockets and files:
 * a descriptor table, non-blocking TCP sockets, files, and kqueue with {@code EV_CLEAR} semantics. The FreeBSD and
 * Darwin modules build their emulated kernels on it, adding their own structure layouts and their own
 * {@code sendfile}. Bytes really move over loopback TCP; errors are reported as BSD errno values.
 *
 * <p>kqueue is a {@link Selector}: a filter is in the key's interest set only while armed. Reporting disarms it
 * (that is what {@code EV_CLEAR} amounts to for a caller that reads until EAGAIN), and a call that meets EAGAIN
 * re-arms it. A pending EOF can be injected for the write filter: kqueue's {@code EV_EOF} with an errno.
 */
public final class BsdEmulation {

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EBADF = 9;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int EPIPE = 32;
    public static final int EAGAIN = 35;
    public static final int EINPROGRESS = 36;
    public static final int ECONNABORTED = 53;
    public static final int ECONNRESET = 54;
    public static final int ENOBUFS = 55;
    public static final int ENOTCONN = 57;
    public static final int ECONNREFUSED = 61;

    private static final Map<Integer, String> ERRORS = Map.ofEntries(
            Map.entry(EPERM, "Operation not permitted"),
            Map.entry(ENOENT, "No such file or directory"), Map.entry(EINTR, "Interrupted system call"),
            Map.entry(EBADF, "Bad file descriptor"), Map.entry(ENOMEM, "Cannot allocate memory"),
            Map.entry(EACCES, "Permission denied"),
            Map.entry(EBUSY, "Device busy"), Map.entry(EINVAL, "Invalid argument"),
            Map.entry(ENFILE, "Too many open files in system"), Map.entry(EMFILE, "Too many open files"),
            Map.entry(EPIPE, "Broken pipe"),
            Map.entry(EAGAIN, "Resource temporarily unavailable"),
            Map.entry(EINPROGRESS, "Operation now in progress"),
            Map.entry(ECONNABORTED, "Software caused connection abort"),
            Map.entry(ECONNRESET, "Connection reset by peer"), Map.entry(ENOBUFS, "No buffer space available"),
            Map.entry(ENOTCONN, "Socket is not connected"), Map.entry(ECONNREFUSED, "Connection refused"));

    /** A socket made by socket() that is not yet listening or connecting: options wait here. */
    private static final class Fresh {
        final List<Object[]> options = new ArrayList<>();
        InetSocketAddress bound;
    }

    /** A connected (or connecting) socket. */
    private static final class Sock {
        final SocketChannel ch;
        Kq kq;
        SelectionKey key;
        long readUdata;
        long writeUdata;
        boolean readArmed;
        boolean writeArmed;
        volatile int pendingEofErrno;
        boolean nopush;

        Sock(SocketChannel ch) {
            this.ch = ch;
        }
    }

    private static final class Listener {
        final ServerSocketChannel ch;
        /** Errors the next accept() calls report before looking at the socket (injected). */
        final ArrayDeque<Integer> acceptErrors = new ArrayDeque<>();
        Kq kq;
        SelectionKey key;
        long udata;
        boolean armed;

        Listener(ServerSocketChannel ch) {
            this.ch = ch;
        }
    }

    /** A kqueue: a selector plus the user-event trigger. */
    private static final class Kq {
        final Selector selector;
        final AtomicBoolean triggered = new AtomicBoolean();
        final List<Sock> eofs = new ArrayList<>();

        Kq() throws IOException {
            selector = Selector.open();
        }
    }

    /** What kevent() reports, one event at a time. */
    public interface EventSink {
        /**
         * @param user  a user (wake-up) event
         * @param write the write filter (else the read filter)
         * @param eof   EV_EOF, with {@code errno} in fflags
         */
        void event(int fd, boolean user, boolean write, boolean eof, int errno, long udata);
    }

    private final FaultPlan faults;
    private final Map<Integer, Object> fds = new ConcurrentHashMap<>();
    private final AtomicInteger nextFd = new AtomicInteger(1000);

    public BsdEmulation(FaultPlan faults) {
        this.faults = faults;
    }

    public FaultPlan faults() {
        return faults;
    }

    public static String strerror(int errno) {
        return ERRORS.getOrDefault(errno, "errno " + errno);
    }

    /** The errno a failed NIO call stands for. */
    public static int errno(IOException e) {
        String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (e instanceof ClosedChannelException) {
            return EBADF;
        }
        if (m.contains("reset")) {
            return ECONNRESET;
        }
        // the host's descriptor and memory limits, met by the emulation's own sockets (accept), as the BSD would
        if (m.equals("too many open files")) {
            return EMFILE;
        }
        if (m.equals("too many open files in system")) {
            return ENFILE;
        }
        if (m.contains("no buffer space")) {
            return ENOBUFS;
        }
        if (m.contains("cannot allocate memory")) {
            return ENOMEM;
        }
        if (m.contains("connection abort")) {
            return ECONNABORTED;
        }
        if (m.contains("broken pipe")) {
            return EPIPE;
        }
        if (m.contains("refused")) {
            return ECONNREFUSED;
        }
        if (m.contains("not connected")) {
            return ENOTCONN;
        }
        return EPIPE;
    }

    private int add(Object o) {
        int fd = nextFd.getAndIncrement();
        fds.put(fd, o);
        return fd;
    }

    /** Bytes at a native address as a buffer (the emulated kernel reads the caller's memory, as a kernel does). */
    public static ByteBuffer buffer(long address, long length) {
        return MemorySegment.ofAddress(address).reinterpret(length).asByteBuffer();
    }

    /** The buffers an iovec array describes (16-byte entries: base, length). */
    public static ByteBuffer[] buffers(MemorySegment iov, int count) {
        ByteBuffer[] out = new ByteBuffer[count];
        MemorySegment all = iov.reinterpret(16L * count);
        for (int i = 0; i < count; i++) {
            out[i] = buffer(all.get(ValueLayout.JAVA_LONG, i * 16L), all.get(ValueLayout.JAVA_LONG, i * 16L + 8));
        }
        return out;
    }

    public static long remaining(ByteBuffer[] bufs) {
        long n = 0;
        for (ByteBuffer b : bufs) {
            n += b.remaining();
        }
        return n;
    }

    // ---------------------------------------------------------------- sockets

    public int socket() {
        return add(new Fresh());
    }

    public int setOption(int fd, SocketOption<?> option, Object value) {
        Object o = fds.get(fd);
        try {
            if (o instanceof Fresh f) {
                f.options.add(new Object[] {option, value});
            } else if (o instanceof Sock s) {
                set(s.ch, option, value);
            } else if (o instanceof Listener l) {
                if (option == StandardSocketOptions.SO_REUSEADDR || option == StandardSocketOptions.SO_RCVBUF) {
                    set(l.ch, option, value);
                }
            } else {
                return -EBADF;
            }
            return 0;
        } catch (IOException e) {
            return -errno(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void set(java.nio.channels.NetworkChannel ch, SocketOption<?> option, Object value)
            throws IOException {
        ch.setOption((SocketOption<Object>) option, value);
    }

    /** TCP_NOPUSH has no Java counterpart: the emulation records it. */
    public int nopush(int fd, boolean on) {
        if (!(fds.get(fd) instanceof Sock s)) {
            return -EBADF;
        }
        s.nopush = on;
        return 0;
    }

    public boolean nopush(int fd) {
        return fds.get(fd) instanceof Sock s && s.nopush;
    }

    public int bind(int fd, InetSocketAddress address) {
        if (!(fds.get(fd) instanceof Fresh f)) {
            return -EINVAL;
        }
        f.bound = address;
        return 0;
    }

    public int listen(int fd, int backlog) {
        if (!(fds.get(fd) instanceof Fresh f) || f.bound == null) {
            return -EINVAL;
        }
        try {
            ServerSocketChannel ch = ServerSocketChannel.open();
            for (Object[] opt : f.options) {
                if (opt[0] == StandardSocketOptions.SO_REUSEADDR) {
                    set(ch, (SocketOption<?>) opt[0], opt[1]);
                }
            }
            ch.bind(f.bound, backlog);
            ch.configureBlocking(false);
            fds.put(fd, new Listener(ch));
            return 0;
        } catch (IOException e) {
            return -errno(e);
        }
    }

    public int accept(int fd) {
        if (!(fds.get(fd) instanceof Listener l)) {
            return -EINVAL;
        }
        synchronized (this) {
            Integer injected = l.acceptErrors.poll();
            if (injected != null) {
                return -injected;
            }
        }
        try {
            SocketChannel s = l.ch.accept();
            if (s == null) {
                synchronized (this) {
                    if (l.key != null && l.key.isValid() && !l.armed) {
                        l.armed = true;
                        l.key.interestOps(l.key.interestOps() | SelectionKey.OP_ACCEPT);
                    }
                }
                return -EAGAIN;
            }
            s.configureBlocking(false);
            return add(new Sock(s));
        } catch (IOException e) {
            return -errno(e);
        }
    }

    public int connect(int fd, InetSocketAddress address) {
        if (!(fds.get(fd) instanceof Fresh f)) {
            return -EINVAL;
        }
        try {
            SocketChannel ch = SocketChannel.open();
            ch.configureBlocking(false);
            for (Object[] opt : f.options) {
                set(ch, (SocketOption<?>) opt[0], opt[1]);
            }
            boolean done = ch.connect(address);
            fds.put(fd, new Sock(ch));
            return done ? 0 : -EINPROGRESS;
        } catch (IOException e) {
            return -errno(e);
        }
    }

    /** SO_ERROR of a connecting socket: 0 once connected, EINPROGRESS while not, or the connect error. */
    public int connectError(int fd) {
        if (!(fds.get(fd) instanceof Sock s)) {
            return EBADF;
        }
        try {
            return s.ch.isConnectionPending() ? (s.ch.finishConnect() ? 0 : EINPROGRESS) : 0;
        } catch (IOException e) {
            return errno(e);
        }
    }

    public InetSocketAddress address(int fd, boolean peer) throws IOException {
        Object o = fds.get(fd);
        if (o instanceof Sock s) {
            return (InetSocketAddress) (peer ? s.ch.getRemoteAddress() : s.ch.getLocalAddress());
        }
        if (o instanceof Listener l && !peer) {
            return (InetSocketAddress) l.ch.getLocalAddress();
        }
        throw new IOException("no address for fd " + fd);
    }

    public int shutdown(int fd) {
        if (!(fds.get(fd) instanceof Sock s)) {
            return -ENOTCONN;
        }
        try {
            s.ch.shutdownOutput();
            return 0;
        } catch (IOException e) {
            return -errno(e);
        }
    }

    public int close(int fd) {
        Object o = fds.remove(fd);
        try {
            if (o instanceof Sock s) {
                s.ch.close();
            } else if (o instanceof Listener l) {
                l.ch.close();
            } else if (o instanceof FileChannel f) {
                f.close();
            } else if (o instanceof Kq q) {
                q.selector.close();
            } else if (!(o instanceof Fresh)) {
                return -EBADF;
            }
            return 0;
        } catch (IOException e) {
            return -errno(e);
        }
    }

    /** Open descriptors, for leak checks. */
    public int openDescriptors() {
        return fds.size();
    }

    // ---------------------------------------------------------------- reads and writes

    public long read(int fd, ByteBuffer[] dsts) {
        if (!(fds.get(fd) instanceof Sock s)) {
            return -EBADF;
        }
        long want = remaining(dsts);
        try {
            long n = s.ch.read(dsts);
            if (n < 0) {
                return 0;
            }
            if (n < want) {
                rearm(s, false);
            }
            return n == 0 ? -EAGAIN : n;
        } catch (IOException e) {
            return -errno(e);
        }
    }

    /** A write-like call through the fault plan: short, EAGAIN, EINTR or ECONNRESET as it decides. */
    public long write(int fd, ByteBuffer[] srcs) {
        if (!(fds.get(fd) instanceof Sock s)) {
            return -EBADF;
        }
        long wanted = remaining(srcs);
        FaultPlan.Fault f = faults.next(wanted);
        switch (f.kind()) {
            case EAGAIN:
                rearm(s, true);
                return -EAGAIN;
            case EINTR:
                return -EINTR;
            case RESET:
                return -ECONNRESET;
            default:
                break;
        }
        long cap = f.kind() == FaultPlan.Kind.SHORT ? f.bytes() : wanted;
        return rawWrite(s, srcs, cap);
    }

    /** Writes at most {@code cap} bytes of {@code srcs} without consulting the faults. */
    public long rawWrite(int fd, ByteBuffer[] srcs, long cap) {
        if (!(fds.get(fd) instanceof Sock s)) {
            return -EBADF;
        }
        return rawWrite(s, srcs, cap);
    }

    private long rawWrite(Sock s, ByteBuffer[] srcs, long cap) {
        int[] limits = new int[srcs.length];
        long room = cap;
        for (int i = 0; i < srcs.length; i++) {
            limits[i] = srcs[i].limit();
            int take = (int) Math.min(srcs[i].remaining(), room);
            srcs[i].limit(srcs[i].position() + take);
            room -= take;
        }
        try {
            long want = remaining(srcs);
            long n = s.ch.write(srcs);
            if (n < want) {
                rearm(s, true);
            }
            return n == 0 && want > 0 ? -EAGAIN : n;
        } catch (IOException e) {
            return -errno(e);
        } finally {
            for (int i = 0; i < srcs.length; i++) {
                srcs[i].limit(limits[i]);
            }
        }
    }

    /**
     * Sends up to {@code count} bytes of a file at {@code position} on a socket, the core of every emulated
     * sendfile (no faults here: the caller applies them).
     *
     * @return bytes sent, or {@code -errno}; fewer than asked means the socket is full or the file ended
     */
    public long transfer(int fileFd, long position, long count, int sockFd) {
        if (!(fds.get(fileFd) instanceof FileChannel f) || !(fds.get(sockFd) instanceof Sock s)) {
            return -EBADF;
        }
        try {
            long n = f.transferTo(position, count, s.ch);
            if (n < count && position + n < f.size()) {
                rearm(s, true); // stopped by a full socket, not by the end of the file
            }
            return n;
        } catch (IOException e) {
            return -errno(e);
        }
    }

    public long fileSize(int fd) {
        if (!(fds.get(fd) instanceof FileChannel f)) {
            return -EBADF;
        }
        try {
            return f.size();
        } catch (IOException e) {
            return -errno(e);
        }
    }

    public int openFile(String path) {
        try {
            return add(FileChannel.open(Path.of(path), StandardOpenOption.READ));
        } catch (java.nio.file.NoSuchFileException e) {
            return -ENOENT;
        } catch (java.nio.file.AccessDeniedException e) {
            return -EACCES;
        } catch (IOException e) {
            return -EINVAL;
        }
    }

    // ---------------------------------------------------------------- kqueue

    public int kqueue() {
        try {
            return add(new Kq());
        } catch (IOException e) {
            return -errno(e);
        }
    }

    private synchronized void rearm(Sock s, boolean write) {
        if (s.key == null || !s.key.isValid()) {
            return;
        }
        if (write && !s.writeArmed) {
            s.writeArmed = true;
            s.key.interestOps(s.key.interestOps() | SelectionKey.OP_WRITE);
        } else if (!write && !s.readArmed) {
            s.readArmed = true;
            s.key.interestOps(s.key.interestOps() | SelectionKey.OP_READ);
        }
    }

    /** EV_ADD of a read or write filter with {@code udata}, armed. */
    public synchronized int addFilter(int kqFd, int fd, boolean write, long udata) {
        if (!(fds.get(kqFd) instanceof Kq kq)) {
            return -EBADF;
        }
        Object o = fds.get(fd);
        try {
            if (o instanceof Sock s) {
                if (s.key == null) {
                    s.kq = kq;
                    s.key = s.ch.register(kq.selector, 0, s);
                }
                if (write) {
                    s.writeUdata = udata;
                    s.writeArmed = true;
                    // a connecting channel reports completion as OP_CONNECT, a connected one writability as OP_WRITE
                    int op = s.ch.isConnectionPending() ? SelectionKey.OP_CONNECT : SelectionKey.OP_WRITE;
                    s.key.interestOps(s.key.interestOps() | op);
                } else {
                    s.readUdata = udata;
                    s.readArmed = true;
                    s.key.interestOps(s.key.interestOps() | SelectionKey.OP_READ);
                }
                return 0;
            }
            if (o instanceof Listener l && !write) {
                l.kq = kq;
                l.udata = udata;
                l.armed = true;
                l.key = l.ch.register(kq.selector, SelectionKey.OP_ACCEPT, l);
                return 0;
            }
            return -EBADF;
        } catch (IOException e) {
            return -errno(e);
        }
    }

    /** EV_DELETE of both filters. */
    public synchronized int deleteFilters(int fd) {
        Object o = fds.get(fd);
        if (o instanceof Sock s && s.key != null) {
            s.key.cancel();
            s.key = null;
            if (s.kq != null) {
                s.kq.eofs.remove(s);
            }
        } else if (o instanceof Listener l && l.key != null) {
            l.key.cancel();
            l.key = null;
        }
        return 0;
    }

    /** NOTE_TRIGGER of the user event: wakes a waiting kevent(). Any thread. */
    public int trigger(int kqFd) {
        if (!(fds.get(kqFd) instanceof Kq kq)) {
            return -EBADF;
        }
        kq.triggered.set(true);
        kq.selector.wakeup();
        return 0;
    }

    /**
     * Makes the next accept() calls on listener {@code fd} fail with {@code errnos}, one each, as a BSD kernel does
     * when a pending connection was aborted (ECONNABORTED) or the process is out of descriptors (EMFILE); the
     * pending connections stay queued.
     */
    public synchronized void injectAcceptErrors(int fd, int... errnos) {
        if (!(fds.get(fd) instanceof Listener l)) {
            throw new IllegalArgumentException("not a listener: fd " + fd);
        }
        for (int e : errnos) {
            l.acceptErrors.add(e);
        }
    }

    /** Makes the next kevent() report EV_EOF with {@code errno} on {@code fd}'s write filter. */
    public synchronized void injectPendingEof(int fd, int errno) {
        if (fds.get(fd) instanceof Sock s && s.kq != null) {
            s.pendingEofErrno = errno;
            s.kq.eofs.add(s);
            s.kq.selector.wakeup();
        }
    }

    /** Waits up to {@code timeoutMillis} ({@code < 0}: forever) and reports events; returns how many. */
    public int waitEvents(int kqFd, long timeoutMillis, int max, EventSink sink) {
        if (!(fds.get(kqFd) instanceof Kq kq)) {
            return -EBADF;
        }
        int[] n = {0};
        try {
            boolean immediate = kq.triggered.get() || !kq.eofs.isEmpty();
            if (immediate || timeoutMillis == 0) {
                kq.selector.selectNow();
            } else {
                kq.selector.select(timeoutMillis < 0 ? 0 : Math.max(1, timeoutMillis));
            }
            synchronized (this) {
                if (kq.triggered.getAndSet(false) && n[0] < max) {
                    sink.event(kqFd, true, false, false, 0, 0);
                    n[0]++;
                }
                for (Sock s : new ArrayList<>(kq.eofs)) {
                    if (n[0] >= max) {
                        break;
                    }
                    sink.event(fdOf(s), false, true, true, s.pendingEofErrno, s.writeUdata);
                    n[0]++;
                    kq.eofs.remove(s);
                }
                var it = kq.selector.selectedKeys().iterator();
                while (it.hasNext() && n[0] < max) {
                    SelectionKey k = it.next();
                    it.remove();
                    if (!k.isValid()) {
                        continue;
                    }
                    int ready = k.readyOps();
                    k.interestOps(k.interestOps() & ~ready);
                    if (k.attachment() instanceof Sock s) {
                        int fd = fdOf(s);
                        if ((ready & SelectionKey.OP_READ) != 0) {
                            s.readArmed = false;
                            sink.event(fd, false, false, false, 0, s.readUdata);
                            n[0]++;
                        }
                        if ((ready & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) != 0 && n[0] < max) {
                            s.writeArmed = false;
                            sink.event(fd, false, true, false, 0, s.writeUdata);
                            n[0]++;
                        }
                    } else if (k.attachment() instanceof Listener l) {
                        l.armed = false;
                        sink.event(fdOf(l), false, false, false, 0, l.udata);
                        n[0]++;
                    }
                }
            }
            return n[0];
        } catch (IOException e) {
            return -errno(e);
        }
    }

    private int fdOf(Object o) {
        for (Map.Entry<Integer, Object> e : fds.entrySet()) {
            if (e.getValue() == o) {
                return e.getKey();
            }
        }
        return -1;
    }
}
