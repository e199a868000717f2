package io.sendchain.spi.posix;

import io.sendchain.spi.Errno;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntFunction;

/**
 * The numbers of one POSIX platform that the shared socket logic needs, from its {@code <sys/errno.h>},
 * {@code <sys/socket.h>} and {@code <netinet/tcp.h>}. A platform declares it once, next to its constants.
 *
 * @param platform the platform's name, for messages ({@code "freebsd socket fd 7"})
 * @param eagain {@code EAGAIN} (would block)
 * @param eintr {@code EINTR} (interrupted: the call is made again)
 * @param einprogress {@code EINPROGRESS} (a non-blocking connect under way)
 * @param enotconn {@code ENOTCONN} (shutdown of a socket the peer has reset: not an error)
 * @param errno the portable class of an errno, for {@link io.sendchain.spi.ErrnoException}
 * @param socketType the {@code type} argument of {@code socket(2)} for a TCP socket: {@code SOCK_STREAM}, with
 *     {@code SOCK_NONBLOCK | SOCK_CLOEXEC} where the kernel has them (else {@link PosixSockets} runs the
 *     platform's descriptor setup)
 * @param solSocket {@code SOL_SOCKET}
 * @param soError {@code SO_ERROR}
 * @param shutWr {@code SHUT_WR}
 * @param options the {@code int} socket options {@code setOption} knows, as level and name; it must hold
 *     {@code SO_REUSEADDR} (set on every listener) and {@code TCP_NODELAY}
 * @param sockaddr the sockaddr layout and address families
 */
public record PosixAbi(String platform, int eagain, int eintr, int einprogress, int enotconn,
        IntFunction<Errno> errno, int socketType, int solSocket, int soError, int shutWr,
        Map<SocketOption<?>, IntOption> options, SockAddrCodec sockaddr) {

    /** An {@code int} socket option: {@code setsockopt(fd, level, name, &value, sizeof(int))}. */
    public record IntOption(int level, int name) {
    }

    /** Checks that no part is missing. */
    public PosixAbi {
        Objects.requireNonNull(platform, "platform");
        Objects.requireNonNull(errno, "errno");
        Objects.requireNonNull(sockaddr, "sockaddr");
        options = Map.copyOf(options);
        for (SocketOption<?> required : new SocketOption<?>[] {StandardSocketOptions.SO_REUSEADDR,
                StandardSocketOptions.TCP_NODELAY}) {
            if (!options.containsKey(required)) {
                throw new IllegalArgumentException("options must hold " + required + ": " + options.keySet());
            }
        }
        if (eagain <= 0 || eintr <= 0 || einprogress <= 0 || enotconn <= 0) {
            throw new IllegalArgumentException("errno numbers must be positive: EAGAIN " + eagain + ", EINTR "
                    + eintr + ", EINPROGRESS " + einprogress + ", ENOTCONN " + enotconn);
        }
    }

    /**
     * The options every POSIX socket has, at their places in {@code <sys/socket.h>} and {@code <netinet/tcp.h>}:
     * SO_SNDBUF, SO_RCVBUF, SO_KEEPALIVE and SO_REUSEADDR at {@code solSocket}, TCP_NODELAY at {@code ipprotoTcp}.
     */
    public static Map<SocketOption<?>, IntOption> standardOptions(int solSocket, int soSndbuf, int soRcvbuf,
            int soKeepalive, int soReuseaddr, int ipprotoTcp, int tcpNodelay) {
        return Map.of(StandardSocketOptions.SO_SNDBUF, new IntOption(solSocket, soSndbuf),
                StandardSocketOptions.SO_RCVBUF, new IntOption(solSocket, soRcvbuf),
                StandardSocketOptions.SO_KEEPALIVE, new IntOption(solSocket, soKeepalive),
                StandardSocketOptions.SO_REUSEADDR, new IntOption(solSocket, soReuseaddr),
                StandardSocketOptions.TCP_NODELAY, new IntOption(ipprotoTcp, tcpNodelay));
    }

    /**
     * The portable class of a platform's errno, from its numbers for each {@link Errno} but {@code OTHER}
     * (everything else is {@code OTHER}).
     */
    public static IntFunction<Errno> errnoClasses(Map<Errno, Integer> numbers) {
        Map<Integer, Errno> byNumber = new HashMap<>();
        numbers.forEach((kind, number) -> {
            if (kind == Errno.OTHER || byNumber.put(number, kind) != null) {
                throw new IllegalArgumentException("each class but OTHER once, each number once: " + numbers);
            }
        });
        Map<Integer, Errno> table = Map.copyOf(byNumber);
        return errno -> table.getOrDefault(errno, Errno.OTHER);
    }

    /** The level and name of {@code option}; unsupported options are misuse. */
    public IntOption option(SocketOption<?> option) {
        IntOption o = options.get(option);
        if (o == null) {
            throw new UnsupportedOperationException("socket option not supported by the " + platform
                    + " platform: " + option);
        }
        return o;
    }
}
