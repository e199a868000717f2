package io.sendchain.platform.darwin.internal;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/** macOS structure layouts (64-bit), as in the system headers; only layouts, nothing linked. */
public final class DarwinLayouts {

    private DarwinLayouts() {
    }

    /** {@code struct iovec}. */
    public static final StructLayout IOVEC = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("iov_base"),
            ValueLayout.JAVA_LONG.withName("iov_len"));

    /** {@code struct sf_hdtr}: 32 bytes, each int count padded to the following pointer. */
    public static final StructLayout SF_HDTR = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("headers"),
            ValueLayout.JAVA_INT.withName("hdr_cnt"),
            MemoryLayout.paddingLayout(4),
            ValueLayout.ADDRESS.withName("trailers"),
            ValueLayout.JAVA_INT.withName("trl_cnt"),
            MemoryLayout.paddingLayout(4));

    /** {@code struct kevent} of macOS: ident, filter, flags, fflags, data, udata (32 bytes). */
    public static final StructLayout KEVENT = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("ident"),
            ValueLayout.JAVA_SHORT.withName("filter"),
            ValueLayout.JAVA_SHORT.withName("flags"),
            ValueLayout.JAVA_INT.withName("fflags"),
            ValueLayout.JAVA_LONG.withName("data"),
            ValueLayout.JAVA_LONG.withName("udata"));

    /** {@code struct sockaddr_in} with {@code sin_len} (16). */
    public static final StructLayout SOCKADDR_IN = MemoryLayout.structLayout(
            ValueLayout.JAVA_BYTE.withName("sin_len"),
            ValueLayout.JAVA_BYTE.withName("sin_family"),
            ValueLayout.JAVA_SHORT_UNALIGNED.withName("sin_port"),
            ValueLayout.JAVA_INT_UNALIGNED.withName("sin_addr"),
            MemoryLayout.sequenceLayout(8, ValueLayout.JAVA_BYTE).withName("sin_zero"));

    /** {@code struct sockaddr_in6} (28). */
    public static final StructLayout SOCKADDR_IN6 = MemoryLayout.structLayout(
            ValueLayout.JAVA_BYTE.withName("sin6_len"),
            ValueLayout.JAVA_BYTE.withName("sin6_family"),
            ValueLayout.JAVA_SHORT_UNALIGNED.withName("sin6_port"),
            ValueLayout.JAVA_INT_UNALIGNED.withName("sin6_flowinfo"),
            MemoryLayout.sequenceLayout(16, ValueLayout.JAVA_BYTE).withName("sin6_addr"),
            ValueLayout.JAVA_INT_UNALIGNED.withName("sin6_scope_id"));
}
