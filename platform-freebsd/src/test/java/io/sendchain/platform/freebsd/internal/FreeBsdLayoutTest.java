package io.sendchain.platform.freebsd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sendchain.spi.posix.PosixLayouts;
import java.lang.foreign.MemoryLayout.PathElement;
import org.junit.jupiter.api.Test;

/** The structure layouts against FreeBSD's headers (amd64/arm64): sizes and field offsets. */
class FreeBsdLayoutTest {

    private static long offset(java.lang.foreign.StructLayout l, String field) {
        return l.byteOffset(PathElement.groupElement(field));
    }

    @Test
    void sfHdtrIs32BytesWithEachCountPaddedToThePointer() {
        assertEquals(32, PosixLayouts.SF_HDTR.byteSize());
        assertEquals(0, offset(PosixLayouts.SF_HDTR, "headers"));
        assertEquals(8, offset(PosixLayouts.SF_HDTR, "hdr_cnt"));
        assertEquals(16, offset(PosixLayouts.SF_HDTR, "trailers"));
        assertEquals(24, offset(PosixLayouts.SF_HDTR, "trl_cnt"));
    }

    @Test
    void keventOfFreeBsd12Is64BytesWithTheExtArray() {
        assertEquals(64, FreeBsdLayouts.KEVENT.byteSize());
        assertEquals(0, offset(FreeBsdLayouts.KEVENT, "ident"));
        assertEquals(8, offset(FreeBsdLayouts.KEVENT, "filter"));
        assertEquals(10, offset(FreeBsdLayouts.KEVENT, "flags"));
        assertEquals(12, offset(FreeBsdLayouts.KEVENT, "fflags"));
        assertEquals(16, offset(FreeBsdLayouts.KEVENT, "data"));
        assertEquals(24, offset(FreeBsdLayouts.KEVENT, "udata"));
        assertEquals(32, offset(FreeBsdLayouts.KEVENT, "ext"));
    }

    @Test
    void iovecAndSocketAddressesMatchTheHeaders() {
        assertEquals(16, PosixLayouts.IOVEC.byteSize());
        assertEquals(16, PosixLayouts.BSD_SOCKADDR_IN.byteSize());
        assertEquals(1, offset(PosixLayouts.BSD_SOCKADDR_IN, "sin_family"));
        assertEquals(2, offset(PosixLayouts.BSD_SOCKADDR_IN, "sin_port"));
        assertEquals(4, offset(PosixLayouts.BSD_SOCKADDR_IN, "sin_addr"));
        assertEquals(28, PosixLayouts.BSD_SOCKADDR_IN6.byteSize());
        assertEquals(8, offset(PosixLayouts.BSD_SOCKADDR_IN6, "sin6_addr"));
        assertEquals(24, offset(PosixLayouts.BSD_SOCKADDR_IN6, "sin6_scope_id"));
    }

    @Test
    void constantsAreFreeBsdsNotLinuxs() {
        assertEquals(35, FreeBsd.EAGAIN);
        assertEquals(54, FreeBsd.ECONNRESET);
        assertEquals(16, FreeBsd.EBUSY);
        assertEquals(0xffff, FreeBsd.SOL_SOCKET);
        assertEquals(4, FreeBsd.TCP_NOPUSH);
        assertEquals(1, FreeBsd.SF_NODISKIO);
        assertEquals((short) 0x8000, FreeBsd.EV_EOF);
        assertEquals(28, FreeBsd.AF_INET6);
    }
}
