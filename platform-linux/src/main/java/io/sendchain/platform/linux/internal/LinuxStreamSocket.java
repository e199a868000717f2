package io.sendchain.platform.linux.internal;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.spi.Chains;
import io.sendchain.spi.FileRun;
import io.sendchain.spi.IoVec;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.StreamSocket;
import io.sendchain.spi.DriverEvents;
import io.sendchain.spi.NativeFile;
import io.sendchain.spi.Telemetry;
import io.sendchain.spi.Telemetry.Transfer;
import io.sendchain.spi.posix.Descriptor;
import io.sendchain.spi.posix.PosixAbi;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * A connected socket of the linux platform: a non-blocking descriptor driven through {@link LinuxKernel}.
 *
 * <p>The send chain is nginx's {@code ngx_linux_sendfile_chain} (current behaviour): memory bufs at the head of
 * the chain go out with one {@code writev}; a run of neighbouring file bufs with one {@code sendfile}; when
 * memory (a header) precedes a file, {@code TCP_CORK} is set first so header and file leave in the same
 * segments ({@code TCP_NODELAY} is cleared before, as the two exclude each other; an interrupted setsockopt is
 * tolerated). A short send does not clear {@code ready}: Linux may interrupt sendfile at any point without
 * saying so, so the loop resyncs and goes on until an explicit EAGAIN. sendfile returning 0 means the file was
 * truncated: an error, never a spin. The cork is pulled out by {@link #push}, which the write filter calls once the
 * response's last buf has gone. Whether to cork at all is the connection's {@code nopush}; the TCP_CORK and
 * TCP_NODELAY states are this socket's own.
 *
 * <p>Not from nginx: with {@link LinuxPlatform#MORE_MAX} set, a header (one iovec entry) in front of at most that
 * many bytes of file that end the response goes out with {@code send(MSG_MORE)} instead of between
 * {@code TCP_CORK} on and off; the kernel holds it until sendfile's last segment, so header and body still
 * share a segment, for two system calls fewer. It needs {@code TCP_NODELAY} on (restored first if a cork
 * cleared it), or Nagle could hold the final small segment for an ACK.
 *
 * <p>With a thread pool ({@code aio threads}), sendfile runs on a pool thread ({@link SendfileTask}): posting
 * returns the chain unchanged and holds the write event not ready; the task's completion makes it ready again
 * and posts it to the connection's loop; the next call collects the bytes sent. At most one task per socket is
 * in flight, and closing the socket while one is defers {@code close(2)} until it finishes, so the descriptor
 * cannot be reused under it.
 *
 * <p>The socket holds no gather list or file run of its own: they are the thread's per-call scratch
 * ({@link IoScratch}), so that an idle keep-alive connection does not carry them.
 */
final class LinuxStreamSocket implements StreamSocket, Descriptor {

    /** A call that would block. */
    private static final long AGAIN_RC = -2;
    /** A sendfile task was posted (nginx's NGX_DONE). */
    private static final long DONE_RC = -3;
    /** A call was interrupted (EINTR): make it again. */
    private static final long RETRY = Long.MIN_VALUE;
    /** A TCP option never set on this socket (nginx's NGX_TCP_NODELAY_UNSET). */
    static final byte UNSET = 0;
    /** A TCP option currently set. */
    static final byte SET = 1;
    /** A TCP option that failed on this socket and is not tried again. */
    static final byte DISABLED = 2;

    private final LinuxPlatform platform;
    private final LinuxKernel k;
    private final int fd;
    private final Closeable owner;
    private boolean connectPending;
    private boolean closed;
    private boolean closeDeferred;
    private boolean nodelayClearedForCork;
    /** TCP_CORK is on (nginx's NGX_TCP_NOPUSH_SET); whether it may be set is the connection's {@code nopush}. */
    private boolean corked;
    /** TCP_NODELAY's state (nginx's {@code c->tcp_nodelay}): {@link #UNSET}, {@link #SET} or {@link #DISABLED}. */
    private byte nodelay = UNSET;
    private SendfileTask task;

    /**
     * @param owner closes the descriptor instead of {@code close(2)} (an adopted channel), or {@code null}
     */
    LinuxStreamSocket(LinuxPlatform platform, int fd, boolean connectPending, Closeable owner) {
        this.platform = platform;
        this.k = platform.kernel();
        this.fd = fd;
        this.connectPending = connectPending;
        this.owner = owner;
    }

    @Override
    public int fd() {
        return fd;
    }

    LinuxPlatform platform() {
        return platform;
    }

    private IOException error(Event ev, String call, long rc) {
        return platform.sockets().error(ev, call, rc);
    }

    // ---------------------------------------------------------------- send chain

    @Override
    public Chain send(Connection c, Chain in, long limit) throws IOException {
        Event wev = c.write();
        if (!wev.ready()) {
            return in;
        }
        IoScratch s = platform.scratch();
        try {
            return send(c, wev, in, limit, s);
        } finally {
            s.clear(); // the thread's scratch must not keep this response's bufs reachable
        }
    }

    private Chain send(Connection c, Event wev, Chain in, long limit, IoScratch s) throws IOException {
        IoVec vec = s.vec;
        FileRun run = s.run;
        // the maximum limit size is 2G-1 minus the page size
        long max = Linux.SENDFILE_MAXSIZE - platform.pageSize();
        if (limit <= 0 || limit > max) {
            limit = max;
        }
        long send = 0;
        for (;;) {
            long prevSend = send;
            Chain cl = vec.fill(in, limit - send);
            send += vec.size();

            boolean fileFollows = cl != null && cl.buf().inFile();
            boolean more = false;
            if (!corked && c.nopush() && vec.count() == 1 && fileFollows
                    && (nodelay == SET || nodelayClearedForCork)
                    && !c.closeAfterOutput() && endsWithSmallFile(cl, limit - send)) {
                // a header and a small file that ends the response: the header waits in the socket with
                // MSG_MORE and leaves with the file's last segment, no cork to set and pull out. Not on a
                // connection closed next: corked, its data leaves with the FIN in one segment (nginx)
                more = true;
            } else if (!corked && c.nopush() && vec.count() != 0 && fileFollows) {
                cork(c);
            } else if (nodelayClearedForCork && vec.count() != 0 && !fileFollows && !corked) {
                // memory only and not corked: Nagle must not hold it back, so TCP_NODELAY comes back first
                restoreNodelay(c);
            }

            long n;
            if (vec.count() == 0 && cl != null && cl.buf().inFile() && send < limit) {
                long fileSize = run.coalesce(cl, limit - send);
                send += fileSize;
                if (fileSize == 0) {
                    throw new IOException("empty file run in " + cl.buf());
                }
                n = platform.threaded() ? sendfileThreaded(c, s, run.first(), fileSize)
                        : sendfile(c, s, run.first(), fileSize);
                if (n == DONE_RC) {
                    // the task was posted; its completion posts the write event and the next call collects it
                    return in;
                }
            } else if (more) {
                n = sendMore(c, vec);
            } else if (vec.count() != 0) {
                n = writev(c, s);
            } else {
                n = 0;
            }
            long sent = n == AGAIN_RC ? 0 : n;
            DriverEvents.addSent(c, sent);
            in = Chains.updateSent(in, sent);

            if (n == AGAIN_RC) {
                DriverEvents.ready(wev, false);
                return in;
            }
            long offered = send - prevSend;
            if (offered != sent) {
                // sendfile on Linux 4.3+ may stop early without saying why, and a threaded sendfile may report
                // fewer bytes than asked now: resync and retry until an explicit EAGAIN
                send = prevSend + sent;
            }
            if (send >= limit || in == null || offered == 0) {
                // offered == 0: only signals (or empty bufs) were left, there is nothing to wait for
                return in;
            }
        }
    }

    /** TCP_NODELAY off (if on), then TCP_CORK on; an EINTR leaves the socket uncorked, as nginx does. */
    private void cork(Connection c) throws IOException {
        // after a previous corked response TCP_NODELAY is still off (restored lazily): nothing to undo then
        if (!nodelayClearedForCork && nodelay == SET) {
            int rc = k.setsockopt(fd, Linux.IPPROTO_TCP, Linux.TCP_NODELAY, 0);
            if (rc < 0) {
                if (rc != -Linux.EINTR) {
                    throw error(c.write(), "setsockopt(TCP_NODELAY)", rc);
                }
                return; // go on with TCP_NODELAY and without TCP_CORK
            }
            nodelay = UNSET;
            nodelayClearedForCork = true;
        }
        if (nodelay == UNSET) {
            int rc = k.setsockopt(fd, Linux.IPPROTO_TCP, Linux.TCP_CORK, 1);
            if (rc < 0) {
                if (rc != -Linux.EINTR) {
                    throw error(c.write(), "setsockopt(TCP_CORK)", rc);
                }
                return; // go on without TCP_CORK
            }
            corked = true;
        }
    }

    /**
     * The response's last buf is out and the connection stays open (the write filter calls this; a connection
     * closed next is not uncorked, its close sends the rest): flush the cork (nginx's ngx_tcp_push). TCP_NODELAY, if
     * the cork cleared it,
     * is restored lazily, before the next send that is not corked: a keep-alive connection serving files corks
     * again for the next response and would only clear it again (nginx restores it at once; two system calls per
     * response saved, the same bytes on the wire).
     */
    @Override
    public void push(Connection c) throws IOException {
        if (!corked) {
            return;
        }
        int rc = k.setsockopt(fd, Linux.IPPROTO_TCP, Linux.TCP_CORK, 0);
        if (rc < 0) {
            throw error(c.write(), "setsockopt(!TCP_CORK)", rc);
        }
        corked = false;
    }

    private void restoreNodelay(Connection c) {
        nodelayClearedForCork = false;
        if (k.setsockopt(fd, Linux.IPPROTO_TCP, Linux.TCP_NODELAY, 1) >= 0) {
            nodelay = SET;
        }
    }

    /**
     * Whether the chain from {@code cl} is nothing but file bufs (and signals) up to the response's last buf, at
     * most {@link LinuxPlatform#moreMax()} bytes, all within {@code room} (so this call can send all of it).
     */
    private boolean endsWithSmallFile(Chain cl, long room) {
        long max = platform.moreMax();
        if (max == 0 || platform.threaded()) {
            return false;
        }
        long total = 0;
        for (; cl != null; cl = cl.next()) {
            Buf b = cl.buf();
            if (b.inMemory()) {
                return false;
            }
            total += b.size();
            if (total > max || total > room) {
                return false;
            }
            if (b.lastBuf()) {
                return true;
            }
        }
        return false;
    }

    /** The header, alone in the iovec, with MSG_MORE: the file that follows pushes it. */
    private long sendMore(Connection c, IoVec vec) throws IOException {
        if (nodelayClearedForCork) {
            // TCP_NODELAY would be restored before the next uncorked send anyway; MSG_MORE holds the header
            // whatever Nagle says, and the file's last segment goes out at once only with TCP_NODELAY on
            restoreNodelay(c);
        }
        for (;;) {
            long rc = k.send(fd, vec.address(0), vec.length(0), Linux.MSG_MORE | Linux.MSG_NOSIGNAL);
            long r = rc >= 0 ? sent(c, Transfer.WRITEV, rc) : notSent(c, Transfer.WRITEV, "send", rc);
            if (r != RETRY) {
                return r;
            }
        }
    }

    /** A write that sent {@code n} bytes, counted for the flight recorder; returns {@code n}. */
    private static long sent(Connection c, Transfer how, long n) {
        Telemetry.call(c, how, n, false);
        return n;
    }

    /**
     * A write of kind {@code how} that failed ({@code rc < 0}): AGAIN_RC for EAGAIN (counted for the flight
     * recorder), RETRY for EINTR; other errors throw.
     */
    private long notSent(Connection c, Transfer how, String call, long rc) throws IOException {
        if (rc == -Linux.EAGAIN) {
            Telemetry.call(c, how, 0, true);
            return AGAIN_RC;
        }
        if (rc == -Linux.EINTR) {
            return RETRY;
        }
        throw error(c.write(), call, rc);
    }

    private long writev(Connection c, IoScratch s) throws IOException {
        IoVec vec = s.vec;
        int n = vec.count();
        for (int i = 0; i < n; i++) {
            s.iovec(i, vec.address(i), vec.length(i));
        }
        for (;;) {
            long rc = k.writev(fd, s.iov, n);
            long r = rc >= 0 ? sent(c, Transfer.WRITEV, rc) : notSent(c, Transfer.WRITEV, "writev", rc);
            if (r != RETRY) {
                return r;
            }
        }
    }

    /** nginx's ngx_linux_sendfile: one sendfile of {@code size} bytes from the run's first buf. */
    private long sendfile(Connection c, IoScratch s, Buf file, long size) throws IOException {
        if (!(NativeFile.of(file.file()) instanceof LinuxFile lf)) {
            return copySend(c, s, file, size);
        }
        for (;;) {
            long rc = k.sendfile(fd, lf.fd(), file.filePos(), size);
            if (rc > 0) {
                return sent(c, Transfer.SENDFILE, rc);
            }
            if (rc == 0) {
                // the offset is at or beyond the end of the file: someone truncated it
                DriverEvents.error(c.write(), true);
                throw new IOException("sendfile() reported that \"" + file.file() + "\" was truncated at "
                        + file.filePos());
            }
            long r = notSent(c, Transfer.SENDFILE, "sendfile", rc);
            if (r != RETRY) {
                return r;
            }
        }
    }

    /**
     * A file without a native descriptor (opened by Java code, not by {@code Platform.openFile}): its bytes
     * are read into the thread's bounce buffer and written; correct, but a copy, which the platform warns about
     * once per file and counts ({@link LinuxPlatform#recordCopy}).
     */
    private long copySend(Connection c, IoScratch s, Buf file, long size) throws IOException {
        ByteBuffer bb = s.copy;
        int want = (int) Math.min(size, bb.capacity());
        bb.clear().limit(want);
        int got = file.file().channel().read(bb, file.filePos());
        if (got <= 0) {
            DriverEvents.error(c.write(), true);
            throw new IOException("read() reported that \"" + file.file() + "\" was truncated at "
                    + file.filePos());
        }
        for (;;) {
            long rc = k.write(fd, s.copyAddress, got);
            if (rc > 0) {
                platform.recordCopy(file.file(), rc);
                return sent(c, Transfer.COPY, rc);
            }
            long r = rc == 0 ? 0 : notSent(c, Transfer.COPY, "write", rc);
            if (r != RETRY) {
                return r;
            }
        }
    }

    /** nginx's ngx_linux_sendfile_thread: collect a finished task, or post a new one. */
    private long sendfileThreaded(Connection c, IoScratch s, Buf file, long size) throws IOException {
        if (!(NativeFile.of(file.file()) instanceof LinuxFile lf)) {
            return copySend(c, s, file, size);
        }
        Event wev = c.write();
        SendfileTask t = task;
        if (t == null) {
            t = new SendfileTask(this);
            task = t;
        }
        if (t.running()) {
            DriverEvents.ready(wev, false); // hold the writer until the task completes; see the class comment
            return DONE_RC;
        }
        if (t.complete()) {
            t.collected();
            if (t.err == Linux.EAGAIN) {
                // a write event that came while the task ran means the socket has room again: retry
                Telemetry.call(c, Transfer.SENDFILE, 0, true);
                return DriverEvents.complete(wev) ? 0 : AGAIN_RC;
            }
            if (t.err != 0) {
                throw error(wev, "sendfile", -t.err);
            }
            if (t.sent == 0) {
                DriverEvents.error(wev, true);
                throw new IOException("sendfile() reported that \"" + file.file() + "\" was truncated");
            }
            return sent(c, Transfer.SENDFILE, t.sent);
        }
        Executor poster = DriverEvents.executor(wev);
        Executor pool = platform.sendfilePool();
        DriverEvents.complete(wev, false);
        t.start(c, poster, lf, file.filePos(), size);
        try {
            pool.execute(t);
        } catch (RejectedExecutionException e) {
            t.abandon();
            throw new IOException("sendfile thread pool rejected the task: " + e.getMessage(), e);
        }
        DriverEvents.ready(wev, false);
        return DONE_RC;
    }

    /**
     * Called by a finished task, under this socket's monitor so that {@link #close} sees a consistent state:
     * publishes the result and runs the deferred close if the socket was closed meanwhile.
     *
     * @return whether the result should be delivered to the connection
     */
    synchronized boolean taskFinished(SendfileTask t) {
        t.finish();
        if (closeDeferred) {
            closeDeferred = false;
            closeNow();
            return false;
        }
        return !closed;
    }

    // ---------------------------------------------------------------- reads and single writes

    /**
     * nginx's ngx_unix_recv, the POSIX toolkit's: a short read clears {@code ready} too, as the socket is drained
     * and edge-triggered epoll reports the next arrival (not when the peer's FIN came with the data: EPOLLRDHUP).
     */
    @Override
    public long recv(Connection c, Buf b) throws IOException {
        return platform.sockets().recv(c, fd, b, true);
    }

    /** nginx's ngx_readv_chain: a short read clears {@code ready} as {@link #recv}'s does. */
    @Override
    public long recvChain(Connection c, Chain in, long limit) throws IOException {
        return platform.sockets().recvChain(c, fd, in, limit, platform.scratch().iov, true);
    }

    @Override
    public long send(Connection c, Buf b) throws IOException {
        return platform.sockets().send(c, fd, b);
    }

    // ---------------------------------------------------------------- connection management

    @Override
    public boolean connectPending() {
        return connectPending;
    }

    @Override
    public boolean finishConnect(Connection c) throws IOException {
        if (!connectPending) {
            return true;
        }
        if (!platform.sockets().connected(c, fd)) {
            return false;
        }
        connectPending = false;
        return true;
    }

    @Override
    public void shutdownOutput() throws IOException {
        platform.sockets().shutdownOutput(fd);
    }

    @Override
    public InetSocketAddress remoteAddress() throws IOException {
        return name(true);
    }

    @Override
    public InetSocketAddress localAddress() throws IOException {
        return name(false);
    }

    private InetSocketAddress name(boolean peer) throws IOException {
        return platform.sockets().name(fd, peer);
    }

    @Override
    public <T> void setOption(SocketOption<T> option, T value) throws IOException {
        PosixAbi.IntOption o = Linux.ABI.option(option);
        int v = value instanceof Boolean bool ? (bool ? 1 : 0) : (Integer) value;
        boolean nodelayOption = o.level() == Linux.IPPROTO_TCP && o.name() == Linux.TCP_NODELAY;
        if (nodelayOption && v == 1 && nodelay == SET) {
            return; // on already (nginx's ngx_tcp_nodelay checks c->tcp_nodelay the same way)
        }
        int rc = k.setsockopt(fd, o.level(), o.name(), v);
        if (rc < 0) {
            if (nodelayOption) {
                nodelay = DISABLED;
            }
            throw new IOException("setsockopt(" + option.name() + ") failed: " + k.strerror(-rc));
        }
        if (nodelayOption) {
            // the send chain's own bookkeeping: it clears TCP_NODELAY before a cork and restores it after
            nodelay = v == 1 ? SET : UNSET;
        }
    }

    /** TCP_NODELAY's state as the send chain sees it; for tests. */
    byte nodelay() {
        return nodelay;
    }

    /** Sets the recorded TCP_NODELAY state without a system call; for tests that start from a given state. */
    void nodelay(byte state) {
        nodelay = state;
    }

    /** Whether TCP_CORK is on; for tests. */
    boolean corked() {
        return corked;
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    /** Closes once; with a sendfile task in flight the descriptor is closed when the task ends. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (task != null && task.running()) {
            closeDeferred = true;
            return;
        }
        closeNow();
    }

    private void closeNow() {
        if (owner != null) {
            try {
                owner.close();
            } catch (IOException e) {
                platform.log().warn("closing adopted channel of fd {} failed: {}", fd, e.toString());
            }
            return;
        }
        int rc = k.close(fd);
        if (rc < 0 && rc != -Linux.EINTR) {
            platform.log().warn("close({}) failed: {}", fd, k.strerror(-rc));
        }
    }

    @Override
    public String toString() {
        return "linux socket fd " + fd + (closed ? " (closed)" : "");
    }
}
