package io.sendchain.spi.posix;

import io.sendchain.event.Connection;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.spi.DriverEvents;
import io.sendchain.spi.ErrnoException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/**
 * A listening socket on a {@link PosixKernel}: accepts until EAGAIN (which clears {@code ready} and returns
 * {@code null}), makes the call again on EINTR, and reports any other failure as an {@link ErrnoException} naming
 * the call, the errno and its portable class, on which core's {@code Acceptor} acts (pausing on EMFILE, skipping an
 * aborted connection). Accepted descriptors go through the platform's {@link PosixSockets.DescriptorSetup}.
 */
public final class PosixListenSocket implements ListenSocket, Descriptor {

    private final PosixSockets sockets;
    private final int fd;
    private final String acceptCall;
    private final IntUnaryOperator accept;
    private final IntFunction<? extends StreamSocket> accepted;
    private boolean closed;

    /**
     * A listening socket over the listening descriptor {@code fd}.
     *
     * @param acceptCall the accept function's name, for errors ({@code "accept4"})
     * @param accept the platform's accept of a connection on the listening descriptor: a non-blocking
     *     close-on-exec descriptor ({@code accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)}), or one that
     *     the platform's descriptor setup makes so; {@code -errno} on failure
     * @param accepted makes the platform's stream socket for an accepted descriptor
     */
    public PosixListenSocket(PosixSockets sockets, int fd, String acceptCall, IntUnaryOperator accept,
            IntFunction<? extends StreamSocket> accepted) {
        if (fd < 0) {
            throw new IllegalArgumentException("fd < 0: " + fd);
        }
        this.sockets = Objects.requireNonNull(sockets, "sockets");
        this.fd = fd;
        this.acceptCall = Objects.requireNonNull(acceptCall, "acceptCall");
        this.accept = Objects.requireNonNull(accept, "accept");
        this.accepted = Objects.requireNonNull(accepted, "accepted");
    }

    @Override
    public int fd() {
        return fd;
    }

    @Override
    public StreamSocket accept(Connection c) throws IOException {
        PosixAbi abi = sockets.abi();
        for (;;) {
            int rc = accept.applyAsInt(fd);
            if (rc >= 0) {
                sockets.prepare(rc);
                return accepted.apply(rc);
            }
            if (rc == -abi.eagain()) {
                DriverEvents.ready(c.read(), false);
                return null;
            }
            if (rc != -abi.eintr()) {
                // the listener stays usable: the error is about one pending connection or a resource
                throw new ErrnoException(acceptCall, -rc, abi.errno().apply(-rc), sockets.kernel().strerror(-rc));
            }
        }
    }

    @Override
    public InetSocketAddress localAddress() throws IOException {
        return sockets.name(fd, false);
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            sockets.close(fd);
        }
    }

    @Override
    public String toString() {
        return sockets.abi().platform() + " listener fd " + fd;
    }
}
