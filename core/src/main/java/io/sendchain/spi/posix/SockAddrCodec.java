package io.sendchain.spi.posix;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * {@code struct sockaddr_in} / {@code sockaddr_in6} of one ABI, in the layouts of {@code <netinet/in.h>}: the port
 * at offset 2, the IPv4 address at 4, the IPv6 address at 8 and its scope id at 24, all in network byte order but
 * the scope id. The ABIs differ in the first two bytes: BSD kernels ({@link #withSinLen}) put a length byte
 * ({@code sin_len}) and a one-byte family there, Linux and illumos ({@link #withoutSinLen}) a two-byte family in
 * the machine's order. The family numbers differ too ({@code AF_INET6} is 28 on FreeBSD, 30 on macOS, 10 on Linux).
 */
public final class SockAddrCodec {

    /** {@code sizeof(struct sockaddr_storage)}: room for any address the kernel hands back. */
    public static final int STORAGE = 128;
    private static final ValueLayout.OfShort NET_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final boolean sinLen;
    private final int afInet;
    private final int afInet6;

    private SockAddrCodec(boolean sinLen, int afInet, int afInet6) {
        if (afInet <= 0 || afInet6 <= 0 || afInet == afInet6 || (sinLen && (afInet > 255 || afInet6 > 255))) {
            throw new IllegalArgumentException("bad address families: AF_INET " + afInet + ", AF_INET6 " + afInet6);
        }
        this.sinLen = sinLen;
        this.afInet = afInet;
        this.afInet6 = afInet6;
    }

    /** The BSD layout: {@code uint8_t sin_len; sa_family_t sin_family} (one byte each). */
    public static SockAddrCodec withSinLen(int afInet, int afInet6) {
        return new SockAddrCodec(true, afInet, afInet6);
    }

    /** The Linux (and illumos) layout: {@code sa_family_t sin_family} (two bytes, machine order). */
    public static SockAddrCodec withoutSinLen(int afInet, int afInet6) {
        return new SockAddrCodec(false, afInet, afInet6);
    }

    /** The family of {@code address}: AF_INET or AF_INET6. */
    public int family(InetSocketAddress address) {
        return address.getAddress() instanceof Inet4Address ? afInet : afInet6;
    }

    /** Writes {@code address} into {@code out} (at least {@link #STORAGE} bytes); returns its length. */
    public int encode(InetSocketAddress address, MemorySegment out) throws IOException {
        if (address.isUnresolved()) {
            throw new IOException("cannot use an unresolved address: " + address);
        }
        out.fill((byte) 0);
        InetAddress ip = address.getAddress();
        if (ip instanceof Inet4Address) {
            head(out, 16, afInet);
            out.set(NET_SHORT, 2, (short) address.getPort());
            MemorySegment.copy(ip.getAddress(), 0, out, ValueLayout.JAVA_BYTE, 4, 4);
            return 16;
        }
        head(out, 28, afInet6);
        out.set(NET_SHORT, 2, (short) address.getPort());
        MemorySegment.copy(ip.getAddress(), 0, out, ValueLayout.JAVA_BYTE, 8, 16);
        out.set(ValueLayout.JAVA_INT_UNALIGNED, 24, ((Inet6Address) ip).getScopeId());
        return 28;
    }

    private void head(MemorySegment out, int length, int family) {
        if (sinLen) {
            out.set(ValueLayout.JAVA_BYTE, 0, (byte) length);
            out.set(ValueLayout.JAVA_BYTE, 1, (byte) family);
        } else {
            out.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) family);
        }
    }

    /** Reads a sockaddr written by the kernel. */
    public InetSocketAddress decode(MemorySegment in) throws IOException {
        int family = sinLen ? in.get(ValueLayout.JAVA_BYTE, 1) : in.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0);
        int port = Short.toUnsignedInt(in.get(NET_SHORT, 2));
        try {
            if (family == afInet) {
                byte[] a = new byte[4];
                MemorySegment.copy(in, ValueLayout.JAVA_BYTE, 4, a, 0, 4);
                return new InetSocketAddress(InetAddress.getByAddress(a), port);
            }
            if (family == afInet6) {
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
