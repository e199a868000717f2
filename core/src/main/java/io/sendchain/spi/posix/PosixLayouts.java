package io.sendchain.spi.posix;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * Structure layouts POSIX platforms share on LP64 ABIs, as in their headers: {@code struct iovec} everywhere, and
 * the BSD ones FreeBSD and macOS declare alike ({@code struct sf_hdtr}, {@code sockaddr_in}/{@code sockaddr_in6}
 * with {@code sin_len}). Only layouts: nothing here links. What differs ({@code struct kevent}) is the platform's.
 */
public final class PosixLayouts {

    private PosixLayouts() {
    }

    /** {@code struct iovec { void *iov_base; size_t iov_len; }} (16 bytes). */
    public static final StructLayout IOVEC = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("iov_base"),
            ValueLayout.JAVA_LONG.withName("iov_len"));

    /**
     * {@code struct sf_hdtr { struct iovec *headers; int hdr_cnt; struct iovec *trailers; int trl_cnt; }} of
     * FreeBSD and macOS: 32 bytes, each int padded to the next pointer's alignment.
     */
    public static final StructLayout SF_HDTR = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("headers"),
            ValueLayout.JAVA_INT.withName("hdr_cnt"),
            MemoryLayout.paddingLayout(4),
            ValueLayout.ADDRESS.withName("trailers"),
            ValueLayout.JAVA_INT.withName("trl_cnt"),
            MemoryLayout.paddingLayout(4));

    /** BSD {@code struct sockaddr_in { uint8_t sin_len; sa_family_t sin_family; in_port_t sin_port; ... }} (16). */
    public static final StructLayout BSD_SOCKADDR_IN = MemoryLayout.structLayout(
            ValueLayout.JAVA_BYTE.withName("sin_len"),
            ValueLayout.JAVA_BYTE.withName("sin_family"),
            ValueLayout.JAVA_SHORT_UNALIGNED.withName("sin_port"),
            ValueLayout.JAVA_INT_UNALIGNED.withName("sin_addr"),
            MemoryLayout.sequenceLayout(8, ValueLayout.JAVA_BYTE).withName("sin_zero"));

    /** BSD {@code struct sockaddr_in6} (28 bytes): length, family, port, flow info, address, scope id. */
    public static final StructLayout BSD_SOCKADDR_IN6 = MemoryLayout.structLayout(
            ValueLayout.JAVA_BYTE.withName("sin6_len"),
            ValueLayout.JAVA_BYTE.withName("sin6_family"),
            ValueLayout.JAVA_SHORT_UNALIGNED.withName("sin6_port"),
            ValueLayout.JAVA_INT_UNALIGNED.withName("sin6_flowinfo"),
            MemoryLayout.sequenceLayout(16, ValueLayout.JAVA_BYTE).withName("sin6_addr"),
            ValueLayout.JAVA_INT_UNALIGNED.withName("sin6_scope_id"));
}
