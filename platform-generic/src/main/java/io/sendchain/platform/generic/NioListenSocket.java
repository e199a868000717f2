package io.sendchain.platform.generic;

import io.sendchain.event.Connection;
import io.sendchain.spi.Errno;
import io.sendchain.spi.ErrnoException;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.spi.DriverEvents;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** A listening socket of the generic platform: a non-blocking {@link ServerSocketChannel}. */
final class NioListenSocket implements ListenSocket {

    private final ServerSocketChannel ch;
    private final GenericPlatform platform;
    private SelectionKey key;
    private boolean closed;

    NioListenSocket(ServerSocketChannel ch, GenericPlatform platform) {
        this.ch = ch;
        this.platform = platform;
    }

    ServerSocketChannel channel() {
        return ch;
    }

    void key(SelectionKey key) {
        this.key = key;
    }

    SelectionKey key() {
        return key;
    }

    @Override
    public StreamSocket accept(Connection c) throws IOException {
        SocketChannel s;
        try {
            s = ch.accept();
        } catch (IOException e) {
            // the listener stays usable: the error is about one pending connection or a resource
            String reason = e.getMessage() != null ? e.getMessage() : e.toString();
            throw new ErrnoException("accept", 0, errno(e.getMessage()), reason, e);
        }
        if (s == null) {
            DriverEvents.ready(c.read(), false);
            SelectionKey k = key;
            if (k != null && k.isValid()) {
                k.interestOps(k.interestOps() | SelectionKey.OP_ACCEPT);
            }
            return null;
        }
        try {
            s.configureBlocking(false);
        } catch (IOException e) {
            s.close();
            throw new IOException("fcntl(O_NONBLOCK) failed on an accepted socket: " + e.getMessage(), e);
        }
        return new NioStreamSocket(s, platform, false);
    }

    /**
     * The class of a failed NIO accept, from its message: the JDK throws a plain {@code IOException} with the
     * system's text for the errno ({@code strerror}), so the text is all there is to go by. The JDK itself
     * retries ECONNABORTED, and EINTR, so they rarely reach us.
     */
    static Errno errno(String message) {
        if (message == null) {
            return Errno.OTHER;
        }
        return switch (message) {
            case "Too many open files" -> Errno.EMFILE;
            case "Too many open files in system" -> Errno.ENFILE;
            case "No buffer space available" -> Errno.ENOBUFS;
            case "Cannot allocate memory" -> Errno.ENOMEM;
            case "Software caused connection abort" -> Errno.ECONNABORTED;
            default -> Errno.OTHER;
        };
    }

    @Override
    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) ch.getLocalAddress();
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
        return "nio listener " + ch;
    }
}
