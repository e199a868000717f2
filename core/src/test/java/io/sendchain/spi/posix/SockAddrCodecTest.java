package io.sendchain.spi.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The sockaddr codec writes both ABIs' layouts (with and without sin_len) and reads back what it wrote. */
class SockAddrCodecTest {

    private static final SockAddrCodec BSD = SockAddrCodec.withSinLen(2, 28);
    private static final SockAddrCodec LINUX = SockAddrCodec.withoutSinLen(2, 10);

    @Test
    void aBsdAddressStartsWithItsLengthAndAOneByteFamily() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocate(SockAddrCodec.STORAGE);
            InetSocketAddress a = new InetSocketAddress(InetAddress.getByName("10.1.2.3"), 8080);
            assertEquals(16, BSD.encode(a, sa));
            assertEquals(16, sa.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(2, sa.get(ValueLayout.JAVA_BYTE, 1));
            assertEquals(8080, Short.toUnsignedInt(sa.get(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2)));
            assertEquals(10, sa.get(ValueLayout.JAVA_BYTE, 4));
            assertEquals(a, BSD.decode(sa));
        }
    }

    @Test
    void aLinuxAddressStartsWithATwoByteFamily() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocate(SockAddrCodec.STORAGE);
            InetSocketAddress a = new InetSocketAddress(InetAddress.getByName("::1"), 443);
            assertEquals(28, LINUX.encode(a, sa));
            assertEquals(10, sa.get(ValueLayout.JAVA_SHORT, 0));
            assertEquals(1, sa.get(ValueLayout.JAVA_BYTE, 23));
            assertEquals(a, LINUX.decode(sa));
            assertEquals(10, LINUX.family(a));
            assertEquals(28, BSD.family(a));
        }
    }

    @Test
    void anUnknownFamilyFromTheKernelIsAnIoError() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocate(SockAddrCodec.STORAGE);
            sa.set(ValueLayout.JAVA_BYTE, 1, (byte) 1);
            assertEquals("unsupported address family 1",
                    assertThrows(IOException.class, () -> BSD.decode(sa)).getMessage());
        }
    }

    @Test
    void familiesThatDoNotFitTheLayoutAreMisuse() {
        assertThrows(IllegalArgumentException.class, () -> SockAddrCodec.withSinLen(2, 300));
        assertThrows(IllegalArgumentException.class, () -> SockAddrCodec.withoutSinLen(2, 2));
    }
}
