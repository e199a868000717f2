package io.sendchain.examples.http;

import com.google.common.net.HostAndPort;
import com.google.common.net.InetAddresses;
import java.net.InetSocketAddress;

/** {@code HOST:PORT} as the command line writes an address ({@code --listen}, {@code --upstream}). */
public final class Addresses {

    private Addresses() {
    }

    /**
     * {@code HOST:PORT}, an IPv6 host in brackets ({@code [::1]:8080}); a literal address is taken as it is, a name
     * is resolved.
     *
     * @throws IllegalArgumentException naming the value when it is not {@code HOST:PORT} with a port in 0..65535
     */
    public static InetSocketAddress parse(String hostPort) {
        HostAndPort hp;
        try {
            hp = HostAndPort.fromString(hostPort.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() != null && e.getMessage().contains("out of range")
                    ? "port out of range in \"" + hostPort + "\"" : "needs HOST:PORT, not \"" + hostPort + "\"", e);
        }
        if (!hp.hasPort() || hp.getHost().isEmpty()) {
            throw new IllegalArgumentException("needs HOST:PORT, not \"" + hostPort + "\"");
        }
        String host = hp.getHost();
        if (InetAddresses.isInetAddress(host)) {
            return new InetSocketAddress(InetAddresses.forString(host), hp.getPort()); // a literal needs no resolver
        }
        if (host.indexOf(':') >= 0 || host.chars().allMatch(ch -> ch == '.' || ch >= '0' && ch <= '9')) {
            throw new IllegalArgumentException("\"" + host + "\" in \"" + hostPort + "\" is not an IP address");
        }
        return new InetSocketAddress(host, hp.getPort());
    }
}
