package io.sendchain.platform.freebsd.internal;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * FreeBSD structure layouts for 64-bit ABIs, as in the system headers. Only layouts: nothing here links to a
 * native function, so tests can check sizes and offsets on any OS.
 */
public final class FreeBsdLayouts {

    private FreeBsdLayouts() {
    }

    /** {@code struct iovec { void *iov_base; size_t iov_len; }} */
    public static final StructLayout IOVEC = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("iov_base"),
            ValueLayout.JAVA_LONG.withName("iov_len"));

    /**
     * {@code struct sf_hdtr { struct iovec *headers; int hdr_cnt; struct iovec *trailers; int trl_cnt; }}: 32 bytes,
     * each int padded to the next pointer's alignment.
     */
    public static final StructLayout SF_HDTR = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("headers"),
            ValueLayout.JAVA_INT.withName("hdr_cnt"),
            MemoryLayout.paddingLayout(4),
            ValueLayout.ADDRESS.withName("trailers"),
            ValueLayout.JAVA_INT.withName("trl_cnt"),
            MemoryLayout.paddingLayout(4));

    /**
     * {@code struct kevent} of FreeBSD 12 and later: {@code uintptr_t ident; short filter; u_short flags;
     * u_int fflags; int64_t data; void *udata; uint64_t ext[4];} (64 bytes).
     */
    public static final StructLayout KEVENT = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("ident"),
            ValueLayout.JAVA_SHORT.withName("filter"),
            ValueLayout.JAVA_SHORT.withName("flags"),
            ValueLayout.JAVA_INT.withName("fflags"),
            ValueLayout.JAVA_LONG.withName("data"),
            ValueLayout.JAVA_LONG.withName("udata"),
            MemoryLayout.sequenceLayout(4, ValueLayout.JAVA_LONG).withName("ext"));

    /** {@code struct sockaddr_in { uint8_t sin_len; sa_family_t sin_family; in_port_t sin_port; ... }} (16). */
    public static final StructLayout SOCKADDR_IN = MemoryLayout.structLayout(
            ValueLayout.JAVA_BYTE.withName("sin_len"),
            ValueLayout.JAVA_BYTE.withName("sin_family"),
            ValueLayout.JAVA_SHORT_UNALIGNED.withName("sin_port"),
            ValueLayout.JAVA_INT_UNALIGNED.withName("sin_addr"),
            MemoryLayout.sequenceLayout(8, ValueLayout.JAVA_BYTE).withName("sin_zero"));

    /** {@code struct sockaddr_in6} (28 bytes): length, family, port, flow info, address, scope id. */
    public static final StructLayout SOCKADDR_IN6 = MemoryLayout.structLayout(
            ValueLayout.JAVA_BYTE.withName("sin6_len"),
            ValueLayout.JAVA_BYTE.withName("sin6_family"),
            ValueLayout.JAVA_SHORT_UNALIGNED.withName("sin6_port"),
            ValueLayout.JAVA_INT_UNALIGNED.withName("sin6_flowinfo"),
            MemoryLayout.sequenceLayout(16, ValueLayout.JAVA_BYTE).withName("sin6_addr"),
            ValueLayout.JAVA_INT_UNALIGNED.withName("sin6_scope_id"));
}
