package io.sendchain.platform.generic;

import io.sendchain.buf.FileRef;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.spi.IoDriver;
import io.sendchain.spi.Platform;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/** The pure-Java platform: NIO channels and a {@code Selector}. Works wherever the JDK does. */
final class GenericPlatform implements Platform {

    private final NioKernel kernel;
    private final ThreadLocal<NioScratch> scratch = ThreadLocal.withInitial(NioScratch::new);
    /** {@link #supportsReusePort()}, once probed. */
    private volatile Boolean reusePort;

    GenericPlatform(NioKernel kernel) {
        this.kernel = kernel;
    }

    NioKernel kernel() {
        return kernel;
    }

    /** The calling thread's scratch; a send or receive call fetches it once. */
    NioScratch scratch() {
        return scratch.get();
    }

    @Override
    public String name() {
        return GenericPlatformProvider.NAME;
    }

    @Override
    public IoDriver newDriver() throws IOException {
        return new NioDriver();
    }

    @Override
    public ListenSocket listen(InetSocketAddress address, int backlog) throws IOException {
        return listen(address, backlog, false);
    }

    /**
     * The JDK's {@code SO_REUSEPORT}, where it balances: on Linux. The JDK offers the option on the BSDs and macOS
     * too, where it lets sockets share an address without spreading connections among them. Probed once, with a
     * channel of our own.
     */
    @Override
    public boolean supportsReusePort() {
        Boolean r = reusePort;
        if (r == null) {
            r = System.getProperty("os.name", "").startsWith("Linux") && jdkHasReusePort();
            reusePort = r;
        }
        return r;
    }

    private static boolean jdkHasReusePort() {
        try (ServerSocketChannel ch = ServerSocketChannel.open()) {
            return ch.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public ListenSocket listen(InetSocketAddress address, int backlog, boolean reusePort) throws IOException {
        if (reusePort && !supportsReusePort()) {
            throw new UnsupportedOperationException("the generic platform cannot listen with SO_REUSEPORT here");
        }
        ServerSocketChannel ch = ServerSocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (reusePort) {
                ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            ch.bind(address, backlog);
            ch.configureBlocking(false);
        } catch (IOException e) {
            ch.close();
            throw new IOException("bind() to " + address + " failed: " + e.getMessage(), e);
        }
        return new NioListenSocket(ch, this);
    }

    @Override
    public StreamSocket connect(InetSocketAddress address) throws IOException {
        SocketChannel ch = SocketChannel.open();
        boolean done;
        try {
            ch.configureBlocking(false);
            done = ch.connect(address);
        } catch (IOException e) {
            ch.close();
            throw new IOException("connect() to " + address + " failed: " + e.getMessage(), e);
        }
        return new NioStreamSocket(ch, this, !done);
    }

    @Override
    public StreamSocket adopt(SocketChannel channel) throws IOException {
        if (!channel.isConnected()) {
            throw new IOException("cannot adopt " + channel + ": it is not connected");
        }
        channel.configureBlocking(false);
        return new NioStreamSocket(channel, this, false);
    }

    @Override
    public FileRef openFile(Path path) throws IOException {
        try {
            return FileRef.open(path);
        } catch (IOException e) {
            throw new IOException("open() \"" + path + "\" failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        // nothing held: no threads, no native state
    }
}
