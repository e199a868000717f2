package io.sendchain.platform.linux.internal;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/** {@code struct sockaddr_in} / {@code sockaddr_in6} encoding, in the layouts of {@code <netinet/in.h>}. */
final class SockAddr {

    /** sizeof(struct sockaddr_storage). */
    static final int STORAGE = 128;
    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private SockAddr() {
    }

    /** Writes {@code address} into {@code out} (at least {@link #STORAGE} bytes); returns its length. */
    static int encode(InetSocketAddress address, MemorySegment out) throws IOException {
        if (address.isUnresolved()) {
            throw new IOException("cannot connect to an unresolved address: " + address);
        }
        out.fill((byte) 0);
        InetAddress ip = address.getAddress();
        if (ip instanceof Inet4Address) {
            out.set(ValueLayout.JAVA_SHORT, 0, (short) Linux.AF_INET);
            out.set(NET_SHORT, 2, (short) address.getPort());
            MemorySegment.copy(ip.getAddress(), 0, out, ValueLayout.JAVA_BYTE, 4, 4);
            return 16;
        }
        Inet6Address ip6 = (Inet6Address) ip;
        out.set(ValueLayout.JAVA_SHORT, 0, (short) Linux.AF_INET6);
        out.set(NET_SHORT, 2, (short) address.getPort());
        MemorySegment.copy(ip6.getAddress(), 0, out, ValueLayout.JAVA_BYTE, 8, 16);
        out.set(ValueLayout.JAVA_INT_UNALIGNED, 24, ip6.getScopeId());
        return 28;
    }

    /** The family of {@code address}: AF_INET or AF_INET6. */
    static int family(InetSocketAddress address) {
        return address.getAddress() instanceof Inet4Address ? Linux.AF_INET : Linux.AF_INET6;
    }

    /** Reads a sockaddr written by the kernel. */
    static InetSocketAddress decode(MemorySegment in) throws IOException {
        int family = in.get(ValueLayout.JAVA_SHORT, 0);
        int port = Short.toUnsignedInt(in.get(NET_SHORT, 2));
        try {
            if (family == Linux.AF_INET) {
                byte[] a = new byte[4];
                MemorySegment.copy(in, ValueLayout.JAVA_BYTE, 4, a, 0, 4);
                return new InetSocketAddress(InetAddress.getByAddress(a), port);
            }
            if (family == Linux.AF_INET6) {
                byte[] a = new byte[16];
                MemorySegment.copy(in, ValueLayout.JAVA_BYTE, 8, a, 0, 16);
                return new InetSocketAddress(InetAddress.getByAddress(a), port);
            }
        } catch (UnknownHostException e) {
            throw new IOException("bad address from the kernel", e);
        }
        throw new IOException("unsupported address family " + family);
    }
}
