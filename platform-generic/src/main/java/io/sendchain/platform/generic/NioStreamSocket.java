package io.sendchain.platform.generic;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.spi.Chains;
import io.sendchain.spi.FileRun;
import io.sendchain.spi.IoVec;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.StreamSocket;
import io.sendchain.spi.DriverEvents;
import io.sendchain.spi.Telemetry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * A connected socket of the generic platform: a non-blocking {@link SocketChannel}.
 *
 * <p>The send chain is nginx's writev chain ({@code ngx_writev_chain}) with file runs sent by
 * {@link FileChannel#transferTo} in between, the way nginx's sendfile chains alternate {@code writev} and
 * {@code sendfile}: memory bufs at the head of the chain go out in one gathering write, a run of neighbouring
 * file bufs in one transfer, and the loop goes on while the kernel takes everything offered and the limit is
 * not reached. A short write means the socket buffer is full: {@code ready} is cleared, as in nginx's writev
 * chain.
 *
 * <p>Readiness is edge-triggered over a level-triggered {@code Selector}: a direction is in the key's interest
 * set only while its event is not ready; a call that would block clears {@code ready} and re-arms the interest
 * here, the driver drops it again when it reports the event.
 *
 * <p>The socket holds no gather list, file run or buffer arrays of its own: they are the thread's per-call
 * scratch ({@link NioScratch}), so that an idle keep-alive connection does not carry them.
 */
final class NioStreamSocket implements StreamSocket {

    /** Page size assumed for rounding file runs; Java does not expose the real one without native calls. */
    static final long PAGE_SIZE = 4096;
    /** Most bytes per send-chain call: 2 GiB - 1 - a page, nginx's Linux per-call cap (NIO buffers are int-sized). */
    static final long MAX_SEND = Integer.MAX_VALUE - PAGE_SIZE;

    private final SocketChannel ch;
    private final GenericPlatform platform;
    private SelectionKey key;
    private boolean connectPending;
    private boolean closed;
    /** TCP_NODELAY is on (set through {@link #setOption}). */
    private boolean nodelay;

    NioStreamSocket(SocketChannel ch, GenericPlatform platform, boolean connectPending) {
        this.ch = ch;
        this.platform = platform;
        this.connectPending = connectPending;
    }

    SocketChannel channel() {
        return ch;
    }

    void key(SelectionKey key) {
        this.key = key;
    }

    SelectionKey key() {
        return key;
    }

    /** The interest bits for a write event that is not ready. */
    int writeOps() {
        return connectPending ? SelectionKey.OP_CONNECT : SelectionKey.OP_WRITE;
    }

    private void armRead() {
        SelectionKey k = key;
        if (k != null && k.isValid()) {
            k.interestOps(k.interestOps() | SelectionKey.OP_READ);
        }
    }

    private void armWrite() {
        SelectionKey k = key;
        if (k != null && k.isValid()) {
            k.interestOps(k.interestOps() | writeOps());
        }
    }

    // ---------------------------------------------------------------- send chain

    @Override
    public Chain send(Connection c, Chain in, long limit) throws IOException {
        Event wev = c.write();
        if (!wev.ready()) {
            return in;
        }
        NioScratch s = platform.scratch();
        try {
            return send(c, wev, in, limit, s);
        } finally {
            s.clear(); // the thread's scratch must not keep this response's bufs reachable
        }
    }

    /** A write's bytes for the flight recorder; one that took nothing is the JDK's EAGAIN. */
    private static void counted(Connection c, Telemetry.Transfer how, long sent) {
        Telemetry.call(c, how, sent, sent == 0);
    }

    private Chain send(Connection c, Event wev, Chain in, long limit, NioScratch s) throws IOException {
        IoVec vec = s.vec;
        FileRun run = s.run;
        if (limit <= 0 || limit > MAX_SEND) {
            limit = MAX_SEND;
        }
        long send = 0;
        for (;;) {
            long prevSend = send;
            Chain cl = vec.fill(in, limit - send);
            send += vec.size();
            long sent;
            if (vec.count() == 0 && cl != null && cl.buf().inFile() && send < limit) {
                long size = run.coalesce(cl, limit - send);
                send += size;
                sent = transfer(c, run.first(), size);
                counted(c, Telemetry.Transfer.SENDFILE, sent);
            } else if (vec.count() > 0) {
                sent = writev(c, s);
                counted(c, Telemetry.Transfer.WRITEV, sent);
            } else {
                sent = 0;
            }
            DriverEvents.addSent(c, sent);
            in = Chains.updateSent(in, sent);
            if (send - prevSend != sent) {
                // the socket took less than offered: its buffer is full
                DriverEvents.ready(wev, false);
                armWrite();
                return in;
            }
            if (send >= limit || in == null || send == prevSend) {
                return in;
            }
        }
    }

    private long writev(Connection c, NioScratch s) throws IOException {
        IoVec vec = s.vec;
        ByteBuffer[] views = s.views;
        int n = vec.count();
        for (int i = 0; i < n; i++) {
            Buf b = vec.buf(i);
            ByteBuffer v = b.nioView();
            for (int j = 0; j < i; j++) {
                if (views[j] == v) {
                    v = v.duplicate(); // the same buf twice in one write: each entry needs its own window
                    break;
                }
            }
            int off = (int) vec.offset(i);
            v.clear().position(off).limit(off + (int) vec.length(i));
            views[i] = v;
        }
        try {
            for (;;) {
                long w;
                try {
                    w = platform.kernel().write(ch, views, 0, n);
                } catch (IOException e) {
                    DriverEvents.error(c.write(), true);
                    throw new IOException("writev() failed: " + e.getMessage(), e);
                }
                if (w != NioKernel.INTERRUPTED) {
                    return w;
                }
            }
        } finally {
            for (int i = 0; i < n; i++) {
                views[i] = null;
            }
        }
    }

    private long transfer(Connection c, Buf file, long size) throws IOException {
        FileChannel fc = file.file().channel();
        long pos = file.filePos();
        for (;;) {
            long n;
            try {
                n = platform.kernel().transferTo(fc, pos, size, ch);
            } catch (IOException e) {
                DriverEvents.error(c.write(), true);
                throw new IOException("transferTo() of " + file.file() + " failed: "
                        + (e.getMessage() != null ? e.getMessage() : e.toString()), e);
            }
            if (n == NioKernel.INTERRUPTED) {
                continue;
            }
            if (n == 0 && size > 0 && fc.size() <= pos) {
                // nothing sent because the file ends before the buf does: someone truncated it
                DriverEvents.error(c.write(), true);
                throw new IOException("transferTo() reported that \"" + file.file()
                        + "\" was truncated at " + pos);
            }
            return n;
        }
    }

    // ---------------------------------------------------------------- reads and single writes

    @Override
    public long recv(Connection c, Buf b) throws IOException {
        long room = b.end() - b.last();
        if (room <= 0) {
            throw new IllegalArgumentException("recv into a full buf: " + b);
        }
        ByteBuffer v = b.nioView();
        int from = (int) b.last();
        v.clear().position(from).limit(from + (int) Math.min(room, Integer.MAX_VALUE - from));
        Event rev = c.read();
        int n;
        try {
            n = ch.read(v);
        } catch (IOException e) {
            DriverEvents.error(rev, true);
            throw new IOException("recv() failed: " + e.getMessage(), e);
        }
        return afterRead(rev, n, room, b, v.position());
    }

    @Override
    public long recvChain(Connection c, Chain in, long limit) throws IOException {
        NioScratch s = platform.scratch();
        ByteBuffer[] views = s.views;
        Buf[] readBufs = s.readBufs;
        int count = 0;
        long total = 0;
        for (Chain cl = in; cl != null && count < views.length && (limit <= 0 || total < limit); cl = cl.next()) {
            Buf b = cl.buf();
            long room = b.end() - b.last();
            if (room <= 0) {
                continue;
            }
            if (limit > 0 && room > limit - total) {
                room = limit - total;
            }
            ByteBuffer v = b.nioView();
            for (int j = 0; j < count; j++) {
                if (views[j] == v) {
                    v = v.duplicate();
                    break;
                }
            }
            int from = (int) b.last();
            v.clear().position(from).limit(from + (int) room);
            views[count] = v;
            readBufs[count] = b;
            count++;
            total += room;
        }
        if (count == 0) {
            throw new IllegalArgumentException("recv chain without free space");
        }
        Event rev = c.read();
        long n;
        try {
            n = ch.read(views, 0, count);
            for (int i = 0; i < count && n > 0; i++) {
                readBufs[i].last(views[i].position());
            }
        } catch (IOException e) {
            DriverEvents.error(rev, true);
            throw new IOException("readv() failed: " + e.getMessage(), e);
        } finally {
            for (int i = 0; i < count; i++) {
                views[i] = null;
                readBufs[i] = null;
            }
        }
        return afterRead(rev, n, total, null, 0);
    }

    private long afterRead(Event rev, long n, long asked, Buf b, int newLast) {
        if (n > 0) {
            if (b != null) {
                b.last(newLast);
            }
            if (n < asked) {
                // drained the socket: nothing more until the selector says so
                DriverEvents.ready(rev, false);
                armRead();
            }
            return n;
        }
        if (n == 0) {
            DriverEvents.ready(rev, false);
            armRead();
            return Connection.AGAIN;
        }
        DriverEvents.eof(rev, true);
        DriverEvents.ready(rev, false);
        return 0;
    }

    @Override
    public long send(Connection c, Buf b) throws IOException {
        long size = b.last() - b.pos();
        if (size <= 0) {
            return 0;
        }
        ByteBuffer v = b.nioView();
        int from = (int) b.pos();
        v.clear().position(from).limit(from + (int) Math.min(size, Integer.MAX_VALUE - from));
        Event wev = c.write();
        int n;
        try {
            n = ch.write(v);
        } catch (IOException e) {
            DriverEvents.error(wev, true);
            throw new IOException("send() failed: " + e.getMessage(), e);
        }
        if (n > 0) {
            b.pos(b.pos() + n);
            DriverEvents.addSent(c, n);
        }
        if (n < size) {
            DriverEvents.ready(wev, false);
            armWrite();
        }
        return n == 0 ? Connection.AGAIN : n;
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
        boolean done;
        try {
            done = ch.finishConnect();
        } catch (IOException e) {
            DriverEvents.error(c.write(), true);
            throw new IOException("connect() failed: " + e.getMessage(), e);
        }
        if (done) {
            connectPending = false;
            DriverEvents.ready(c.write(), true);
            SelectionKey k = key;
            if (k != null && k.isValid()) {
                k.interestOps(k.interestOps() & ~SelectionKey.OP_CONNECT);
            }
        } else {
            DriverEvents.ready(c.write(), false);
            armWrite();
        }
        return done;
    }

    @Override
    public void shutdownOutput() throws IOException {
        try {
            ch.shutdownOutput();
        } catch (IOException e) {
            throw new IOException("shutdown() failed: " + e.getMessage(), e);
        }
    }

    @Override
    public InetSocketAddress remoteAddress() throws IOException {
        return (InetSocketAddress) ch.getRemoteAddress();
    }

    @Override
    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) ch.getLocalAddress();
    }

    @Override
    public <T> void setOption(SocketOption<T> option, T value) throws IOException {
        boolean nodelayOption = option == StandardSocketOptions.TCP_NODELAY;
        if (nodelayOption && Boolean.TRUE.equals(value) && nodelay) {
            return; // on already: the owner states it at each keep-alive (nginx's ngx_tcp_nodelay checks the same)
        }
        ch.setOption(option, value);
        if (nodelayOption) {
            nodelay = Boolean.TRUE.equals(value);
        }
    }

    @Override
    public boolean isOpen() {
        return !closed && ch.isOpen();
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        ch.close();
    }

    @Override
    public String toString() {
        return "nio socket " + ch;
    }
}
