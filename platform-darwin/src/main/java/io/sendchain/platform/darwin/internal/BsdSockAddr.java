package io.sendchain.platform.darwin.internal;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/** BSD socket addresses: {@code sin_len} first, then the family, then as elsewhere (network byte order). */
final class BsdSockAddr {

    static final int STORAGE = 128;
    private static final ValueLayout.OfShort NET_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private BsdSockAddr() {
    }

    static int family(InetSocketAddress a) {
        return a.getAddress() instanceof Inet4Address ? Darwin.AF_INET : Darwin.AF_INET6;
    }

    static int encode(InetSocketAddress address, MemorySegment out) throws IOException {
        if (address.isUnresolved()) {
            throw new IOException("cannot use an unresolved address: " + address);
        }
        out.fill((byte) 0);
        InetAddress ip = address.getAddress();
        if (ip instanceof Inet4Address) {
            out.set(ValueLayout.JAVA_BYTE, 0, (byte) 16);
            out.set(ValueLayout.JAVA_BYTE, 1, (byte) Darwin.AF_INET);
            out.set(NET_SHORT, 2, (short) address.getPort());
            MemorySegment.copy(ip.getAddress(), 0, out, ValueLayout.JAVA_BYTE, 4, 4);
            return 16;
        }
        out.set(ValueLayout.JAVA_BYTE, 0, (byte) 28);
        out.set(ValueLayout.JAVA_BYTE, 1, (byte) Darwin.AF_INET6);
        out.set(NET_SHORT, 2, (short) address.getPort());
        MemorySegment.copy(ip.getAddress(), 0, out, ValueLayout.JAVA_BYTE, 8, 16);
        out.set(ValueLayout.JAVA_INT_UNALIGNED, 24, ((Inet6Address) ip).getScopeId());
        return 28;
    }

    static InetSocketAddress decode(MemorySegment in) throws IOException {
        int family = in.get(ValueLayout.JAVA_BYTE, 1);
        int port = Short.toUnsignedInt(in.get(NET_SHORT, 2));
        try {
            if (family == Darwin.AF_INET) {
                byte[] a = new byte[4];
                MemorySegment.copy(in, ValueLayout.JAVA_BYTE, 4, a, 0, 4);
                return new InetSocketAddress(InetAddress.getByAddress(a), port);
            }
            if (family == Darwin.AF_INET6) {
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
