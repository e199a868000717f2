package io.sendchain.examples.http;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.StreamSocket;
import io.sendchain.spi.DriverEvents;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.file.Path;

/**
 * The static server's request path without a kernel, for the JMH benchmark of issue 14 (parse, lookup, response
 * head): a real {@link StaticServer} worker and session, their connection on an in-memory socket that hands over
 * the request's bytes and takes the response whole (a file buf is taken as sendfile would take it, without reading
 * it). The benchmark thread plays the worker's loop thread: the loop itself never runs while requests are made.
 */
public final class StaticPathHarness implements AutoCloseable {

    private final StaticServer server;
    private final StaticServer.StaticWorker worker;
    private final MemorySocket socket = new MemorySocket();
    private Connection conn;

    /**
     * A server on {@code root} with the given open file cache ({@code null}: off, the default, where every request
     * looks at and opens its file again), one worker, sendfile on, TCP options off.
     *
     * @throws IOException if no platform can be made
     */
    public StaticPathHarness(Path root, StaticConfig.FileCache cache) throws IOException {
        server = new StaticServer(StaticConfig.builder().root(root).workers(1).tcpNopush(false).tcpNodelay(false)
                .openFileCache(cache).build());
        worker = (StaticServer.StaticWorker) server.workers()[0];
        connect();
    }

    private void connect() {
        conn = new Connection("bench", socket);
        conn.read().handler(worker.idleRead);
        conn.write().handler(worker.idleWrite);
        conn.onClose(worker.idleClosed);
    }

    /**
     * Makes one request: its head {@code [0, request.byteSize())} is received, parsed, looked up and answered, as
     * the worker's loop would when the connection turns readable.
     *
     * @return the response's bytes (head and body)
     */
    public long request(MemorySegment request) {
        if (conn.closed()) {
            connect(); // the last answer closed the connection (a 400): the client connects again
        }
        socket.request = request;
        socket.sent = 0;
        Event ev = conn.read();
        DriverEvents.ready(ev, true);
        ev.handler().handle(ev);
        if (ev.handler() != worker.idleRead && !conn.closed()) {
            // the answer ends the connection (a 400) and the server lingers: the client, having read it, closes
            socket.eof = true;
            DriverEvents.ready(ev, true);
            ev.handler().handle(ev);
            socket.eof = false;
        }
        return socket.sent;
    }

    /** Stops the server (its loop runs only now, to stop). */
    @Override
    public void close() {
        worker.loop.start();
        server.close();
    }

    /** A socket whose peer sends one request at a time and reads everything at once. */
    private static final class MemorySocket implements StreamSocket {
        MemorySegment request;
        long sent;
        boolean eof;

        @Override
        public long recv(Connection c, Buf b) {
            MemorySegment r = request;
            if (eof) {
                return 0;
            }
            if (r == null) {
                DriverEvents.ready(c.read(), false);
                return Connection.AGAIN;
            }
            long n = Math.min(r.byteSize(), b.end() - b.last());
            MemorySegment.copy(r, 0, b.segment(), b.last(), n);
            b.last(b.last() + n);
            request = null;
            DriverEvents.ready(c.read(), false); // all the peer sent: the next read would be EAGAIN
            return n;
        }

        @Override
        public long recvChain(Connection c, Chain in, long limit) {
            DriverEvents.ready(c.read(), false);
            return Connection.AGAIN;
        }

        @Override
        public long send(Connection c, Buf b) {
            long n = b.last() - b.pos();
            b.pos(b.last());
            sent += n;
            DriverEvents.addSent(c, n);
            return n;
        }

        @Override
        public Chain send(Connection c, Chain in, long limit) {
            long total = 0;
            for (Chain cl = in; cl != null; cl = cl.next()) {
                Buf b = cl.buf();
                if (b.special()) {
                    continue;
                }
                total += b.size();
                if (b.inMemory()) {
                    b.pos(b.last());
                }
                if (b.inFile()) {
                    b.filePos(b.fileLast());
                }
            }
            sent += total;
            DriverEvents.addSent(c, total);
            return null;
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
            return new InetSocketAddress(0);
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
            return new InetSocketAddress(0);
        }

        @Override
        public void close() {
        }
    }
}
