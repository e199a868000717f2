package io.sendchain.pipe;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.event.Connection;
import io.sendchain.event.StreamSocket;
import io.sendchain.spi.DriverEvents;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.net.SocketOption;

/**
 * An upstream socket whose bytes the test feeds: recvChain fills bufs from what has been fed (at most
 * {@link #perCall(long)} bytes a call), reports EAGAIN (and clears ready) when nothing is left, end of stream once
 * {@link #eof()} was called, or fails after {@link #failAfter(long)} bytes.
 */
final class ScriptedUpstream implements StreamSocket {

    private byte[] data = new byte[0];
    private int at;
    private boolean eof;
    private long failAfter = -1;
    private long perCall = Long.MAX_VALUE;
    private long delivered;

    ScriptedUpstream feed(byte[] bytes) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(data, at, data.length - at);
        all.writeBytes(bytes);
        data = all.toByteArray();
        at = 0;
        return this;
    }

    ScriptedUpstream eof() {
        eof = true;
        return this;
    }

    /** At most {@code bytes} per recvChain call from now on (the kernel hands over what has arrived so far). */
    ScriptedUpstream perCall(long bytes) {
        perCall = bytes;
        return this;
    }

    ScriptedUpstream failAfter(long bytes) {
        failAfter = bytes;
        return this;
    }

    @Override
    public long recvChain(Connection c, Chain in, long limit) throws IOException {
        if (failAfter >= 0 && delivered >= failAfter) {
            DriverEvents.error(c.read(), true);
            throw new IOException("readv() failed: Connection reset by peer");
        }
        long total = 0;
        for (Chain cl = in; cl != null && at < data.length && (limit <= 0 || total < limit) && total < perCall;
                cl = cl.next()) {
            Buf b = cl.buf();
            long room = b.end() - b.last();
            long n = Math.min(Math.min(room, data.length - at), perCall - total);
            if (limit > 0) {
                n = Math.min(n, limit - total);
            }
            if (failAfter >= 0) {
                n = Math.min(n, failAfter - delivered - total);
            }
            MemorySegment.copy(data, at, b.segment(), ValueLayout.JAVA_BYTE, b.last(), (int) n);
            b.last(b.last() + n);
            at += (int) n;
            total += n;
        }
        delivered += total;
        if (total > 0) {
            return total;
        }
        if (eof) {
            DriverEvents.eof(c.read(), true);
            DriverEvents.ready(c.read(), false);
            return 0;
        }
        DriverEvents.ready(c.read(), false);
        return Connection.AGAIN;
    }

    @Override
    public long recv(Connection c, Buf b) throws IOException {
        return recvChain(c, Chain.of(b), 0);
    }

    @Override
    public long send(Connection c, Buf b) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Chain send(Connection c, Chain in, long limit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean finishConnect(Connection c) {
        return true;
    }

    @Override
    public boolean connectPending() {
        return false;
    }

    @Override
    public void shutdownOutput() {
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return null;
    }

    @Override
    public <T> void setOption(SocketOption<T> option, T value) {
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public InetSocketAddress localAddress() {
        return null;
    }

    @Override
    public void close() {
    }
}
